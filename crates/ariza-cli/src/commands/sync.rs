//! `ariza enroll`, `sync` and `status`: this desk and the portal.

use ariza_store::Store;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::output::local_minute;

#[derive(clap::Args)]
pub struct Enroll {
    #[arg(long)]
    portal: String,
    #[arg(long)]
    code: String,
    /// How the portal will name this device (default: the host name).
    #[arg(long)]
    name: Option<String>,
    /// Pins of the portal's public key, to accept only certificates with that key: the
    /// SHA-256 of its SubjectPublicKeyInfo, base64 (as HPKP's pin-sha256) or hex; a second
    /// pin after a comma is the backup key.
    #[arg(long)]
    pin: Option<String>,
    /// An administrator.
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Args)]
pub struct Sync {
    /// Keep syncing until stopped.
    #[arg(long)]
    watch: bool,
    /// Seconds between runs with --watch.
    #[arg(long, default_value_t = 30)]
    every: u64,
}

pub fn enroll(ctx: &Ctx, store: &Store, args: Enroll) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let engine = ariza_sync::Engine::new()?;
    let name = args
        .name
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "ariza-desk".into());
    let answer = engine.enroll(
        store,
        &actor,
        &args.portal,
        &args.code,
        &name,
        args.pin.as_deref(),
    )?;
    ctx.out.report(
        &answer.center,
        "cli-enrolled",
        &[
            ("center", answer.center.code.clone()),
            ("device", answer.device_number.to_string()),
        ],
    )
}

pub fn sync(ctx: &Ctx, store: &Store, args: Sync) -> Result<(), Failure> {
    let engine = ariza_sync::Engine::new()?;
    if args.watch {
        let stop = std::sync::atomic::AtomicBool::new(false);
        engine.watch(store, std::time::Duration::from_secs(args.every), &stop);
        return Ok(());
    }
    let r = engine.sync_once(store)?;
    let status = store.sync_status()?;
    ctx.out.report(
        &status,
        "cli-synced",
        &[
            ("delivered", r.delivered.to_string()),
            ("decisions", r.decisions.to_string()),
            ("quarantined", (r.conflicts + r.rejected).to_string()),
            ("backlog", status.backlog.to_string()),
        ],
    )
}

/// Delivery status: portal, last success, backlog, quarantine, last error.
pub fn status(ctx: &Ctx, store: &Store) -> Result<(), Failure> {
    let s = store.sync_status()?;
    ctx.out.show(&s, |s| {
        let tr = |key: &str| ctx.out.tr(key, &[]);
        let portal = s
            .portal_url
            .clone()
            .unwrap_or_else(|| tr("err-not-enrolled"));
        println!("{}: {portal}", tr("ui-sync-portal"));
        let last = s.last_success_at.map(local_minute);
        println!(
            "{}: {}",
            tr("ui-sync-last"),
            last.unwrap_or(tr("cli-never"))
        );
        let count = |n: i64| [("count", n.to_string())];
        println!("{}", ctx.out.tr("ui-backlog", &count(s.backlog)));
        println!("{}", ctx.out.tr("ui-quarantined", &count(s.quarantined)));
        if let Some(key) = &s.audit_alert {
            println!("{}", tr(key));
        }
        if let Some(key) = &s.last_error {
            println!("{}: {}", tr("ui-sync-error"), tr(key));
        }
        // Never silent: a device key kept in a file because no keyring answered is said here
        // too (the desk's status line says it; `ariza doctor` says what to do).
        if s.device_key == Some(ariza_store::DeviceKeyLocation::FileBecauseNoKeyring) {
            println!("{}", tr("doctor-key-file-no-keyring"));
        }
    })
}
