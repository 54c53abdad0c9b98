use ariza_core::error::{Code, Describe, DomainError, FieldError};
use ariza_core::i18n::MessageArgs;

use crate::stored::CorruptColumn;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("the desk is not set up")]
    NotSetUp,
    #[error("the desk is already set up")]
    AlreadySetUp,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("duplicate: {0}")]
    Duplicate(&'static str, &'static str),
    #[error("database schema {found} is newer than this version knows ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("migration {name} differs from the one applied")]
    MigrationChanged { name: String },
    #[error("database: {0}")]
    Sqlite(rusqlite::Error),
    /// A stored value does not read back as what the store writes (a status, a day, an id,
    /// a form): the row is damaged. Nothing is defaulted and nothing was changed.
    #[error("stored data is damaged: {table}.{column} cannot be read")]
    Corrupt {
        table: &'static str,
        column: &'static str,
    },
    #[error("stored data: {0}")]
    Json(#[from] serde_json::Error),
    #[error("file system: {0}")]
    Io(std::io::Error),
    #[error("password hashing failed")]
    Hash,
    #[error("the database is locked: this device's key is not available")]
    Locked,
    /// Another process (a second desk, `ariza`) has the database open.
    #[error("another Ariza program has the database open")]
    InUse,
    /// The administrator requires the device key in the OS keyring and none holds it (no
    /// keyring answered, or it was only in a file, which is then refused): a staff member's
    /// password still opens the database.
    #[error("the OS keyring is required for the device key and does not hold it")]
    KeyringRequired,
    #[error("too many failed sign-ins; retry in {retry_after} s")]
    TooManyAttempts { retry_after: i64 },
    #[error("not a usable backup")]
    BadBackup,
    /// The slots file was written by a newer Ariza; it is left as it is.
    #[error("key slots format {0} is newer than this version knows")]
    KeySlotsTooNew(u32),
    /// The slots file (or a backup's header) does not read as what the store writes.
    #[error("the key slots are damaged")]
    KeySlotsDamaged,
    #[error("wrapping a key failed")]
    KeyWrap,
    /// The database could not be re-encrypted; it still opens with its previous key.
    #[error("the database key could not be renewed")]
    RekeyFailed,
    /// The file given as a recovery key holds none, or not the one this backup was made for.
    #[error("not the recovery key of this backup")]
    BadRecoveryKey,
    /// The disk is full: what was being written was not saved (SQLite rolled it back);
    /// everything saved before is intact.
    #[error("the disk is full")]
    DiskFull,
    /// A file offered as a scan is refused; nothing was stored.
    #[error("scan refused: {0}")]
    Scan(#[from] crate::scan::ScanError),
    /// The document's requirement does not take this format (a photo that must be an image).
    #[error("this document does not accept that format")]
    DocumentFormatNotAccepted,
}

impl StoreError {
    /// The value in `table.column` cannot be read. Logged here, once, for IT staff: the
    /// place only, never the value (it may be personal data).
    pub(crate) fn corrupt(table: &'static str, column: &'static str) -> StoreError {
        tracing::error!(table, column, "stored value cannot be read");
        StoreError::Corrupt { table, column }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // SQLITE_FULL from a write; SQLITE_IOERR_SHMSIZE when the WAL's shared-memory file
        // cannot get its room (SQLite touches each page first so that a full disk is an
        // error rather than a crash).
        if let rusqlite::Error::SqliteFailure(failure, _) = &e
            && (failure.code == rusqlite::ErrorCode::DiskFull
                || failure.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE)
        {
            tracing::error!("disk full: nothing of the failed write was saved");
            return StoreError::DiskFull;
        }
        if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &e
            && let Some(at) = inner.downcast_ref::<CorruptColumn>()
        {
            return StoreError::corrupt(at.table, at.column);
        }
        StoreError::Sqlite(e)
    }
}

impl Describe for StoreError {
    fn code(&self) -> Code {
        match self {
            StoreError::Domain(d) => d.code(),
            StoreError::NotSetUp => Code::SetupRequired,
            StoreError::AlreadySetUp => Code::AlreadySetUp,
            StoreError::BadCredentials => Code::BadCredentials,
            StoreError::NotFound(_) => Code::NotFound,
            StoreError::Duplicate(..) => Code::Conflict,
            StoreError::SchemaTooNew { .. } => Code::SchemaTooNew,
            StoreError::MigrationChanged { .. } => Code::MigrationChanged,
            StoreError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => Code::DiskFull,
            StoreError::Sqlite(_)
            | StoreError::Corrupt { .. }
            | StoreError::Json(_)
            | StoreError::Io(_) => Code::Storage,
            StoreError::Hash => Code::Internal,
            StoreError::InUse => Code::InUse,
            StoreError::Locked | StoreError::KeyringRequired => Code::Locked,
            StoreError::TooManyAttempts { .. } => Code::TooManyAttempts,
            StoreError::BadBackup | StoreError::BadRecoveryKey => Code::BadBackup,
            StoreError::KeySlotsTooNew(_) => Code::SchemaTooNew,
            StoreError::KeySlotsDamaged | StoreError::RekeyFailed => Code::Storage,
            StoreError::KeyWrap => Code::Internal,
            StoreError::Scan(_) | StoreError::DocumentFormatNotAccepted => Code::Validation,
            StoreError::DiskFull => Code::DiskFull,
        }
    }

    fn message(&self) -> (&'static str, MessageArgs) {
        match self {
            StoreError::Domain(d) => d.message(),
            StoreError::NotSetUp => ("err-setup-required", vec![]),
            StoreError::AlreadySetUp => ("err-already-set-up", vec![]),
            StoreError::BadCredentials => ("err-bad-credentials", vec![]),
            StoreError::NotFound(key) => (key, vec![]),
            StoreError::Duplicate(key, _) => (key, vec![]),
            StoreError::SchemaTooNew { found, supported } => (
                "err-schema-too-new",
                vec![
                    ("found", found.to_string()),
                    ("supported", supported.to_string()),
                ],
            ),
            StoreError::MigrationChanged { name } => {
                ("err-migration-changed", vec![("name", name.clone())])
            }
            StoreError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => {
                ("err-disk-full", vec![])
            }
            StoreError::Sqlite(_) | StoreError::Json(_) | StoreError::Io(_) => {
                ("err-storage", vec![])
            }
            StoreError::Corrupt { table, column } => (
                "err-stored-corrupt",
                vec![("table", table.to_string()), ("column", column.to_string())],
            ),
            StoreError::Hash => ("err-internal", vec![]),
            StoreError::Locked => ("err-db-locked", vec![]),
            StoreError::InUse => ("err-db-in-use", vec![]),
            StoreError::KeyringRequired => ("err-keyring-required", vec![]),
            StoreError::TooManyAttempts { retry_after } => (
                "err-too-many-attempts",
                vec![("seconds", retry_after.to_string())],
            ),
            StoreError::BadBackup => ("err-bad-backup", vec![]),
            StoreError::KeySlotsTooNew(found) => {
                ("err-key-slots-too-new", vec![("found", found.to_string())])
            }
            StoreError::KeySlotsDamaged => ("err-key-slots-damaged", vec![]),
            StoreError::KeyWrap => ("err-internal", vec![]),
            StoreError::RekeyFailed => ("err-rekey-failed", vec![]),
            StoreError::BadRecoveryKey => ("err-bad-recovery-key", vec![]),
            StoreError::DocumentFormatNotAccepted => ("err-document-format-not-accepted", vec![]),
            StoreError::DiskFull => ("err-disk-full", vec![]),
            StoreError::Scan(e) => {
                use crate::scan::ScanError;
                match e {
                    ScanError::Empty => ("err-scan-empty", vec![]),
                    ScanError::Unsupported => ("err-scan-unsupported", vec![]),
                    ScanError::NotWhatItSays { claimed, found } => (
                        "err-scan-not-what-it-says",
                        vec![("claimed", claimed.clone()), ("found", found.clone())],
                    ),
                    ScanError::TooLarge { limit_mib } => {
                        ("err-scan-too-large", vec![("limit", limit_mib.to_string())])
                    }
                    ScanError::TooManyPixels { limit_megapixels } => (
                        "err-scan-too-many-pixels",
                        vec![("limit", limit_megapixels.to_string())],
                    ),
                    ScanError::Corrupt => ("err-scan-corrupt", vec![]),
                    ScanError::Unreadable => ("err-scan-unreadable", vec![]),
                }
            }
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            StoreError::Domain(d) => d.field_errors(),
            _ => &[],
        }
    }
}
