//! `ariza audit`, `backup`, `restore`, `unlock`, `rekey` and `recovery-key`: the audit trail
//! and the database's keys. `restore` and `unlock` work on a database the device's key cannot
//! open, so they take the path instead of an open store.

use std::path::{Path, PathBuf};

use ariza_core::error::Code;
use ariza_store::{DeviceKeyStore, RecoveryKey, RestoreFrom, Store};

use super::Ctx;
use crate::acting::{ActAs, Secret, password};
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
    /// A supervisor or administrator whose password opens the backup (ARIZA_PASSWORD or a
    /// prompt).
    #[arg(
        long = "as",
        value_name = "USER",
        required_unless_present = "recovery_key",
        conflicts_with = "recovery_key"
    )]
    user: Option<String>,
    /// The desk's recovery key file (`ariza recovery-key create`), when every password is lost.
    #[arg(long, value_name = "FILE")]
    recovery_key: Option<PathBuf>,
    /// Replace an existing database (kept beside, with its WAL, key slots and device key, as
    /// <db>.replaced-<UTC time>; it still opens).
    #[arg(long)]
    replace: bool,
}

#[derive(clap::Args)]
pub struct Rekey {
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Subcommand)]
pub enum RecoveryKeyCommand {
    /// Makes a recovery key pair: the private half goes to FILE (keep it offline, in a safe),
    /// the public half is registered here and every backup from then on opens with it too
    /// (administrators).
    Create {
        /// Where to write the private key (a new file, readable by you only).
        #[arg(long, value_name = "FILE", default_value = "ariza-recovery-key.txt")]
        out: PathBuf,
        #[command(flatten)]
        act: ActAs,
    },
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
    let report = store.backup(&actor, &args.out, &ctx.clock)?;
    let value = serde_json::json!({
        "path": args.out,
        "restorers": report.restorers,
        "recovery_key": report.recovery_key,
    });
    ctx.out.show(&value, |_| {
        let path = [("path", args.out.display().to_string())];
        println!("{}", ctx.out.tr("cli-backup-written", &path));
        let restorers = [("restorers", report.restorers.join(", "))];
        println!("{}", ctx.out.tr("cli-backup-restorers", &restorers));
        if report.recovery_key {
            println!("{}", ctx.out.tr("cli-backup-recovery-key", &[]));
        }
    })
}

/// Restores a checked backup to `path` with the acting staff member's password.
pub fn restore(
    ctx: &Ctx,
    path: &Path,
    device: &DeviceKeyStore,
    args: Restore,
) -> Result<(), Failure> {
    let recovery = match &args.recovery_key {
        Some(file) => Some(read_recovery_key(file)?),
        None => None,
    };
    let report = match (&recovery, &args.user) {
        (Some(key), _) => Store::restore(
            &args.backup,
            path,
            device,
            RestoreFrom::RecoveryKey(key),
            args.replace,
            &ctx.clock,
        )?,
        (None, user) => {
            // clap requires `--as` without `--recovery-key`.
            let user = user.as_deref().unwrap_or_default();
            let pw = password(ctx, Secret::Current, user)?;
            let from = RestoreFrom::Staff {
                username: user,
                password: &pw,
            };
            Store::restore(&args.backup, path, device, from, args.replace, &ctx.clock)?
        }
    };
    ctx.out.show(&report, |report| {
        let counts = [
            ("applications", report.applications.to_string()),
            ("citizens", report.citizens.to_string()),
            ("entries", report.audit.entries.to_string()),
        ];
        println!("{}", ctx.out.tr("cli-restored", &counts));
        let holders = [("holders", report.holders.join(", "))];
        println!("{}", ctx.out.tr("cli-restore-holders", &holders));
        if let Some(kept) = &report.replaced {
            let kept = [("path", kept.display().to_string())];
            println!("{}", ctx.out.tr("cli-restore-kept", &kept));
        }
    })
}

/// Reads a recovery key file; a file that holds none is the same answer as the wrong key.
fn read_recovery_key(file: &Path) -> Result<RecoveryKey, Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| Failure::Other(e.into()))?;
    RecoveryKey::parse(&text)
        .ok_or_else(|| Failure::Message(Code::BadBackup, "err-bad-recovery-key", Vec::new()))
}

/// Re-encrypts the database under a new key and rewraps every key slot (administrators).
pub fn rekey(ctx: &Ctx, store: &Store, args: Rekey) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    store.rekey(&actor, &ctx.clock)?;
    ctx.out.report(&true, "cli-rekeyed", &[])
}

pub fn recovery_key(ctx: &Ctx, store: &Store, command: RecoveryKeyCommand) -> Result<(), Failure> {
    match command {
        RecoveryKeyCommand::Create { out, act } => {
            let actor = act.sign_in(ctx, store)?;
            let note = ctx.out.tr("cli-recovery-key-file-note", &[]);
            let recipient = store.create_recovery_key(&actor, &out, &note, &ctx.clock)?;
            let value = serde_json::json!({"path": out, "recipient": recipient});
            ctx.out.show(&value, |_| {
                let args = [
                    ("path", out.display().to_string()),
                    ("recipient", recipient.clone()),
                ];
                println!("{}", ctx.out.tr("cli-recovery-key-created", &args));
            })?;
            // The warning goes to standard error, so even `--json` output shows it.
            eprintln!("{}", ctx.out.tr("cli-recovery-key-warning", &[]));
            Ok(())
        }
    }
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
