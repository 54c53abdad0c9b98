//! The desk's health check (`ariza doctor`, and any screen that wants the same): each check
//! turns what this machine and this database say into one [`Finding`] — ok, warning or
//! problem, a message and what to do, as Fluent keys so every front end words it in the
//! reader's language. The facts come from the store (outbox, backups, schema, integrity),
//! the filesystem (`disk.rs`) and, for the portal's clock, the sync engine
//! ([`PortalClock`]); the judging is here, once, in pure functions the tests drive directly.

use std::path::Path;

use ariza_core::audit::AuditAction;
use ariza_core::clock::{Clock, tashkent};
use ariza_core::i18n::MessageArgs;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::device_key::DeviceKeyLocation;
use crate::disk::{DiskEncryption, FreeSpace};
use crate::stored::parse_stored;
use crate::{Result, SCHEMA_VERSION, Store};

/// How a check came out, worst last (so the worst of several is their maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Ok,
    Warning,
    Problem,
}

/// What was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The database file itself: there, and opening.
    Database,
    DeviceKey,
    DiskEncryption,
    FreeSpace,
    PortalClock,
    Outbox,
    LastBackup,
    Schema,
    Integrity,
}

/// One line of the health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    /// Fluent key of what was found, with `args`.
    pub message: &'static str,
    /// Fluent key of what to do about it (with the same `args`); none when all is well.
    pub advice: Option<&'static str>,
    /// The facts behind the finding, by name (also what `--json` gives scripts).
    pub args: MessageArgs,
}

impl Finding {
    fn new(check: Check, severity: Severity, message: &'static str) -> Finding {
        Finding {
            check,
            severity,
            message,
            advice: None,
            args: Vec::new(),
        }
    }

    fn advise(mut self, advice: &'static str) -> Finding {
        self.advice = Some(advice);
        self
    }

    fn arg(mut self, name: &'static str, value: impl ToString) -> Finding {
        self.args.push((name, value.to_string()));
        self
    }
}

/// Whether any finding is a problem (`ariza doctor` then exits non-zero).
pub fn any_problem(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Problem)
}

/// What became of the device secret when the database was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKeyState {
    /// The database is open; the secret is kept here (`None`: the device keeps none).
    Kept(Option<DeviceKeyLocation>),
    /// The database did not open: this device's secret was not found.
    Locked,
    /// The database did not open: the administrator requires the OS keyring and it does
    /// not hold the secret.
    KeyringRequired,
}

pub fn device_key_finding(state: DeviceKeyState) -> Finding {
    use DeviceKeyLocation as L;
    let check = Check::DeviceKey;
    match state {
        DeviceKeyState::Kept(Some(L::Keyring)) => {
            Finding::new(check, Severity::Ok, "doctor-key-keyring")
        }
        DeviceKeyState::Kept(Some(L::File)) => {
            Finding::new(check, Severity::Warning, "doctor-key-file")
                .advise("doctor-key-file-advice")
        }
        DeviceKeyState::Kept(Some(L::FileBecauseNoKeyring)) => {
            Finding::new(check, Severity::Warning, "doctor-key-file-no-keyring")
                .advise("doctor-key-no-keyring-advice")
        }
        DeviceKeyState::Kept(None) => Finding::new(check, Severity::Warning, "doctor-key-none")
            .advise("doctor-key-required-advice"),
        DeviceKeyState::Locked => Finding::new(check, Severity::Problem, "doctor-key-locked")
            .advise("doctor-key-locked-advice"),
        DeviceKeyState::KeyringRequired => {
            Finding::new(check, Severity::Problem, "doctor-key-keyring-required")
                .advise("doctor-key-required-advice")
        }
    }
}

/// Disk encryption: a warning when it is not seen; a problem when, besides, the device key
/// sits in a file on that disk (a stolen disk then opens the database).
pub fn disk_encryption_finding(found: &DiskEncryption, key_in_file: bool) -> Finding {
    let check = Check::DiskEncryption;
    match found {
        DiskEncryption::DmCrypt { device } => {
            Finding::new(check, Severity::Ok, "doctor-disk-dm-crypt").arg("device", device)
        }
        DiskEncryption::Fscrypt => Finding::new(check, Severity::Ok, "doctor-disk-fscrypt"),
        DiskEncryption::NotDetected if key_in_file => {
            Finding::new(check, Severity::Problem, "doctor-disk-not-detected")
                .advise("doctor-disk-key-in-file-advice")
        }
        DiskEncryption::NotDetected => {
            Finding::new(check, Severity::Warning, "doctor-disk-not-detected")
                .advise("doctor-disk-advice")
        }
        DiskEncryption::NotChecked => {
            Finding::new(check, Severity::Warning, "doctor-disk-not-checked")
                .advise("doctor-disk-not-checked-advice")
        }
    }
}

const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;
/// Below this the desk may fail to write its WAL or a backup: act now.
pub const FREE_SPACE_PROBLEM: u64 = 200 * MIB;
/// Below this (or below [`FREE_SPACE_WARNING_PERCENT`] of the filesystem), plan for it.
pub const FREE_SPACE_WARNING: u64 = GIB;
pub const FREE_SPACE_WARNING_PERCENT: u64 = 10;

/// Bytes in GiB with one decimal, the same in every language.
fn gib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / GIB as f64)
}

fn percent_free(space: FreeSpace) -> u64 {
    (space.available.saturating_mul(100))
        .checked_div(space.total)
        .unwrap_or(0)
}

/// How worrying the room left is: the same rule for `ariza doctor` and the desk's status line.
pub fn free_space_severity(space: FreeSpace) -> Severity {
    if space.available < FREE_SPACE_PROBLEM {
        Severity::Problem
    } else if space.available < FREE_SPACE_WARNING
        || percent_free(space) < FREE_SPACE_WARNING_PERCENT
    {
        Severity::Warning
    } else {
        Severity::Ok
    }
}

pub fn free_space_finding(space: Option<FreeSpace>) -> Finding {
    let check = Check::FreeSpace;
    let Some(space) = space else {
        return Finding::new(check, Severity::Warning, "doctor-space-not-checked")
            .advise("doctor-space-advice");
    };
    let percent = percent_free(space);
    let severity = free_space_severity(space);
    let finding = Finding::new(check, severity, "doctor-space")
        .arg("free", gib(space.available))
        .arg("total", gib(space.total))
        .arg("percent", percent)
        .arg("free_bytes", space.available);
    if severity == Severity::Ok {
        finding
    } else {
        finding.advise("doctor-space-advice")
    }
}

/// The portal's clock against ours, as the sync engine's probe found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalClock {
    NotEnrolled,
    /// No answer within the probe's timeout, or an answer that was not the portal's health.
    Unreachable {
        portal: String,
    },
    /// The portal's clock minus ours, in milliseconds.
    Offset {
        portal: String,
        ms: i64,
    },
}

/// Within this the clock is right; beyond [`CLOCK_PROBLEM_SECONDS`] it is a problem: times on
/// applications and receipts, and the tracking number's day, come from the desk's clock.
pub const CLOCK_OK_SECONDS: i64 = 60;
pub const CLOCK_PROBLEM_SECONDS: i64 = 300;

pub fn portal_clock_finding(probe: &PortalClock) -> Finding {
    let check = Check::PortalClock;
    match probe {
        PortalClock::NotEnrolled => Finding::new(check, Severity::Warning, "doctor-not-enrolled")
            .advise("doctor-not-enrolled-advice"),
        PortalClock::Unreachable { portal } => {
            Finding::new(check, Severity::Warning, "doctor-portal-unreachable")
                .advise("doctor-portal-unreachable-advice")
                .arg("portal", portal)
        }
        PortalClock::Offset { portal, ms } => {
            // Rounded to the second, away from zero, so a clock 0.6 s off does not say 0.
            let seconds = (ms.abs() + 500) / 1000 * ms.signum();
            let severity = match seconds.abs() {
                s if s <= CLOCK_OK_SECONDS => Severity::Ok,
                s if s <= CLOCK_PROBLEM_SECONDS => Severity::Warning,
                _ => Severity::Problem,
            };
            let message = if *ms >= 0 {
                "doctor-clock-behind"
            } else {
                "doctor-clock-ahead"
            };
            let finding = Finding::new(check, severity, message)
                .arg("seconds", seconds.abs())
                .arg("portal", portal)
                .arg("offset_ms", ms);
            if severity == Severity::Ok {
                finding
            } else {
                finding.advise("doctor-clock-advice")
            }
        }
    }
}

/// What waits in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxFacts {
    /// Waiting for delivery (not set aside).
    pub waiting: i64,
    /// When the oldest of them was queued.
    pub oldest: Option<DateTime<Utc>>,
    /// Set aside by the portal, waiting for a supervisor.
    pub quarantined: i64,
}

/// An application waiting longer than this is a warning; longer than the problem age, the
/// link has been down for a week and nobody noticed.
pub const OUTBOX_WARNING_HOURS: i64 = 24;
pub const OUTBOX_PROBLEM_HOURS: i64 = 7 * 24;

pub fn outbox_finding(facts: &OutboxFacts, now: DateTime<Utc>) -> Finding {
    let check = Check::Outbox;
    let hours = facts
        .oldest
        .map_or(0, |oldest| (now - oldest).num_hours().max(0));
    let severity = if hours >= OUTBOX_PROBLEM_HOURS {
        Severity::Problem
    } else if hours >= OUTBOX_WARNING_HOURS || facts.quarantined > 0 {
        Severity::Warning
    } else {
        Severity::Ok
    };
    let message = if facts.waiting == 0 {
        "doctor-outbox-empty"
    } else {
        "doctor-outbox"
    };
    let finding = Finding::new(check, severity, message)
        .arg("count", facts.waiting)
        .arg("hours", hours)
        .arg("quarantined", facts.quarantined);
    match severity {
        Severity::Ok => finding,
        _ if hours >= OUTBOX_WARNING_HOURS => finding.advise("doctor-outbox-advice"),
        _ => finding.advise("doctor-quarantined-advice"),
    }
}

/// A backup older than this is a warning.
pub const BACKUP_WARNING_DAYS: i64 = 7;

pub fn last_backup_finding(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Finding {
    let check = Check::LastBackup;
    let Some(at) = last else {
        return Finding::new(check, Severity::Warning, "doctor-backup-never")
            .advise("doctor-backup-advice");
    };
    let days = (now - at).num_days().max(0);
    let finding = Finding::new(check, Severity::Ok, "doctor-backup")
        .arg(
            "time",
            at.with_timezone(&tashkent()).format("%Y-%m-%d %H:%M"),
        )
        .arg("days", days);
    if days > BACKUP_WARNING_DAYS {
        Finding {
            severity: Severity::Warning,
            ..finding
        }
        .advise("doctor-backup-advice")
    } else {
        finding
    }
}

pub fn schema_finding(version: i64) -> Finding {
    let severity = if version == SCHEMA_VERSION {
        Severity::Ok
    } else {
        Severity::Problem
    };
    let finding = Finding::new(Check::Schema, severity, "doctor-schema")
        .arg("version", version)
        .arg("supported", SCHEMA_VERSION);
    if severity == Severity::Ok {
        finding
    } else {
        finding.advise("doctor-damage-advice")
    }
}

/// What SQLite's quick check and SQLCipher's page check said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityFacts {
    /// `PRAGMA quick_check`: "ok", or the first thing it found.
    pub quick_check: String,
    /// `PRAGMA cipher_integrity_check`: one line per page whose HMAC fails; empty is good.
    pub cipher_errors: Vec<String>,
}

pub fn integrity_finding(facts: &IntegrityFacts) -> Finding {
    let check = Check::Integrity;
    if facts.quick_check == "ok" && facts.cipher_errors.is_empty() {
        return Finding::new(check, Severity::Ok, "doctor-integrity-ok");
    }
    let first = facts
        .cipher_errors
        .first()
        .cloned()
        .unwrap_or_else(|| facts.quick_check.clone());
    Finding::new(check, Severity::Problem, "doctor-integrity-damaged")
        .advise("doctor-damage-advice")
        .arg("pages", facts.cipher_errors.len())
        .arg("detail", first)
}

/// The checks of the path alone, for a database that cannot be opened (or when it can).
fn filesystem_findings(db: &Path, key_in_file: bool) -> Vec<Finding> {
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    vec![
        disk_encryption_finding(&crate::disk::disk_encryption(dir), key_in_file),
        free_space_finding(crate::disk::free_space(dir)),
    ]
}

/// Findings for a database that is not there: nothing to open, so only the filesystem it
/// would be on.
pub fn missing_database_findings(db: &Path) -> Vec<Finding> {
    let mut findings = vec![
        Finding::new(Check::Database, Severity::Problem, "doctor-no-database")
            .advise("doctor-no-database-advice")
            .arg("path", db.display()),
    ];
    if db.parent().is_some_and(Path::exists) {
        findings.extend(filesystem_findings(db, false));
    }
    findings
}

/// Findings for a database the device's key did not open: the key and the filesystem; the
/// database's own checks need it open.
pub fn locked_database_findings(db: &Path, state: DeviceKeyState) -> Vec<Finding> {
    let mut findings = vec![device_key_finding(state)];
    findings.extend(filesystem_findings(db, false));
    findings
}

/// Findings for a database that did not open for another reason (damage, a newer schema):
/// the store's own message, and the filesystem it is on.
pub fn unopened_database_findings(db: &Path, error: &crate::StoreError) -> Vec<Finding> {
    use ariza_core::error::Describe;
    let (message, args) = error.message();
    let mut findings = vec![Finding {
        check: Check::Database,
        severity: Severity::Problem,
        message,
        advice: Some("doctor-damage-advice"),
        args,
    }];
    findings.extend(filesystem_findings(db, false));
    findings
}

impl Store {
    /// What waits in the outbox and since when.
    pub fn outbox_facts(&self) -> Result<OutboxFacts> {
        let conn = self.conn();
        let (waiting, oldest): (i64, Option<String>) = conn.query_row(
            "SELECT count(*), min(enqueued_at) FROM outbox WHERE quarantined_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let quarantined = conn.query_row(
            "SELECT count(*) FROM outbox WHERE quarantined_at IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(OutboxFacts {
            waiting,
            oldest: oldest
                .map(|s| parse_stored(&s, "outbox", "enqueued_at"))
                .transpose()?,
            quarantined,
        })
    }

    /// When this desk last wrote a backup (the audit trail records each one); `None`: never.
    pub fn last_backup_at(&self) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = self.conn().query_row(
            "SELECT max(at) FROM audit WHERE action = ?1",
            [AuditAction::BackupCreate.as_str()],
            |r| r.get(0),
        )?;
        at.map(|s| parse_stored(&s, "audit", "at")).transpose()
    }

    /// The schema version the database is at (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// SQLite's quick check and SQLCipher's check of every page's HMAC. Reads the whole file:
    /// seconds on a large database, so for IT staff's checks, not for the clerk's path.
    pub fn integrity_facts(&self) -> Result<IntegrityFacts> {
        let conn = self.conn();
        let quick_check = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        let cipher_errors = if self.db_key().is_some() {
            let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        Ok(IntegrityFacts {
            quick_check,
            cipher_errors,
        })
    }

    /// Every check this desk can make without the portal, in the order `ariza doctor`
    /// prints them (the portal's clock, from the sync engine, goes after free space).
    pub fn health(&self, clock: &dyn Clock) -> Result<Vec<Finding>> {
        let location = self.device_key();
        let key_in_file = matches!(
            location,
            Some(DeviceKeyLocation::File | DeviceKeyLocation::FileBecauseNoKeyring)
        );
        let now = clock.now();
        let mut findings = vec![device_key_finding(DeviceKeyState::Kept(location))];
        findings.extend(filesystem_findings(&self.path, key_in_file));
        findings.push(outbox_finding(&self.outbox_facts()?, now));
        findings.push(last_backup_finding(self.last_backup_at()?, now));
        findings.push(schema_finding(self.schema_version()?));
        findings.push(integrity_finding(&self.integrity_facts()?));
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, h, 0, 0).unwrap()
    }

    #[test]
    fn the_device_key_in_a_file_is_never_reported_as_fine() {
        use DeviceKeyLocation as L;
        let keyring = device_key_finding(DeviceKeyState::Kept(Some(L::Keyring)));
        assert_eq!(keyring.severity, Severity::Ok);
        assert_eq!(keyring.advice, None);
        let fallback = device_key_finding(DeviceKeyState::Kept(Some(L::FileBecauseNoKeyring)));
        assert_eq!(fallback.severity, Severity::Warning);
        assert_eq!(fallback.message, "doctor-key-file-no-keyring");
        assert_eq!(fallback.advice, Some("doctor-key-no-keyring-advice"));
        assert_eq!(
            device_key_finding(DeviceKeyState::KeyringRequired).severity,
            Severity::Problem
        );
        assert_eq!(
            device_key_finding(DeviceKeyState::Locked).severity,
            Severity::Problem
        );
    }

    #[test]
    fn no_disk_encryption_is_a_problem_only_with_the_key_beside_the_database() {
        let not_seen = DiskEncryption::NotDetected;
        assert_eq!(
            disk_encryption_finding(&not_seen, false).severity,
            Severity::Warning
        );
        assert_eq!(
            disk_encryption_finding(&not_seen, true).severity,
            Severity::Problem
        );
        let luks = DiskEncryption::DmCrypt {
            device: "dm-0".into(),
        };
        assert_eq!(disk_encryption_finding(&luks, true).severity, Severity::Ok);
        assert_eq!(
            disk_encryption_finding(&DiskEncryption::NotChecked, false).message,
            "doctor-disk-not-checked"
        );
    }

    #[test]
    fn free_space_warns_under_a_gibibyte_or_a_tenth_and_is_a_problem_under_200_mib() {
        let space = |available, total| free_space_finding(Some(FreeSpace { available, total }));
        assert_eq!(space(50 * GIB, 100 * GIB).severity, Severity::Ok);
        assert_eq!(space(900 * MIB, 4 * GIB).severity, Severity::Warning);
        assert_eq!(space(5 * GIB, 100 * GIB).severity, Severity::Warning);
        assert_eq!(space(100 * MIB, 100 * GIB).severity, Severity::Problem);
        let f = space(3 * GIB / 2, 10 * GIB);
        assert!(f.args.contains(&("free", "1.5".into())), "{f:?}");
        assert!(f.args.contains(&("percent", "15".into())), "{f:?}");
        assert_eq!(free_space_finding(None).severity, Severity::Warning);
    }

    #[test]
    fn the_clock_is_judged_against_the_portal() {
        let portal = "https://portal".to_string();
        let off = |ms| {
            portal_clock_finding(&PortalClock::Offset {
                portal: portal.clone(),
                ms,
            })
        };
        assert_eq!(off(1_200).severity, Severity::Ok);
        assert_eq!(off(-90_000).severity, Severity::Warning);
        assert_eq!(off(-90_000).message, "doctor-clock-ahead");
        assert_eq!(off(3_600_000).severity, Severity::Problem);
        assert!(off(3_600_000).args.contains(&("seconds", "3600".into())));
        assert_eq!(
            portal_clock_finding(&PortalClock::NotEnrolled).message,
            "doctor-not-enrolled"
        );
        assert_eq!(
            portal_clock_finding(&PortalClock::Unreachable { portal }).severity,
            Severity::Warning
        );
    }

    #[test]
    fn the_outbox_warns_after_a_day_and_is_a_problem_after_a_week() {
        let now = at(12) + chrono::Duration::days(8);
        let waiting = |oldest| OutboxFacts {
            waiting: 3,
            oldest: Some(oldest),
            quarantined: 0,
        };
        assert_eq!(
            outbox_finding(&waiting(now - chrono::Duration::hours(2)), now).severity,
            Severity::Ok
        );
        assert_eq!(
            outbox_finding(&waiting(now - chrono::Duration::hours(30)), now).severity,
            Severity::Warning
        );
        assert_eq!(
            outbox_finding(&waiting(at(12)), now).severity,
            Severity::Problem
        );
        let empty = OutboxFacts {
            waiting: 0,
            oldest: None,
            quarantined: 1,
        };
        let f = outbox_finding(&empty, now);
        assert_eq!(
            (f.severity, f.advice),
            (Severity::Warning, Some("doctor-quarantined-advice"))
        );
    }

    #[test]
    fn a_backup_is_due_after_a_week_and_never_is_said() {
        let now = at(12);
        assert_eq!(
            last_backup_finding(None, now).message,
            "doctor-backup-never"
        );
        let recent = last_backup_finding(Some(now - chrono::Duration::days(2)), now);
        assert_eq!(recent.severity, Severity::Ok);
        // In Tashkent time.
        assert!(
            recent.args.contains(&("time", "2026-11-20 17:00".into())),
            "{recent:?}"
        );
        assert_eq!(
            last_backup_finding(Some(now - chrono::Duration::days(9)), now).severity,
            Severity::Warning
        );
    }

    #[test]
    fn damage_is_a_problem() {
        let fine = IntegrityFacts {
            quick_check: "ok".into(),
            cipher_errors: vec![],
        };
        assert_eq!(integrity_finding(&fine).severity, Severity::Ok);
        let bad = IntegrityFacts {
            quick_check: "ok".into(),
            cipher_errors: vec!["HMAC verification failed for page 7".into()],
        };
        assert_eq!(integrity_finding(&bad).severity, Severity::Problem);
        assert!(any_problem(&[integrity_finding(&bad)]));
        assert_eq!(schema_finding(SCHEMA_VERSION).severity, Severity::Ok);
        assert_eq!(
            schema_finding(SCHEMA_VERSION - 1).severity,
            Severity::Problem
        );
    }
}
