//! The desk's log: files beside the database (`logs/`), rotated when one passes 5 MB and at
//! every start, the rotated ones deleted once older than the retention setting. The setting
//! lives in the database, which opens after logging starts, so the desk also writes it to
//! `logs/retention-days` (a number, nothing else) whenever it opens or the setting changes.
//! Log lines carry ids and counts, never names, PINFLs or document numbers.

use std::path::{Path, PathBuf};

use file_rotate::compression::Compression;
use file_rotate::suffix::{AppendTimestamp, FileLimit};
use file_rotate::{ContentLimit, FileRotate};

/// A log file is rotated once it passes this size.
const FILE_BYTES: usize = 5 * 1024 * 1024;
/// Without a stored setting (a new desk), rotated files are kept this many days.
const DEFAULT_DAYS: u32 = 30;

fn dir_of(db: &Path) -> PathBuf {
    db.parent()
        .map(PathBuf::from)
        .unwrap_or_default()
        .join("logs")
}

fn retention_file(logs: &Path) -> PathBuf {
    logs.join("retention-days")
}

/// Writes the retention setting where logging finds it at the next start.
pub fn keep_retention(db: &Path, days: u32) {
    let logs = dir_of(db);
    if let Err(e) = std::fs::create_dir_all(&logs)
        .and_then(|()| std::fs::write(retention_file(&logs), days.to_string()))
    {
        tracing::warn!(error = %e, "the log retention could not be written");
    }
}

/// Starts logging for the database at `db`; the guard flushes the last lines on exit.
pub fn start(db: &Path) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let logs = dir_of(db);
    let _ = std::fs::create_dir_all(&logs);
    let days = std::fs::read_to_string(retention_file(&logs))
        .ok()
        .and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|d| (1..=365).contains(d))
        .unwrap_or(DEFAULT_DAYS);
    let mut file = FileRotate::new(
        logs.join("ariza-desk.log"),
        AppendTimestamp::default(FileLimit::Age(chrono::Duration::days(i64::from(days)))),
        ContentLimit::BytesSurpassed(FILE_BYTES),
        Compression::None,
        None,
    );
    // Each start begins a file, so a quiet desk's log ages out too, and old files go now.
    let _ = file.rotate();
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("ARIZA_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(writer)
        .with_ansi(false)
        .init();
    tracing::info!(retention_days = days, "logging");
    guard
}
