//! Ariza Desk's local store: one SQLite file, opened once, migrated on open.
//!
//! Every write that a person acts on goes through here with the acting staff member, is
//! checked by `ariza-core`, and commits durably (`synchronous=FULL`): once the clerk sees
//! "filed", a power cut cannot take it back.

mod applications;
mod citizens;
mod error;
mod migrate;
mod settings;
mod staff;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use applications::ListFilter;
pub use citizens::CitizenMatch;
pub use error::StoreError;
pub use migrate::{MIGRATIONS, SCHEMA_VERSION};
pub use settings::{DeskSettings, FontSize, Theme};
pub use staff::{Center, SetupRequest};
pub use sync::{Enrollment, PushApplied, SyncStatus};

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The newest catalog, parsed once: filing reads it on every application.
    catalog: Mutex<Option<Arc<ariza_core::catalog::Catalog>>>,
}

/// How every timestamp is written: UTC, RFC 3339, milliseconds; sorts as text.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub(crate) fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// A database written by a newer Ariza is refused untouched.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(StoreError::Io)?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate::run(&mut conn)?;
        tracing::info!(schema = SCHEMA_VERSION, "store opened");
        Ok(Store {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            catalog: Mutex::new(None),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (the transaction
        // rolls back), so the poisoned guard is safe to keep using.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Copies the WAL into the database file when no reader needs it. Called off the filing
    /// path (the desk's idle timer, the CLI on exit); returns the pages checkpointed.
    pub fn checkpoint(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(2))?)
    }

    /// `PRAGMA integrity_check`, for IT staff and the crash test.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL lets the UI read while a write commits; FULL makes each commit survive power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Checkpoints copy the WAL into the database file and fsync it: work the clerk should
    // not wait for. The desk runs them when idle (`Store::checkpoint`); this larger automatic
    // threshold (about 40 MiB of WAL) is only the safety net.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    // Search reads the FTS index all day: keep it in memory-mapped pages and a 32 MiB page
    // cache rather than re-reading it through the default 2 MiB cache.
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    conn.pragma_update(None, "cache_size", -32 * 1024)?;
    Ok(())
}

/// A bare connection with the same settings, for benchmarks that compare against the store.
pub fn open_bare(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}
