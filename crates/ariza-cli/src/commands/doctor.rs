//! `ariza doctor`: the health check for district IT staff. The checks and their judging are
//! the store's (`ariza_store::health`) and, for the portal's clock, the sync engine's; this
//! file opens what it can, asks them, and prints one line per check with what to do.

use std::path::Path;
use std::time::Duration;

use ariza_core::clock::Clock;
use ariza_core::error::Code;
use ariza_store::health::{self, DeviceKeyState, Finding, Severity};
use ariza_store::{DeviceKeyStore, Store, StoreError};
use serde::Serialize;

use super::Ctx;
use crate::failure::Failure;

/// The portal gets this long to answer, connection included: the check must never hang.
const PORTAL_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Serialize)]
struct Report<'a> {
    database: String,
    checks: Vec<CheckLine<'a>>,
    warnings: usize,
    problems: usize,
}

#[derive(Serialize)]
struct CheckLine<'a> {
    check: health::Check,
    severity: Severity,
    message: String,
    advice: Option<String>,
    /// The facts behind the line, by name, for scripts.
    facts: std::collections::BTreeMap<&'a str, &'a str>,
}

/// Every finding about the database at `path`. Opens it as the desk would (a database that
/// is not there is not created); one that does not open still gets the checks of its key and
/// its filesystem.
fn findings(ctx: &Ctx, path: &Path, device: &DeviceKeyStore) -> Result<Vec<Finding>, Failure> {
    if !path.exists() {
        return Ok(health::missing_database_findings(path));
    }
    let store = match Store::open_with(path, device) {
        Ok(store) => store,
        Err(StoreError::Locked) => {
            return Ok(health::locked_database_findings(
                path,
                DeviceKeyState::Locked,
            ));
        }
        Err(StoreError::KeyringRequired) => {
            return Ok(health::locked_database_findings(
                path,
                DeviceKeyState::KeyringRequired,
            ));
        }
        Err(e) => return Ok(health::unopened_database_findings(path, &e)),
    };
    let mut findings = store.health(&ctx.clock)?;
    let engine = ariza_sync::Engine::new()?;
    let clock = health::portal_clock_finding(&engine.portal_clock(&store, PORTAL_TIMEOUT)?);
    // After free space, before the outbox: the order the issue and the docs list them in.
    let at = findings
        .iter()
        .position(|f| f.check == health::Check::FreeSpace)
        .map_or(findings.len(), |i| i + 1);
    findings.insert(at, clock);
    if let Err(e) = store.checkpoint() {
        tracing::warn!(error = %e, "checkpoint failed");
    }
    Ok(findings)
}

#[derive(clap::Args)]
pub struct Doctor {
    /// Also write one diagnostics file (JSON) for IT: versions, settings, these checks, sync
    /// status and the newest log lines. Ids and counts only, never personal data.
    #[arg(long, value_name = "FILE")]
    bundle: Option<std::path::PathBuf>,
}

/// How many of the newest log lines the bundle carries.
const LOG_LINES: usize = 400;

/// What `doctor --bundle` writes.
#[derive(Serialize)]
struct Bundle<'a> {
    ariza_version: &'static str,
    schema_version: i64,
    os: &'static str,
    arch: &'static str,
    generated_at: String,
    report: &'a Report<'a>,
    /// What the desk is set to (language, theme, paper…): no personal data lives there.
    settings: Option<ariza_store::DeskSettings>,
    center: Option<String>,
    sync: Option<ariza_store::SyncStatus>,
    /// The newest lines of the desk's and the CLI's logs beside the database, oldest first.
    /// Log lines carry ids and counts, never names, PINFLs or document numbers.
    log_lines: Vec<String>,
}

/// The newest `n` lines of the log files in `dir` (newest file last by name: the rolling
/// appender dates them).
fn newest_log_lines(dir: &Path, n: usize) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    // Oldest first by when each was last written: the current file and its rotated
    // predecessors (`.log.TIMESTAMP`) do not sort by name. The retention note is no log.
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "retention-days"))
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let mut lines: Vec<String> = Vec::new();
    for file in files.iter().rev() {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let mut these: Vec<String> = text.lines().map(str::to_string).collect();
        these.append(&mut lines);
        lines = these;
        if lines.len() >= n {
            break;
        }
    }
    let skip = lines.len().saturating_sub(n);
    lines.split_off(skip)
}

fn write_bundle(
    ctx: &Ctx,
    path: &Path,
    device: &DeviceKeyStore,
    report: &Report<'_>,
    file: &Path,
) -> Result<(), Failure> {
    // What opens is described; what does not is already in the report's checks.
    let store = Store::open_with(path, device).ok();
    let bundle = Bundle {
        ariza_version: env!("CARGO_PKG_VERSION"),
        schema_version: ariza_store::SCHEMA_VERSION,
        os: std::env::consts::OS,
        arch: std::env::consts::ARCH,
        generated_at: ctx.clock.now().to_rfc3339(),
        report,
        settings: store.as_ref().and_then(|s| s.settings().ok()),
        center: store
            .as_ref()
            .and_then(|s| s.center().ok().flatten())
            .map(|c| c.code),
        sync: store.as_ref().and_then(|s| s.sync_status().ok()),
        log_lines: newest_log_lines(
            &path.parent().unwrap_or(Path::new(".")).join("logs"),
            LOG_LINES,
        ),
    };
    drop(store);
    let json = serde_json::to_vec_pretty(&bundle).map_err(|e| Failure::Other(e.into()))?;
    std::fs::write(file, json).map_err(|e| Failure::file(file, e))?;
    if !ctx.out.json {
        println!(
            "{}",
            ctx.out.tr(
                "doctor-bundle-written",
                &[("file", file.display().to_string())]
            )
        );
    }
    Ok(())
}

pub fn run(ctx: &Ctx, path: &Path, device: &DeviceKeyStore, args: Doctor) -> Result<(), Failure> {
    let findings = findings(ctx, path, device)?;
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (warnings, problems) = (count(Severity::Warning), count(Severity::Problem));
    let report = Report {
        database: path.display().to_string(),
        checks: findings
            .iter()
            .map(|f| CheckLine {
                check: f.check,
                severity: f.severity,
                message: ctx.out.tr(f.message, &f.args),
                advice: f.advice.map(|key| ctx.out.tr(key, &f.args)),
                facts: f.args.iter().map(|(k, v)| (*k, v.as_str())).collect(),
            })
            .collect(),
        warnings,
        problems,
    };
    ctx.out.show(&report, |report| {
        println!(
            "{}",
            ctx.out
                .tr("doctor-title", &[("path", report.database.clone())])
        );
        let labels = [
            ctx.out.tr("doctor-ok", &[]),
            ctx.out.tr("doctor-warning", &[]),
            ctx.out.tr("doctor-problem", &[]),
        ];
        let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 2;
        for line in &report.checks {
            let label = match line.severity {
                Severity::Ok => &labels[0],
                Severity::Warning => &labels[1],
                Severity::Problem => &labels[2],
            };
            println!("{:<width$} {}", format!("[{label}]"), line.message);
            if let Some(advice) = &line.advice {
                println!("{:<width$} → {advice}", "");
            }
        }
        let counts = [
            ("warnings", report.warnings.to_string()),
            ("problems", report.problems.to_string()),
        ];
        println!("{}", ctx.out.tr("doctor-summary", &counts));
    })?;
    if let Some(file) = &args.bundle {
        write_bundle(ctx, path, device, &report, file)?;
    }
    if health::any_problem(&findings) {
        return Err(Failure::Message(
            Code::Conflict,
            "doctor-failed",
            vec![("problems", problems.to_string())],
        ));
    }
    Ok(())
}
