//! `ariza`: the desk's core without a window. Human output is localized; `--json` output is
//! for scripts. Commands that change data act as a named staff member (`--as USER`, password
//! from `ARIZA_PASSWORD` or a prompt) and are recorded in the history under that name.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ariza_core::application::{FileRequest, Status};
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::{Clock, SystemClock, tashkent};
use ariza_core::document::DocumentKind;
use ariza_core::error::{Code, Describe, Fault};
use ariza_core::i18n::{Locale, Localizer, format_uzs};
use ariza_core::staff::{Actor, NewStaff, Role};
use ariza_store::{DeviceKeyStore, ListFilter, QueueFilter, QueueKind, SetupRequest, Store};
use clap::{Parser, Subcommand};
use serde::Deserialize;

const FILE_HELP: &str = "\
Files an application. The input is one JSON object, read from --input FILE or standard input:

  {
    \"citizen_id\": 12,                    (or \"citizen_pinfl\": \"31205900260129\")
    \"service_code\": \"eri-key\",          (see `ariza catalog list`)
    \"form\": { \"holder_type\": \"individual\", \"phone\": \"+998 90 123 45 67\" }
  }

`form` holds the service's fields by key; text, numbers and dates (YYYY-MM-DD) are accepted as
JSON strings or numbers. Every value is checked against the catalog; on any error nothing is
stored and the exit status is 1. On success the tracking number is printed (with --json, the
whole application).";

#[derive(Parser)]
#[command(
    name = "ariza",
    version,
    about = "Ariza Desk without a window: for IT staff and scripts"
)]
struct Cli {
    /// The desk database (default: ARIZA_DB, else the OS app-data folder).
    #[arg(long, global = true, env = "ARIZA_DB")]
    db: Option<PathBuf>,
    /// Print machine-readable JSON instead of localized text.
    #[arg(long, global = true)]
    json: bool,
    /// Language of human output: uz-Latn (default), uz-Cyrl, ru, en.
    #[arg(long, global = true, env = "ARIZA_LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the center and its first administrator (password: ARIZA_PASSWORD or a prompt).
    Init {
        #[arg(long)]
        center_code: String,
        #[arg(long)]
        center_name: String,
        /// SOATO code of the region, e.g. 1726 (Tashkent city).
        #[arg(long)]
        region: String,
        /// SOATO code of the district, e.g. 1726294 (Chilonzor).
        #[arg(long)]
        district: String,
        #[arg(long)]
        admin: String,
        #[arg(long)]
        admin_name: String,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The service catalog.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Citizens.
    Citizen {
        #[command(subcommand)]
        command: CitizenCommand,
    },
    #[command(long_about = FILE_HELP)]
    /// Files an application from JSON (see --help).
    File {
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        /// A JSON file; "-" or nothing reads standard input.
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Lists applications (today's by default).
    List {
        /// A filing day, YYYY-MM-DD.
        #[arg(long, conflicts_with = "all")]
        date: Option<String>,
        /// Every day.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        status: Option<String>,
    },
    /// Shows one application by tracking number or id (recorded in the audit trail).
    Show {
        key: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// The audit trail: verify the hash chain, or list the newest entries.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Writes an encrypted backup that opens with any staff member's password.
    Backup {
        /// The backup file to write.
        out: PathBuf,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Restores an encrypted backup to --db after checking it (password: ARIZA_PASSWORD).
    Restore {
        backup: PathBuf,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        /// Replace an existing database (kept beside as …bak-before-restore).
        #[arg(long)]
        replace: bool,
    },
    /// Opens the database with a staff member's password when this device's key is lost,
    /// and gives the device a new key slot.
    Unlock {
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Enrolls this desk with the portal using a one-time code from the portal's operators.
    Enroll {
        #[arg(long)]
        portal: String,
        #[arg(long)]
        code: String,
        /// How the portal will name this device (default: the host name).
        #[arg(long)]
        name: Option<String>,
        /// SHA-256 of the portal's certificate, to accept that certificate only.
        #[arg(long)]
        pin: Option<String>,
    },
    /// Delivers waiting applications and brings decisions back; --watch keeps doing so.
    Sync {
        #[arg(long)]
        watch: bool,
        /// Seconds between runs with --watch.
        #[arg(long, default_value_t = 30)]
        every: u64,
    },
    /// Delivery status: portal, last success, backlog, quarantine, last error.
    Status,
    /// The supervisor's queues: counts of each, or the applications in one
    /// (awaiting_delivery, quarantined, returned, overdue, to_hand_over). A clerk sees their own.
    Queue {
        kind: Option<String>,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        clerk: Option<String>,
        #[arg(long)]
        service: Option<String>,
        /// First filing day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last filing day, YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
    },
    /// The dashboard for a day, week or month: filed, delivered, completed, rejected and
    /// returned, by service and by clerk; median days to a decision; share within the deadline.
    /// `--csv FILE` / `--xlsx FILE` export it with headers in the chosen language.
    Dashboard {
        #[arg(long, value_parser = ["day", "week", "month"], default_value = "week")]
        period: String,
        /// A day in the period, YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[arg(long)]
        csv: Option<PathBuf>,
        #[arg(long)]
        xlsx: Option<PathBuf>,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Records that a decision was handed to the citizen.
    Handover {
        key: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Sends an application the portal set aside again (supervisors).
    Retry {
        key: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Gives an application to another staff member (supervisors).
    Reassign {
        key: String,
        /// The staff member's username.
        #[arg(long)]
        to: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Sends an application back to its clerk with a note (supervisors).
    SendBack {
        key: String,
        #[arg(long)]
        note: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Answers what a supervisor sent back: the clerk says what was done.
    Answer {
        key: String,
        #[arg(long)]
        answer: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Drafts left open: one's own, or (supervisors) everyone's.
    Drafts {
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Cancels an application before delivery.
    Cancel {
        key: String,
        #[arg(long)]
        reason: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Adds a staff member (their password: ARIZA_NEW_PASSWORD or a prompt).
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["clerk", "supervisor", "admin"])]
        role: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    List,
    /// Sets a new password (ARIZA_NEW_PASSWORD or a prompt): one's own (ARIZA_PASSWORD is the
    /// current one), or anyone's as an admin.
    Passwd {
        username: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
    /// Deactivates a staff member and removes their key slot.
    Remove {
        username: String,
        #[arg(long = "as", value_name = "USER")]
        actor: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes the chain; exits 1 if any entry was edited, removed or inserted.
    Verify,
    /// The newest entries (supervisors and admins).
    List {
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    List,
}

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum CitizenCommand {
    /// Registers a citizen.
    Add {
        #[arg(long = "as", value_name = "USER")]
        actor: String,
        #[arg(long)]
        pinfl: String,
        #[arg(long, value_parser = ["passport", "id_card", "birth_certificate"])]
        document_kind: String,
        #[arg(long)]
        document_number: String,
        #[arg(long)]
        surname: String,
        #[arg(long)]
        given_name: String,
        #[arg(long, default_value = "")]
        patronymic: String,
        /// YYYY-MM-DD
        #[arg(long)]
        birth_date: String,
        #[arg(long, value_parser = ["male", "female"])]
        sex: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        district: String,
        #[arg(long, default_value = "")]
        street: String,
    },
    /// Finds citizens by PINFL, document number, tracking number or name in either script.
    Find { query: String },
}

/// What `file` reads: a [`FileRequest`], with the citizen given by id or by PINFL.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInput {
    citizen_id: Option<i64>,
    citizen_pinfl: Option<String>,
    service_code: String,
    #[serde(default)]
    form: BTreeMap<String, serde_json::Value>,
}

/// A failure to show a person: either a described domain/store error or bad CLI input.
enum Failure {
    Described(Box<dyn Describe>),
    Message(Code, &'static str, Vec<(&'static str, String)>),
    Other(anyhow::Error),
}

impl<E: Describe + 'static> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Described(Box::new(e))
    }
}

struct Ctx {
    json: bool,
    locale: Locale,
    l: Localizer,
    clock: SystemClock,
}

impl Ctx {
    fn tr(&self, key: &str, args: &[(&str, String)]) -> String {
        self.l.tr(self.locale, key, args)
    }

    fn fault(&self, f: &Failure) -> Fault {
        match f {
            Failure::Described(e) => Fault::from_error(e.as_ref(), &self.l, self.locale),
            Failure::Message(code, key, args) => Fault {
                code: *code,
                message: self.tr(key, args),
                fields: Vec::new(),
            },
            Failure::Other(e) => Fault {
                code: Code::Internal,
                message: format!("{e:#}"),
                fields: Vec::new(),
            },
        }
    }

    /// Prints `value` as JSON for scripts, or the localized message `key` for people.
    fn report(
        &self,
        value: &impl serde::Serialize,
        key: &str,
        args: &[(&str, String)],
    ) -> Result<(), Failure> {
        if self.json {
            self.print_json(value)
        } else {
            println!("{}", self.tr(key, args));
            Ok(())
        }
    }

    fn print_json(&self, value: &impl serde::Serialize) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Other(e.into()))?;
        println!("{text}");
        Ok(())
    }
}

fn default_db() -> anyhow::Result<PathBuf> {
    let base = dirs::data_dir().context("no app-data folder on this system; pass --db")?;
    Ok(base.join("uz.ariza.desk").join("ariza.db"))
}

fn password(var: &str, prompt: String) -> Result<String, Failure> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    rpassword::prompt_password(prompt).map_err(|e| Failure::Other(e.into()))
}

fn sign_in(ctx: &Ctx, store: &Store, username: &str) -> Result<Actor, Failure> {
    let pw = password(
        "ARIZA_PASSWORD",
        ctx.tr("cli-password-prompt", &[("username", username.to_string())]) + " ",
    )?;
    Ok(store.sign_in(username, &pw, &ctx.clock)?)
}

fn read_input(path: Option<&PathBuf>) -> Result<String, Failure> {
    let mut text = String::new();
    match path {
        Some(p) if p.as_os_str() != "-" => {
            text = std::fs::read_to_string(p)
                .map_err(|e| Failure::Other(anyhow::anyhow!("{}: {e}", p.display())))?;
        }
        _ => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::Other(e.into()))?;
        }
    }
    Ok(text)
}

fn run(cli: Cli, ctx: &Ctx) -> Result<(), Failure> {
    let path = match cli.db {
        Some(p) => p,
        None => default_db().map_err(Failure::Other)?,
    };
    let device = DeviceKeyStore::os_keyring(&path);
    // These two work on a database that cannot be opened with the device's key.
    match cli.command {
        Command::Restore {
            backup,
            actor,
            replace,
        } => {
            let pw = password(
                "ARIZA_PASSWORD",
                ctx.tr("cli-password-prompt", &[("username", actor.clone())]) + " ",
            )?;
            let report = Store::restore(&backup, &path, &device, &actor, &pw, replace, &ctx.clock)?;
            return ctx.report(
                &report.applications,
                "cli-restored",
                &[
                    ("applications", report.applications.to_string()),
                    ("citizens", report.citizens.to_string()),
                    ("entries", report.audit.entries.to_string()),
                ],
            );
        }
        Command::Unlock { actor } => {
            let pw = password(
                "ARIZA_PASSWORD",
                ctx.tr("cli-password-prompt", &[("username", actor.clone())]) + " ",
            )?;
            Store::unlock(&path, &device, &actor, &pw)?;
            return ctx.report(&true, "cli-unlocked", &[]);
        }
        _ => {}
    }
    let store = Store::open_with(&path, &device)?;
    let result = execute(cli.command, ctx, &store);
    // Fold the WAL into the database before exiting, so a copied file is complete.
    if let Err(e) = store.checkpoint() {
        tracing::warn!(error = %e, "checkpoint failed");
    }
    result
}

fn execute(command: Command, ctx: &Ctx, store: &Store) -> Result<(), Failure> {
    match command {
        Command::Init {
            center_code,
            center_name,
            region,
            district,
            admin,
            admin_name,
        } => {
            let pw = password(
                "ARIZA_PASSWORD",
                ctx.tr("cli-password-prompt", &[("username", admin.clone())]) + " ",
            )?;
            let req = SetupRequest {
                center_code,
                center_name,
                region,
                district,
                admin: NewStaff {
                    username: admin,
                    full_name: admin_name,
                    role: Role::Admin,
                    password: pw,
                },
            };
            let actor = store.setup(&req, &ctx.clock)?;
            let center = store.require_center()?;
            ctx.report(
                &center,
                "cli-center-created",
                &[("code", center.code.clone()), ("username", actor.username)],
            )?;
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    username,
                    name,
                    role,
                    actor,
                },
        } => {
            let actor = sign_in(ctx, store, &actor)?;
            let role = Role::parse(&role).unwrap_or(Role::Clerk);
            let pw = password(
                "ARIZA_NEW_PASSWORD",
                ctx.tr("cli-password-prompt", &[("username", username.clone())]) + " ",
            )?;
            let member = store.add_staff(
                &actor,
                &NewStaff {
                    username,
                    full_name: name,
                    role,
                    password: pw,
                },
                &ctx.clock,
            )?;
            if ctx.json {
                ctx.print_json(&member)?;
            } else {
                let role = ctx.tr(&format!("role-{}", member.role.as_str()), &[]);
                println!(
                    "{}",
                    ctx.tr(
                        "cli-staff-added",
                        &[("username", member.username), ("role", role)]
                    )
                );
            }
        }
        Command::Staff {
            command: StaffCommand::Passwd { username, actor },
        } => {
            let current = password(
                "ARIZA_PASSWORD",
                ctx.tr("cli-password-prompt", &[("username", actor.clone())]) + " ",
            )?;
            let actor = store.sign_in(&actor, &current, &ctx.clock)?;
            let new = password(
                "ARIZA_NEW_PASSWORD",
                ctx.tr("cli-new-password-prompt", &[("username", username.clone())]) + " ",
            )?;
            store.change_password(&actor, &username, Some(&current), &new, &ctx.clock)?;
            ctx.report(&true, "cli-password-changed", &[("username", username)])?;
        }
        Command::Staff {
            command: StaffCommand::Remove { username, actor },
        } => {
            let actor = sign_in(ctx, store, &actor)?;
            store.deactivate_staff(&actor, &username, &ctx.clock)?;
            ctx.report(&true, "cli-staff-removed", &[("username", username)])?;
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let report = store.verify_audit()?;
            if ctx.json {
                ctx.print_json(&report)?;
            } else if report.ok() {
                println!(
                    "{}",
                    ctx.tr("cli-audit-ok", &[("entries", report.entries.to_string())])
                );
            } else {
                println!(
                    "{}",
                    ctx.tr(
                        "cli-audit-broken",
                        &[
                            ("seq", report.broken_at.unwrap_or_default().to_string()),
                            ("reason", report.reason.clone().unwrap_or_default()),
                        ]
                    )
                );
            }
            if !report.ok() {
                return Err(Failure::Message(
                    Code::Conflict,
                    "cli-audit-failed",
                    Vec::new(),
                ));
            }
        }
        Command::Audit {
            command: AuditCommand::List { actor, limit },
        } => {
            let actor = sign_in(ctx, store, &actor)?;
            let entries = store.audit_log(&actor, limit)?;
            if ctx.json {
                ctx.print_json(&entries)?;
            } else {
                for e in entries {
                    println!(
                        "{:>6}  {}  {:<14} {:<22} {} {}",
                        e.seq,
                        e.at.with_timezone(&tashkent()).format("%Y-%m-%d %H:%M:%S"),
                        e.actor,
                        e.action,
                        e.subject,
                        e.detail
                    );
                }
            }
        }
        Command::Backup { out, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            store.backup(&actor, &out, &ctx.clock)?;
            ctx.report(
                &out,
                "cli-backup-written",
                &[("path", out.display().to_string())],
            )?;
        }
        Command::Restore { .. } | Command::Unlock { .. } => {}
        Command::Staff {
            command: StaffCommand::List,
        } => {
            let staff = store.list_staff()?;
            if ctx.json {
                ctx.print_json(&staff)?;
            } else {
                for s in staff {
                    println!(
                        "{:<20} {:<14} {}",
                        s.username,
                        ctx.tr(&format!("role-{}", s.role.as_str()), &[]),
                        s.full_name
                    );
                }
            }
        }
        Command::Catalog {
            command: CatalogCommand::List,
        } => {
            let catalog = store.catalog()?;
            if ctx.json {
                ctx.print_json(catalog.as_ref())?;
            } else {
                for s in &catalog.services {
                    let fee = if s.fee_uzs > 0 {
                        ctx.tr("ui-service-fee", &[("fee", format_uzs(s.fee_uzs))])
                    } else {
                        ctx.tr("ui-service-free", &[])
                    };
                    println!("{:<28} {} — {}", s.code, s.name.get(ctx.locale), fee);
                }
            }
        }
        Command::Citizen {
            command:
                CitizenCommand::Add {
                    actor,
                    pinfl,
                    document_kind,
                    document_number,
                    surname,
                    given_name,
                    patronymic,
                    birth_date,
                    sex,
                    phone,
                    region,
                    district,
                    street,
                },
        } => {
            let actor = sign_in(ctx, store, &actor)?;
            let input = CitizenInput {
                pinfl,
                document_kind: DocumentKind::parse(&document_kind),
                document_number,
                surname,
                given_name,
                patronymic,
                birth_date,
                sex: Sex::parse(&sex),
                phone,
                region,
                district,
                street,
            };
            let c = store.register_citizen(&actor, &input, &ctx.clock)?;
            ctx.report(&c, "cli-citizen-added", &[("id", c.id.to_string())])?;
        }
        Command::Citizen {
            command: CitizenCommand::Find { query },
        } => {
            let found = store.find_citizens(&query, 50)?;
            if ctx.json {
                ctx.print_json(&found)?;
            } else if found.is_empty() {
                println!("{}", ctx.tr("cli-none", &[]));
            } else {
                for m in found {
                    println!(
                        "{:>6}  {}  {:<11} {}  {}",
                        m.id, m.pinfl, m.document_number, m.birth_date, m.full_name
                    );
                }
            }
        }
        Command::File { actor, input } => {
            let text = read_input(input.as_ref())?;
            let parsed: FileInput = serde_json::from_str(&text).map_err(|e| {
                Failure::Message(
                    Code::Validation,
                    "err-json",
                    vec![("detail", e.to_string())],
                )
            })?;
            let actor = sign_in(ctx, store, &actor)?;
            let citizen_id = match (parsed.citizen_id, parsed.citizen_pinfl) {
                (Some(id), _) => id,
                (None, Some(pinfl)) => {
                    let found = store.find_citizens(&pinfl, 2)?;
                    match found.as_slice() {
                        [one] if one.pinfl == pinfl.trim() => one.id,
                        _ => {
                            return Err(Failure::Message(
                                Code::NotFound,
                                "err-citizen-not-found",
                                vec![],
                            ));
                        }
                    }
                }
                (None, None) => {
                    return Err(Failure::Message(
                        Code::Validation,
                        "err-citizen-not-found",
                        vec![],
                    ));
                }
            };
            let req = FileRequest {
                citizen_id,
                service_code: parsed.service_code,
                form: parsed.form,
            };
            let app = store.file_application(&actor, &req, &ctx.clock)?;
            ctx.report(
                &app,
                "cli-filed",
                &[("tracking", app.tracking_number.to_string())],
            )?;
        }
        Command::List { date, all, status } => {
            let status = match status {
                Some(s) => Some(Status::parse(&s).ok_or(Failure::Message(
                    Code::Validation,
                    "err-choice",
                    vec![],
                ))?),
                None => None,
            };
            let date = if all {
                None
            } else {
                Some(date.unwrap_or_else(|| ctx.clock.today().format("%Y-%m-%d").to_string()))
            };
            let rows = store.list_applications(&ListFilter {
                date,
                status,
                clerk: None,
                limit: None,
            })?;
            if ctx.json {
                ctx.print_json(&rows)?;
            } else if rows.is_empty() {
                println!("{}", ctx.tr("cli-none", &[]));
            } else {
                for r in rows {
                    let status = ctx.tr(&r.status.message_key(), &[]);
                    println!(
                        "{}  {}  {:<24} {:<26} {}",
                        r.tracking_number,
                        r.filed_at
                            .with_timezone(&tashkent())
                            .format("%Y-%m-%d %H:%M"),
                        status,
                        r.service_code,
                        r.citizen_name
                    );
                }
            }
        }
        Command::Show { key, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            let app = store.open_application(&actor, &key, &ctx.clock)?;
            if ctx.json {
                ctx.print_json(&app)?;
            } else {
                let catalog = store.catalog()?;
                let service = catalog
                    .service(&app.service_code)
                    .map(|s| s.name.get(ctx.locale).to_string())
                    .unwrap_or(app.service_code.clone());
                println!(
                    "{}: {}",
                    ctx.tr("ui-receipt-tracking", &[]),
                    app.tracking_number
                );
                println!(
                    "{}: {}",
                    ctx.tr("ui-col-status", &[]),
                    ctx.tr(&app.status.message_key(), &[])
                );
                println!(
                    "{}: {} ({})",
                    ctx.tr("ui-receipt-citizen", &[]),
                    app.citizen_name,
                    app.citizen_pinfl
                );
                println!("{}: {}", ctx.tr("ui-receipt-service", &[]), service);
                println!(
                    "{}: {}",
                    ctx.tr("ui-receipt-fee", &[]),
                    format_uzs(app.fee_uzs)
                );
                println!("{}: {}", ctx.tr("ui-receipt-due", &[]), app.due_date);
                if let Some(key) = &app.quarantine {
                    println!(
                        "{}: {}",
                        ctx.tr("ui-quarantine-reason", &[]),
                        ctx.tr(key, &[])
                    );
                }
                for (k, v) in &app.form {
                    println!("  {k}: {v}");
                }
                println!("{}:", ctx.tr("ui-detail-history", &[]));
                for h in &app.history {
                    let from = h
                        .from
                        .map(|f| ctx.tr(&f.message_key(), &[]) + " → ")
                        .unwrap_or_default();
                    println!(
                        "  {}  {}{}  {}  {}",
                        h.at.with_timezone(&tashkent()).format("%Y-%m-%d %H:%M"),
                        from,
                        ctx.tr(&h.to.message_key(), &[]),
                        h.actor,
                        h.reason.clone().unwrap_or_default()
                    );
                }
            }
        }
        Command::Enroll {
            portal,
            code,
            name,
            pin,
        } => {
            let engine = ariza_sync::Engine::new()?;
            let name = name
                .or_else(|| std::env::var("HOSTNAME").ok())
                .unwrap_or_else(|| "ariza-desk".into());
            let answer = engine.enroll(store, &portal, &code, &name, pin.as_deref())?;
            ctx.report(
                &answer.center,
                "cli-enrolled",
                &[
                    ("center", answer.center.code.clone()),
                    ("device", answer.device_number.to_string()),
                ],
            )?;
        }
        Command::Sync { watch, every } => {
            let engine = ariza_sync::Engine::new()?;
            if watch {
                let stop = std::sync::atomic::AtomicBool::new(false);
                engine.watch(store, std::time::Duration::from_secs(every), &stop);
            } else {
                let r = engine.sync_once(store)?;
                let status = store.sync_status()?;
                ctx.report(
                    &status,
                    "cli-synced",
                    &[
                        ("delivered", r.delivered.to_string()),
                        ("decisions", r.decisions.to_string()),
                        ("quarantined", (r.conflicts + r.rejected).to_string()),
                        ("backlog", status.backlog.to_string()),
                    ],
                )?;
            }
        }
        Command::Status => {
            let s = store.sync_status()?;
            if ctx.json {
                ctx.print_json(&s)?;
            } else {
                let never = ctx.tr("cli-never", &[]);
                println!(
                    "{}: {}",
                    ctx.tr("ui-sync-portal", &[]),
                    s.portal_url
                        .clone()
                        .unwrap_or_else(|| ctx.tr("err-not-enrolled", &[]))
                );
                let last = s.last_success_at.map(|t| {
                    t.with_timezone(&tashkent())
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                });
                println!("{}: {}", ctx.tr("ui-sync-last", &[]), last.unwrap_or(never));
                println!(
                    "{}",
                    ctx.tr("ui-backlog", &[("count", s.backlog.to_string())])
                );
                println!(
                    "{}",
                    ctx.tr("ui-quarantined", &[("count", s.quarantined.to_string())])
                );
                if let Some(key) = s.last_error {
                    println!("{}: {}", ctx.tr("ui-sync-error", &[]), ctx.tr(&key, &[]));
                }
            }
        }
        Command::Queue {
            kind,
            actor,
            clerk,
            service,
            from,
            to,
        } => {
            let actor = sign_in(ctx, store, &actor)?;
            let filter = QueueFilter {
                clerk,
                service,
                from,
                to,
            };
            match kind {
                None => {
                    let counts = store.queue_counts(&actor, &filter, &ctx.clock)?;
                    if ctx.json {
                        ctx.print_json(&counts)?;
                    } else {
                        for (k, n) in [
                            (QueueKind::AwaitingDelivery, counts.awaiting_delivery),
                            (QueueKind::Quarantined, counts.quarantined),
                            (QueueKind::Returned, counts.returned),
                            (QueueKind::Overdue, counts.overdue),
                            (QueueKind::ToHandOver, counts.to_hand_over),
                        ] {
                            println!(
                                "{:>6}  {}",
                                n,
                                ctx.tr(&format!("cli-queue-{}", k.as_str()), &[])
                            );
                        }
                    }
                }
                Some(kind) => {
                    let kind = QueueKind::parse(&kind).ok_or(Failure::Message(
                        Code::Validation,
                        "err-unknown-queue",
                        Vec::new(),
                    ))?;
                    let rows = store.queue(&actor, kind, &filter, &ctx.clock)?;
                    if ctx.json {
                        ctx.print_json(&rows)?;
                    } else {
                        for item in rows {
                            let a = &item.application;
                            let why = item
                                .reason_key
                                .as_deref()
                                .map(|k| format!("  ({}× {})", item.attempts, ctx.tr(k, &[])))
                                .unwrap_or_default();
                            println!(
                                "{}  {}  {:<12} {}  {}{why}",
                                a.tracking_number,
                                a.due_date,
                                a.clerk,
                                ctx.tr(&a.status.message_key(), &[]),
                                a.citizen_name
                            );
                        }
                    }
                }
            }
        }
        Command::Dashboard {
            period,
            date,
            csv,
            xlsx,
            actor,
        } => {
            use ariza_export::{dashboard_csv, dashboard_xlsx};
            use ariza_store::dashboard::Period;
            let actor = sign_in(ctx, store, &actor)?;
            let period = match period.as_str() {
                "day" => Period::Day,
                "month" => Period::Month,
                _ => Period::Week,
            };
            let d = store.dashboard(&actor, period, date, &ctx.clock)?;
            let write = |path: &PathBuf, bytes: &[u8]| -> Result<(), Failure> {
                std::fs::write(path, bytes)
                    .map_err(|e| Failure::Other(anyhow::anyhow!("{}: {e}", path.display())))?;
                println!(
                    "{}",
                    ctx.tr(
                        "cli-export-written",
                        &[("path", path.display().to_string())]
                    )
                );
                Ok(())
            };
            if let Some(path) = &csv {
                write(path, dashboard_csv(&d, &ctx.l, ctx.locale).as_bytes())?;
            }
            if let Some(path) = &xlsx {
                write(path, &dashboard_xlsx(&d, &ctx.l, ctx.locale)?)?;
            }
            if csv.is_none() && xlsx.is_none() {
                if ctx.json {
                    ctx.print_json(&d)?;
                } else {
                    print!("{}", dashboard_csv(&d, &ctx.l, ctx.locale));
                }
            }
        }
        Command::Handover { key, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            store.mark_handed_over(&actor, &key, &ctx.clock)?;
            let app = store.application(&key)?;
            ctx.report(
                &app.id,
                "cli-handed-over",
                &[("tracking", app.tracking_number.to_string())],
            )?;
        }
        Command::Retry { key, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            store.retry_delivery(&actor, &key, &ctx.clock)?;
            let app = store.application(&key)?;
            ctx.report(
                &app.id,
                "cli-retried",
                &[("tracking", app.tracking_number.to_string())],
            )?;
        }
        Command::Reassign { key, to, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            let app = store.reassign(&actor, &key, &to, &ctx.clock)?;
            ctx.report(
                &app.id,
                "cli-reassigned",
                &[("tracking", app.tracking_number.to_string()), ("to", to)],
            )?;
        }
        Command::SendBack { key, note, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            let app = store.send_back(&actor, &key, &note, &ctx.clock)?;
            ctx.report(
                &app.id,
                "cli-sent-back",
                &[("tracking", app.tracking_number.to_string())],
            )?;
        }
        Command::Answer { key, answer, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            let app = store.answer_sent_back(&actor, &key, &answer, &ctx.clock)?;
            ctx.report(
                &app.id,
                "cli-answered",
                &[("tracking", app.tracking_number.to_string())],
            )?;
        }
        Command::Drafts { actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            let drafts = store.drafts(&actor, &ariza_store::QueueFilter::default())?;
            if ctx.json {
                ctx.print_json(&drafts)?;
            } else {
                for d in &drafts {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        d.id,
                        d.clerk,
                        d.updated_at
                            .with_timezone(&ariza_core::clock::tashkent())
                            .format("%Y-%m-%d %H:%M"),
                        d.service_code.as_deref().unwrap_or("-"),
                        d.citizen_name.as_deref().unwrap_or("-"),
                    );
                }
            }
        }
        Command::Cancel { key, reason, actor } => {
            let actor = sign_in(ctx, store, &actor)?;
            let app = store.cancel_application(&actor, &key, &reason, &ctx.clock)?;
            ctx.report(
                &app,
                "cli-cancelled",
                &[("tracking", app.tracking_number.to_string())],
            )?;
        }
    }
    Ok(())
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
    let locale = cli
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .or_else(|| {
            std::env::var("LANG")
                .ok()
                .as_deref()
                .and_then(Locale::parse)
        })
        .unwrap_or_default();
    let ctx = Ctx {
        json: cli.json,
        locale,
        l: Localizer::new(),
        clock: SystemClock,
    };
    match run(cli, &ctx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let fault = ctx.fault(&failure);
            if ctx.json {
                eprintln!(
                    "{}",
                    serde_json::to_string(&fault).unwrap_or_else(|_| fault.message.clone())
                );
            } else {
                eprintln!(
                    "{}",
                    ctx.tr("cli-error", &[("message", fault.message.clone())])
                );
                for f in &fault.fields {
                    eprintln!(
                        "  {}",
                        ctx.tr(
                            "cli-field-error",
                            &[("field", f.field.clone()), ("message", f.message.clone())]
                        )
                    );
                }
            }
            ExitCode::FAILURE
        }
    }
}
