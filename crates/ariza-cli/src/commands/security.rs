//! `ariza audit`, `backup`, `restore` and `unlock`: the audit trail and the database's keys.
//! `restore` and `unlock` work on a database the device's key cannot open, so they take the
//! path instead of an open store.

use std::path::{Path, PathBuf};

use ariza_core::error::Code;
use ariza_store::{DeviceKeyStore, Store};

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::output::local_second;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Recomputes the chain; exits 1 if any entry was edited, removed or inserted.
    Verify,
    /// The newest entries first (supervisors and admins).
    List {
        #[command(flatten)]
        act: ActAs,
        /// At most this many entries.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// Skip this many of the newest first.
        #[arg(long, default_value_t = 0)]
        offset: u64,
    },
}

#[derive(clap::Args)]
pub struct Backup {
    /// The backup file to write.
    out: PathBuf,
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Args)]
pub struct Restore {
    backup: PathBuf,
    #[command(flatten)]
    act: ActAs,
    /// Replace an existing database (kept beside as …bak-before-restore).
    #[arg(long)]
    replace: bool,
}

#[derive(clap::Args)]
pub struct Unlock {
    #[command(flatten)]
    act: ActAs,
}

pub fn audit(ctx: &Ctx, store: &Store, command: AuditCommand) -> Result<(), Failure> {
    match command {
        AuditCommand::Verify => {
            let report = store.verify_audit()?;
            ctx.out.show(&report, |report| {
                let line = if report.ok() {
                    let args = [("entries", report.entries.to_string())];
                    ctx.out.tr("cli-audit-ok", &args)
                } else {
                    let args = [
                        ("seq", report.broken_at.unwrap_or_default().to_string()),
                        ("reason", report.reason.clone().unwrap_or_default()),
                    ];
                    ctx.out.tr("cli-audit-broken", &args)
                };
                println!("{line}");
            })?;
            if report.ok() {
                Ok(())
            } else {
                Err(Failure::Message(
                    Code::Conflict,
                    "cli-audit-failed",
                    Vec::new(),
                ))
            }
        }
        AuditCommand::List { act, limit, offset } => {
            let actor = act.sign_in(ctx, store)?;
            let page = ariza_store::PageRequest { limit, offset };
            let entries = store.audit_log_page(&actor, page)?;
            ctx.out.page(&entries, |e| {
                format!(
                    "{:>6}  {}  {:<14} {:<22} {} {}",
                    e.seq,
                    local_second(e.at),
                    e.actor,
                    e.action,
                    e.subject,
                    e.detail
                )
            })
        }
    }
}

pub fn backup(ctx: &Ctx, store: &Store, args: Backup) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    store.backup(&actor, &args.out, &ctx.clock)?;
    ctx.out.report(
        &args.out,
        "cli-backup-written",
        &[("path", args.out.display().to_string())],
    )
}

/// Restores a checked backup to `path` with the acting staff member's password.
pub fn restore(
    ctx: &Ctx,
    path: &Path,
    device: &DeviceKeyStore,
    args: Restore,
) -> Result<(), Failure> {
    let pw = args.act.password(ctx)?;
    let user = &args.act.user;
    let report = Store::restore(
        &args.backup,
        path,
        device,
        user,
        &pw,
        args.replace,
        &ctx.clock,
    )?;
    ctx.out.report(
        &report.applications,
        "cli-restored",
        &[
            ("applications", report.applications.to_string()),
            ("citizens", report.citizens.to_string()),
            ("entries", report.audit.entries.to_string()),
        ],
    )
}

/// Opens the database with a staff member's password and gives the device a new key slot.
pub fn unlock(
    ctx: &Ctx,
    path: &Path,
    device: &DeviceKeyStore,
    args: Unlock,
) -> Result<(), Failure> {
    let pw = args.act.password(ctx)?;
    Store::unlock(path, device, &args.act.user, &pw)?;
    ctx.out.report(&true, "cli-unlocked", &[])
}
