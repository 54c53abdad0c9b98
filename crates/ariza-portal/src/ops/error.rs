use ariza_core::error::PortalCode;

/// Every failure of the portal's operations, each with a stable [`PortalCode`]. The HTTP
/// layer gives each its status (`http::error`); the binary prints the message.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("missing or unknown credential")]
    Unauthorized,
    #[error("this device has been revoked")]
    Revoked,
    #[error("the request signature is not valid")]
    BadSignature,
    #[error("the request was already received (replay)")]
    Replayed,
    #[error("the request's timestamp is too far from the portal's clock")]
    Stale,
    #[error("too many requests; slow down")]
    RateLimited,
    /// Too many requests from one client address to the routes anyone can call.
    #[error("too many requests from this address; try again in {retry_after} s")]
    AddressRateLimited { retry_after: u64 },
    /// Too many failed sign-ins for this name (whether it exists or not).
    #[error("too many failed sign-ins for this name; try again in {retry_after} s")]
    AccountLocked { retry_after: u64 },
    #[error("this account may not act on that")]
    Forbidden,
    #[error("the enrollment code is unknown, used or expired")]
    EnrollCode,
    #[error("the request is not valid: {0}")]
    BadRequest(String),
    #[error("the request body is not of a supported type: {0}")]
    UnsupportedMediaType(String),
    #[error("this route does not answer that method")]
    MethodNotAllowed,
    #[error("not found")]
    NotFound,
    #[error("the request body is too large")]
    TooLarge,
    #[error("an application cannot move {0}")]
    IllegalTransition(String),
    /// A chunk at another offset than the upload's: the client asks again where it is.
    #[error("the upload is at offset {current}")]
    UploadOffset { current: i64 },
    #[error("the chunk's checksum does not match its bytes")]
    ChecksumMismatch,
    #[error("the whole upload's SHA-256 is not the document's; it starts again from nothing")]
    DocumentMismatch,
    #[error("only tus 1.0.0 is spoken here (Tus-Resumable: 1.0.0)")]
    TusVersion,
    #[error("catalog version {version} is not newer than {newest}")]
    CatalogNotNewer { version: u32, newest: i32 },
    /// A stored catalog that does not read as one: never replaced by the shipped catalog,
    /// which would silently accept and date applications by other rules.
    #[error("stored catalog version {version} cannot be read: {reason}")]
    CorruptCatalog { version: i32, reason: String },
    #[error("the export could not be made: {0}")]
    Export(String),
    /// A stored value that does not read as what it must be.
    #[error("stored {0} cannot be read")]
    Corrupt(&'static str),
    #[error("the shipped catalog cannot be read: {0}")]
    ShippedCatalog(String),
    #[error("the password cannot be hashed: {0}")]
    PasswordHash(String),
    #[error("database: {}", postgres_summary(.0))]
    Database(#[from] tokio_postgres::Error),
    #[error("no database connection: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

/// The server's message and SQLSTATE without its DETAIL: a unique violation's detail quotes
/// the row's key (a username, a tracking number), which has no place in a log line.
fn postgres_summary(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl From<ariza_core::wire::RaggedColumns> for PortalError {
    fn from(e: ariza_core::wire::RaggedColumns) -> PortalError {
        PortalError::BadRequest(e.to_string())
    }
}

impl PortalError {
    pub fn code(&self) -> PortalCode {
        match self {
            PortalError::Unauthorized => PortalCode::Unauthorized,
            PortalError::Revoked => PortalCode::DeviceRevoked,
            PortalError::BadSignature => PortalCode::BadSignature,
            PortalError::Replayed => PortalCode::Replayed,
            PortalError::Stale => PortalCode::StaleRequest,
            PortalError::RateLimited | PortalError::AddressRateLimited { .. } => {
                PortalCode::RateLimited
            }
            PortalError::AccountLocked { .. } => PortalCode::AccountLocked,
            PortalError::Forbidden => PortalCode::Forbidden,
            PortalError::EnrollCode => PortalCode::EnrollCodeInvalid,
            PortalError::BadRequest(_) | PortalError::CatalogNotNewer { .. } => {
                PortalCode::BadRequest
            }
            PortalError::UnsupportedMediaType(_) => PortalCode::UnsupportedMediaType,
            PortalError::MethodNotAllowed => PortalCode::MethodNotAllowed,
            PortalError::NotFound => PortalCode::NotFound,
            PortalError::TooLarge => PortalCode::TooLarge,
            PortalError::IllegalTransition(_) => PortalCode::IllegalTransition,
            PortalError::UploadOffset { .. } => PortalCode::UploadOffsetMismatch,
            PortalError::ChecksumMismatch => PortalCode::ChecksumMismatch,
            PortalError::DocumentMismatch => PortalCode::DocumentMismatch,
            PortalError::TusVersion => PortalCode::TusVersionUnsupported,
            PortalError::CorruptCatalog { .. }
            | PortalError::Corrupt(_)
            | PortalError::Export(_)
            | PortalError::ShippedCatalog(_)
            | PortalError::PasswordHash(_)
            | PortalError::Database(_)
            | PortalError::Pool(_) => PortalCode::Unavailable,
        }
    }
}
