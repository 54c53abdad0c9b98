//! `ariza`: the desk's core without a window. Human output is localized; `--json` output is
//! for scripts. Commands that change data act as a named staff member (`--as USER`, password
//! from `ARIZA_PASSWORD` or a prompt) and are recorded in the history under that name.
//!
//! This file parses and dispatches; each concern is a module under `commands/`.

mod acting;
mod commands;
mod failure;
mod output;
mod paging;
mod values;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ariza_core::clock::SystemClock;
use ariza_core::i18n::Locale;
use ariza_store::{DeviceKeyStore, Store};
use clap::{Parser, Subcommand};

use commands::{
    Ctx, applications, bundle, catalog, citizen, dashboard, doctor, documents, file, queue,
    receipt, security, settings, setup, staff, supervision, sync, update,
};
use failure::Failure;
use output::Output;
use values::LangArg;

#[derive(Parser)]
#[command(
    name = "ariza",
    version,
    about = "Ariza Desk without a window: for IT staff and scripts"
)]
struct Cli {
    /// The desk database (default: ARIZA_DB, else the OS app-data folder), the desk's own.
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    /// Print machine-readable JSON instead of localized text.
    #[arg(long, global = true)]
    json: bool,
    /// Language of human output (default: from LANG, else uz-Latn).
    #[arg(long, global = true, env = "ARIZA_LANG")]
    lang: Option<LangArg>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the center and its first administrator (password: ARIZA_PASSWORD or a prompt).
    Init(setup::Init),
    /// Staff accounts.
    #[command(subcommand)]
    Staff(staff::StaffCommand),
    /// The service catalog.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Citizens.
    #[command(subcommand)]
    Citizen(citizen::CitizenCommand),
    /// Files an application from JSON (see --help).
    #[command(long_about = file::FILE_HELP)]
    File(file::File),
    /// Lists applications (today's by default), a page at a time.
    List(applications::List),
    /// Shows one application by tracking number or id (recorded in the audit trail).
    Show(applications::Show),
    /// Writes a filed application's receipt as a PDF (A4, A5 or an 80 mm roll) in the
    /// citizen's language, with its QR code sealed by the device's key once enrolled.
    Receipt(receipt::Receipt),
    /// Cancels an application before delivery.
    Cancel(applications::Cancel),
    /// Attaches a scan (image or PDF) to an application as one of its service's documents.
    Attach(documents::Attach),
    /// Lists an application's documents: the service's checklist and what is attached.
    Documents(documents::Documents),
    /// A supervisor's rule: may a service's applications be filed before every required
    /// document is attached? Without ON/OFF, shows the rule of every service.
    DocumentsToFollow(documents::DocumentsToFollow),
    /// The audit trail: verify the hash chain, or list the newest entries.
    #[command(subcommand)]
    Audit(security::AuditCommand),
    /// Writes an encrypted backup under a key of its own, which opens with the password of a
    /// supervisor or administrator (and the recovery key, if one is registered).
    Backup(security::Backup),
    /// Restores an encrypted backup to --db after checking it, with a supervisor's or an
    /// administrator's password (ARIZA_PASSWORD) or the recovery key.
    Restore(security::Restore),
    /// Re-encrypts the database under a new key and rewraps every key slot (administrators).
    Rekey(security::Rekey),
    /// The desk's recovery key, which opens every backup when every password is lost.
    #[command(subcommand)]
    RecoveryKey(security::RecoveryKeyCommand),
    /// Opens the database with a staff member's password when this device's key is lost,
    /// and gives the device a new key slot.
    Unlock(security::Unlock),
    /// Enrolls this desk with the portal using a one-time code from the portal's operators
    /// (administrators).
    Enroll(sync::Enroll),
    /// Delivers waiting applications and brings decisions back; --watch keeps doing so.
    Sync(sync::Sync),
    /// Moves a center's work by USB stick when there is no link: export this desk's
    /// undelivered work for the portal, import the portal's bundle for this desk.
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Delivery status: portal, last success, backlog, quarantine, last error.
    Status,
    /// The desk's queues: the size of each, or the applications (or drafts) in one.
    /// A clerk sees their own.
    Queue(queue::Queue),
    /// Drafts left open: one's own, or (supervisors) everyone's.
    Drafts(queue::Drafts),
    /// Records that a decision was handed to the citizen.
    Handover(queue::OnApplication),
    /// Sends an application the portal set aside again (supervisors).
    Retry(queue::OnApplication),
    /// The dashboard for a day, week or month: filed, delivered, completed, rejected and
    /// returned, by service and by clerk; median days to a decision; share within the deadline.
    /// `--csv FILE` / `--xlsx FILE` export it with headers in the chosen language.
    Dashboard(dashboard::Dashboard),
    /// Gives an application to another staff member (supervisors).
    Reassign(supervision::Reassign),
    /// Sends an application back to its clerk with a note (supervisors).
    SendBack(supervision::SendBack),
    /// Answers what a supervisor sent back: the clerk says what was done.
    Answer(supervision::Answer),
    /// The health check for IT staff: where the device key is, disk encryption, free space,
    /// the clock against the portal's, the outbox, the last backup, schema and integrity.
    /// Exits 1 when it finds a problem. `--bundle FILE` also writes one diagnostics file for
    /// IT (versions, settings, the checks, sync status, recent log lines; no personal data).
    Doctor(doctor::Doctor),
    /// The desk's settings; `require-keyring on|off --as ADMIN` forbids a device key file.
    #[command(subcommand)]
    Settings(settings::SettingsCommand),
    /// Installs a desk release from a file (a USB stick) with its signature beside it
    /// (`FILE.minisig` or `FILE.sig`), after the same checks as the desk's own updates
    /// (administrators).
    Update(update::Update),
}

fn run(cli: Cli, ctx: &Ctx) -> Result<(), Failure> {
    let path = ariza_store::database_path(cli.db)?;
    let device = DeviceKeyStore::os_keyring(&path);
    let (path, device) = (&path, &device);
    match cli.command {
        // These two work on a database that cannot be opened with the device's key.
        Command::Restore(args) => security::restore(ctx, path, device, args),
        Command::Unlock(args) => security::unlock(ctx, path, device, args),
        // Reports on a database that does not open too, and never creates one.
        Command::Doctor(args) => doctor::run(ctx, path, device, args),
        Command::Settings(c) => with_store(path, device, |s| settings::run(ctx, s, device, c)),
        Command::Init(args) => with_store(path, device, |s| setup::init(ctx, s, args)),
        Command::Staff(c) => with_store(path, device, |s| staff::run(ctx, s, c)),
        Command::Catalog(c) => with_store(path, device, |s| catalog::run(ctx, s, c)),
        Command::Citizen(c) => with_store(path, device, |s| citizen::run(ctx, s, c)),
        Command::File(args) => with_store(path, device, |s| file::run(ctx, s, args)),
        Command::List(args) => with_store(path, device, |s| applications::list(ctx, s, args)),
        Command::Show(args) => with_store(path, device, |s| applications::show(ctx, s, args)),
        Command::Receipt(args) => with_store(path, device, |s| receipt::run(ctx, s, args)),
        Command::Cancel(args) => with_store(path, device, |s| applications::cancel(ctx, s, args)),
        Command::Attach(args) => with_store(path, device, |s| documents::attach(ctx, s, args)),
        Command::Documents(args) => {
            with_store(path, device, |s| documents::documents(ctx, s, args))
        }
        Command::DocumentsToFollow(args) => with_store(path, device, |s| {
            documents::documents_to_follow(ctx, s, args)
        }),
        Command::Audit(c) => with_store(path, device, |s| security::audit(ctx, s, c)),
        Command::Backup(args) => with_store(path, device, |s| security::backup(ctx, s, args)),
        Command::Rekey(args) => with_store(path, device, |s| security::rekey(ctx, s, args)),
        Command::RecoveryKey(c) => with_store(path, device, |s| security::recovery_key(ctx, s, c)),
        Command::Enroll(args) => with_store(path, device, |s| sync::enroll(ctx, s, args)),
        Command::Sync(args) => with_store(path, device, |s| sync::sync(ctx, s, args)),
        Command::Bundle(c) => with_store(path, device, |s| bundle::run(ctx, s, c)),
        Command::Status => with_store(path, device, |s| sync::status(ctx, s)),
        Command::Queue(args) => with_store(path, device, |s| queue::queue(ctx, s, args)),
        Command::Drafts(args) => with_store(path, device, |s| queue::drafts(ctx, s, args)),
        Command::Handover(args) => with_store(path, device, |s| queue::handover(ctx, s, args)),
        Command::Retry(args) => with_store(path, device, |s| queue::retry(ctx, s, args)),
        Command::Dashboard(args) => with_store(path, device, |s| dashboard::run(ctx, s, args)),
        Command::Reassign(args) => {
            with_store(path, device, |s| supervision::reassign(ctx, s, args))
        }
        Command::SendBack(args) => {
            with_store(path, device, |s| supervision::send_back(ctx, s, args))
        }
        Command::Answer(args) => with_store(path, device, |s| supervision::answer(ctx, s, args)),
        Command::Update(args) => with_store(path, device, |s| update::run(ctx, s, args)),
    }
}

/// Opens the store, runs one command on it, and folds the WAL into the database before
/// exiting, so that a copied file is complete.
fn with_store(
    path: &Path,
    device: &DeviceKeyStore,
    command: impl FnOnce(&Store) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let store = Store::open_with(path, device)?;
    let result = command(&store);
    if let Err(e) = store.checkpoint() {
        tracing::warn!(error = %e, "checkpoint failed");
    }
    result
}

/// `--lang` (or ARIZA_LANG), else the system's LANG when it names a language Ariza speaks,
/// else uz-Latn. A typo in `--lang` is refused by clap; LANG is the system's, often "C".
fn locale(lang: Option<LangArg>) -> Locale {
    lang.map(Locale::from)
        .or_else(|| {
            std::env::var("LANG")
                .ok()
                .as_deref()
                .and_then(Locale::parse)
        })
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr and only when asked for (ARIZA_LOG=info), so scripts get clean output.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("ARIZA_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let ctx = Ctx {
        out: Output::new(cli.json, locale(cli.lang)),
        clock: SystemClock,
    };
    match run(cli, &ctx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            ctx.out.print_failure(&failure);
            ExitCode::FAILURE
        }
    }
}
