//! Ariza Desk's local store: one SQLite file, opened once, migrated on open.
//!
//! Every write that a person acts on goes through here with the acting staff member, is
//! checked by `ariza-core`, and commits durably (`synchronous=FULL`): once the clerk sees
//! "filed", a power cut cannot take it back.

mod applications;
mod audit;
mod backup;
mod citizen_merge;
mod citizen_search;
mod citizens;
pub mod dashboard;
mod device_key;
pub mod disk;
mod documents;
mod drafts;
mod error;
pub mod health;
mod keys;
mod location;
mod migrate;
mod name_index;
mod page;
mod queues;
mod rekey;
pub mod scan;
mod settings;
mod staff;
mod stored;
mod supervision;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::Connection;

pub use applications::{FilingOrigin, ListFilter};
pub use audit::AuditUpload;
pub use backup::{BackupReport, RestoreFrom, RestoreReport};
pub use citizen_merge::MergeReport;
pub use citizens::{CitizenMatch, MatchTier, NameSpan};
pub use device_key::{DeviceKeyLocation, keyring_required_marked, keyring_required_path};
pub use documents::{AttachedDocument, PendingUpload, ServiceRule, StoredScan};
pub use drafts::{Draft, DraftInput};
pub use error::StoreError;
pub use keys::{
    DbKey, DeviceKeyStore, DeviceSecret, KeySlots, RecoveryKey, SlotKdf, StaffIdentity,
    device_key_path, slots_path,
};
pub use location::{NoDataFolder, database_path};
pub use migrate::{MIGRATIONS, SCHEMA_VERSION};
pub use page::{Page, PageRequest};
pub use queues::{QueueCounts, QueueFilter, QueueItem, QueueKind};
pub use settings::{DeskSettings, FontSize, Theme};
pub use staff::{Center, SetupRequest, UNKNOWN_USER};
pub use sync::{DocumentsBacklog, Enrollment, PushApplied, SyncStatus};

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// An exclusive lock on the file beside the database (`DB.lock`), held while the store is
    /// open: a second desk or `ariza` on the same database is refused instead of writing
    /// beside this one. The OS releases it when the process ends, however it ends.
    _writer: std::fs::File,
    path: PathBuf,
    /// The database key, kept to wrap new staff slots; `None` only for the benchmark's
    /// unencrypted comparison store. Behind a lock because a rekey replaces it, and held while
    /// the slots file is edited so that two edits (or an edit and a rekey) never interleave.
    /// Lock order: `conn`, then `key`.
    key: Mutex<Option<DbKey>>,
    /// The newest catalog, parsed once: filing reads it on every application.
    catalog: Mutex<Option<Arc<ariza_core::catalog::Catalog>>>,
    /// Where the device secret is kept (`device_key.rs`); `None` when the device keeps none.
    device_key: Mutex<Option<device_key::DeviceKeyLocation>>,
}

/// How every timestamp is written: UTC, RFC 3339, milliseconds; sorts as text.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The instant as [`ts`] stores it (to the millisecond, truncated), without a round trip
/// through text: what a fresh read of the row will say.
pub(crate) fn as_stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(3)
}

/// Takes the database's writer lock, or says another process holds it.
fn take_writer_lock(path: &Path) -> Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(Store::lock_path(path))
        .map_err(StoreError::Io)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            tracing::warn!("the database is open in another process");
            Err(StoreError::InUse)
        }
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io(e)),
    }
}

impl Store {
    /// Opens the encrypted database at `path` with this device's key from the file beside
    /// it, creating database, key and slots on first use. See [`Store::open_with`].
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, &DeviceKeyStore::beside(path))
    }

    /// Opens (creating if needed) the encrypted database at `path`, unlocking it with the
    /// device secret from `device`, and applies pending migrations. Without the device secret
    /// the answer is [`StoreError::Locked`]: a staff member's password then opens it
    /// ([`Store::unlock`]); when an administrator requires the OS keyring and it does not hold
    /// the secret, [`StoreError::KeyringRequired`] (a secret found in a file is then removed,
    /// see `device_key.rs`). Where the secret was found: [`Store::device_key`]. A database
    /// written by a newer Ariza is refused untouched.
    pub fn open_with(path: &Path, device: &DeviceKeyStore) -> Result<Store> {
        let slots_file = slots_path(path);
        if !slots_file.exists() {
            if std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false)
            {
                // A database without its slots cannot be opened; never replace its key.
                return Err(StoreError::Locked);
            }
            let key = DbKey::random();
            let secret = DeviceSecret::random();
            let kept_in = device.save(&secret)?;
            let mut slots = KeySlots::default();
            slots.put_device(&key, &secret)?;
            slots.save(&slots_file)?;
            tracing::info!(device_key = kept_in.as_str(), "new encrypted database");
            let store = Store::open_keyed(path, Some(key))?;
            store.set_device_key(Some(kept_in));
            return Ok(store);
        }
        // Locked either way; the marker says whether the administrator's rule is why.
        let locked = || {
            if keyring_required_marked(path) {
                StoreError::KeyringRequired
            } else {
                StoreError::Locked
            }
        };
        let slots = KeySlots::load(&slots_file)?;
        let (secret, found) = device.load()?.ok_or_else(locked)?;
        let keys = slots.open_device(&secret);
        if keys.is_empty() {
            return Err(locked());
        }
        let store = Store::open_with_keys(path, &keys)?;
        store.settle_device_key(device, &secret, found)?;
        store.after_device_open(device, &secret)?;
        Ok(store)
    }

    /// Opens the database with a staff member's password (their key slot) when the device's
    /// own key is lost, and gives the device a fresh key slot so background sync works again —
    /// in the OS keyring only when an administrator requires it ([`Store::device_key`] is then
    /// `None` if no keyring answered: nothing is written to a file).
    pub fn unlock(
        path: &Path,
        device: &DeviceKeyStore,
        username: &str,
        password: &str,
    ) -> Result<Store> {
        let slots = KeySlots::load(&slots_path(path)).map_err(|_| StoreError::Locked)?;
        let store = Store::open_with_keys(path, &slots.open_staff_keys(username, password)?)?;
        store.renew_device_slot(device)?;
        tracing::info!(
            device_key = store.device_key().map_or("none", DeviceKeyLocation::as_str),
            "database unlocked with a staff key slot; device slot renewed"
        );
        Ok(store)
    }

    /// Opens without encryption. Only the benchmark uses it, to measure what encryption costs.
    #[doc(hidden)]
    pub fn open_unencrypted_for_benchmark(path: &Path) -> Result<Store> {
        Store::open_keyed(path, None)
    }

    fn open_keyed(path: &Path, key: Option<DbKey>) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(StoreError::Io)?;
        }
        let writer = take_writer_lock(path)?;
        let mut conn = Connection::open(path)?;
        match &key {
            Some(key) => apply_key(&conn, key)?,
            None => conn.pragma_update(None, "page_size", plain_page_size())?,
        }
        configure(&conn)?;
        migrate::run(&mut conn)?;
        name_index::bring_up_to_date(&mut conn)?;
        tracing::info!(schema = SCHEMA_VERSION, "store opened");
        Ok(Store {
            conn: Mutex::new(conn),
            _writer: writer,
            path: path.to_path_buf(),
            key: Mutex::new(key),
            catalog: Mutex::new(None),
            device_key: Mutex::new(None),
        })
    }

    /// The path of the lock file of the database at `path`.
    pub fn lock_path(path: &Path) -> PathBuf {
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Runs `change` on the slots file (staff added, removed, password changed).
    pub(crate) fn edit_slots(
        &self,
        change: impl FnOnce(&mut KeySlots, &DbKey) -> Result<()>,
    ) -> Result<()> {
        let key = self.key.lock().unwrap_or_else(|p| p.into_inner());
        let Some(key) = key.as_ref() else {
            return Ok(());
        };
        let file = slots_path(&self.path);
        let mut slots = KeySlots::load(&file)?;
        change(&mut slots, key)?;
        slots.save(&file)
    }

    /// The database key as it is now (a rekey replaces it).
    pub(crate) fn db_key(&self) -> Option<DbKey> {
        self.key.lock().unwrap_or_else(|p| p.into_inner()).clone()
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

    /// `PRAGMA cipher_integrity_check`: SQLCipher checks every page's HMAC and lists the pages
    /// that fail; empty means every page of the file is intact and written under this key.
    pub fn cipher_integrity_check(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
        let failures = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(failures)
    }

    /// The SQLCipher that encrypts this store and its crypto provider, e.g.
    /// `("4.20.0 community", "openssl")`: for `ariza doctor` and the upgrade test.
    pub fn cipher_version(&self) -> Result<(String, String)> {
        let conn = self.conn();
        let version = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0))?;
        let provider = conn.query_row("PRAGMA cipher_provider", [], |r| r.get(0))?;
        Ok((version, provider))
    }

    /// `PRAGMA integrity_check`, for IT staff and the crash test.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// SQLCipher's page settings. They are not stored in the file, so every connection (and
/// every attached backup) must use the same: hence the process-wide defaults as well.
///
/// 1 KiB pages and HMAC-SHA256 instead of 4 KiB and HMAC-SHA512: each page written is
/// encrypted and authenticated on its own, and a filing writes about nine pages, so the bytes
/// run through AES and the MAC per commit are what encryption costs. Measured by
/// `cargo bench -p ariza-store --bench desk` (README): with SQLCipher's stock provider
/// 4 KiB/SHA-512 cost +65 % on filing and 1 KiB/SHA-256 +33–41 %; with the desk's page crypto
/// 2 KiB pages cost +20 % and 1 KiB +12 %. 512-byte pages are impossible: SQLCipher's 48
/// reserved bytes (IV and MAC) would leave less than the 480 usable bytes SQLite requires.
/// HMAC-SHA256 remains a sound per-page MAC.
const CIPHER_SETTINGS: &str = "PRAGMA cipher_default_page_size = 1024;
     PRAGMA cipher_default_hmac_algorithm = HMAC_SHA256;";

/// Gives SQLCipher the key, then reads the schema: a wrong key fails here ("file is not a
/// database") instead of at the first query.
pub(crate) fn apply_key(conn: &Connection, key: &DbKey) -> Result<()> {
    conn.execute_batch(CIPHER_SETTINGS)?;
    conn.pragma_update(None, "key", &*key.pragma())?;
    conn.execute_batch(
        "PRAGMA cipher_page_size = 1024; PRAGMA cipher_hmac_algorithm = HMAC_SHA256;",
    )?;
    // Only "not a database" means "not this key"; anything else (a full disk that cannot
    // take the WAL's shared-memory file, a read error) is said as what it is.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            StoreError::Locked
        }
        other => other.into(),
    })?;
    Ok(())
}

/// Page size of the unencrypted comparison store (benchmarks only); set by
/// `ARIZA_BENCH_PLAIN_PAGE_SIZE` to compare against SQLite's default 4096 too.
fn plain_page_size() -> i64 {
    std::env::var("ARIZA_BENCH_PLAIN_PAGE_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024)
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL lets the UI read while a write commits; FULL makes each commit survive power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Checkpoints copy the WAL into the database file and fsync it: work the clerk should
    // not wait for. The desk runs them when idle (`Store::checkpoint`); this larger automatic
    // threshold (about 10 MiB of WAL with 1 KiB pages) is only the safety net.
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    // Search reads the FTS index all day. SQLCipher cannot memory-map an encrypted file (each
    // page is decrypted into the page cache), so a 64 MiB cache keeps the index decrypted and
    // close; mmap serves only the benchmark's unencrypted comparison store.
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    Ok(())
}

/// A bare connection with the same settings (and the same encryption when `key` is given),
/// for benchmarks that compare against the store.
pub fn open_bare(path: &Path, key: Option<&DbKey>) -> Result<Connection> {
    let conn = Connection::open(path)?;
    match key {
        Some(key) => apply_key(&conn, key)?,
        // The same page size as the encrypted store, so the comparison is like for like.
        None => conn.pragma_update(None, "page_size", plain_page_size())?,
    }
    configure(&conn)?;
    Ok(conn)
}

/// A raw connection to an existing encrypted database, unlocked with the device key beside
/// it: for IT staff's repairs and for tests that inspect or tamper with rows directly.
pub fn open_keyed_connection(path: &Path) -> Result<Connection> {
    let slots = KeySlots::load(&slots_path(path))?;
    let (secret, _) = DeviceKeyStore::beside(path)
        .load()?
        .ok_or(StoreError::Locked)?;
    // Newest first: during an interrupted rekey the file lists the new key and the old.
    for key in slots.open_device(&secret) {
        let conn = Connection::open(path)?;
        if apply_key(&conn, &key).is_ok() {
            return Ok(conn);
        }
    }
    Err(StoreError::Locked)
}
