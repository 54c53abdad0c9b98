//! Errors as people and programs see them: a stable [`Code`] that front ends branch on, and a
//! Fluent message key with its arguments that is translated at the edge.

use serde::Serialize;
use ts_rs::TS;

use crate::application::Status;
use crate::i18n::{Locale, Localizer, MessageArgs};
use crate::staff::Action;

/// Stable error codes sent across IPC, HTTP and `--json` output. Never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Code {
    Validation,
    NotFound,
    Conflict,
    IllegalTransition,
    BadCredentials,
    Forbidden,
    NotSignedIn,
    SetupRequired,
    AlreadySetUp,
    SchemaTooNew,
    MigrationChanged,
    Storage,
    /// The disk holding the database is full: the write failed, nothing earlier was lost.
    DiskFull,
    /// The portal could not be reached or did not answer usefully; retry later.
    Unavailable,
    /// The database is encrypted and this device's key is not available: a staff member's
    /// password opens it.
    Locked,
    /// Too many wrong passwords: sign-in waits (`retry_after` seconds in the message args).
    TooManyAttempts,
    /// The session was idle too long: the same person's password resumes it.
    SessionLocked,
    /// A backup file that is damaged, not a backup, or not openable with the given password.
    BadBackup,
    /// A device or request that the portal does not accept (signature, replay, revoked).
    Unauthorized,
    /// Too many requests in a short time; retry later.
    RateLimited,
    /// Another Ariza program has the database open: one writer at a time.
    InUse,
    /// A desk update refused before anything was installed (signature, version, platform),
    /// or one that dpkg did not install.
    UpdateRefused,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Validation => "validation",
            Code::NotFound => "not_found",
            Code::Conflict => "conflict",
            Code::IllegalTransition => "illegal_transition",
            Code::BadCredentials => "bad_credentials",
            Code::Forbidden => "forbidden",
            Code::NotSignedIn => "not_signed_in",
            Code::SetupRequired => "setup_required",
            Code::AlreadySetUp => "already_set_up",
            Code::SchemaTooNew => "schema_too_new",
            Code::MigrationChanged => "migration_changed",
            Code::Storage => "storage",
            Code::DiskFull => "disk_full",
            Code::Unavailable => "unavailable",
            Code::Locked => "locked",
            Code::TooManyAttempts => "too_many_attempts",
            Code::SessionLocked => "session_locked",
            Code::BadBackup => "bad_backup",
            Code::Unauthorized => "unauthorized",
            Code::RateLimited => "rate_limited",
            Code::InUse => "in_use",
            Code::UpdateRefused => "update_refused",
            Code::Internal => "internal",
        }
    }
}

/// The codes the portal answers with: in every error body (`ApiError::code`) and, for the
/// item-level ones, in a refused application's result. The portal builds its answers from
/// this enum and the sync engine matches on it, so the two cannot drift apart. Never rename
/// one: desks already in the field match on the text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PortalCode {
    /// No credential, an unknown one, or wrong portal-user credentials.
    Unauthorized,
    #[serde(rename = "device_revoked")]
    DeviceRevoked,
    BadSignature,
    /// A nonce seen before: the request was captured and sent again.
    Replayed,
    #[serde(rename = "stale_request")]
    StaleRequest,
    RateLimited,
    /// Too many failed sign-ins for a portal user's name (existing or not): it is locked for
    /// a while, `Retry-After` says how long. Shown as `err-portal-account-locked`.
    AccountLocked,
    Forbidden,
    #[serde(rename = "enroll_code_invalid")]
    EnrollCodeInvalid,
    /// A body, query or header the portal cannot read.
    BadRequest,
    /// A body that is not declared as JSON (or an unknown content encoding).
    UnsupportedMediaType,
    /// The route exists, the method does not.
    MethodNotAllowed,
    NotFound,
    TooLarge,
    IllegalTransition,
    /// The portal's database is down: try again later.
    Unavailable,
    /// A desk's audit chain no longer extends the head the portal acknowledged: its entries
    /// were refused and an alert recorded (in a push's `audit_refused`).
    AuditChainBroken,
    /// A chunk of an upload sent at an offset other than the portal's (a chunk sent twice, or
    /// one after a lost answer): `Upload-Offset` says where the portal is.
    UploadOffsetMismatch,
    /// A chunk whose `Upload-Checksum` does not match its bytes: nothing of it was kept.
    ChecksumMismatch,
    /// A whole upload whose SHA-256 is not the one its application refers to: the upload
    /// starts again from nothing.
    DocumentMismatch,
    /// A request without `Tus-Resumable: 1.0.0`.
    TusVersionUnsupported,
    // Item-level codes, one per refused application of a batch.
    /// The tracking number belongs to another center.
    WrongCenter,
    /// A service the catalog in force does not offer.
    UnknownService,
    /// An in-person application sent as online, or the reverse.
    WrongChannel,
    /// A tracking number or PINFL that does not parse.
    Invalid,
    /// The same id arrived before with other content.
    Conflict,
}

impl PortalCode {
    pub fn as_str(self) -> &'static str {
        match self {
            PortalCode::Unauthorized => "unauthorized",
            PortalCode::DeviceRevoked => "device_revoked",
            PortalCode::BadSignature => "bad_signature",
            PortalCode::Replayed => "replayed",
            PortalCode::StaleRequest => "stale_request",
            PortalCode::RateLimited => "rate_limited",
            PortalCode::AccountLocked => "account_locked",
            PortalCode::Forbidden => "forbidden",
            PortalCode::EnrollCodeInvalid => "enroll_code_invalid",
            PortalCode::BadRequest => "bad_request",
            PortalCode::UnsupportedMediaType => "unsupported_media_type",
            PortalCode::MethodNotAllowed => "method_not_allowed",
            PortalCode::NotFound => "not_found",
            PortalCode::TooLarge => "too_large",
            PortalCode::IllegalTransition => "illegal_transition",
            PortalCode::Unavailable => "unavailable",
            PortalCode::AuditChainBroken => "audit_chain_broken",
            PortalCode::UploadOffsetMismatch => "upload_offset_mismatch",
            PortalCode::ChecksumMismatch => "checksum_mismatch",
            PortalCode::DocumentMismatch => "document_mismatch",
            PortalCode::TusVersionUnsupported => "tus_version_unsupported",
            PortalCode::WrongCenter => "wrong_center",
            PortalCode::UnknownService => "unknown_service",
            PortalCode::WrongChannel => "wrong_channel",
            PortalCode::Invalid => "invalid",
            PortalCode::Conflict => "conflict",
        }
    }
}

impl std::fmt::Display for PortalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid input: which field, and why (a Fluent key with arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub key: &'static str,
    pub args: MessageArgs,
}

impl FieldError {
    pub fn new(field: impl Into<String>, key: &'static str) -> FieldError {
        FieldError {
            field: field.into(),
            key,
            args: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> FieldError {
        self.args.push((name, value.to_string()));
        self
    }
}

/// Anything that can be shown to a person: a code, a message key and, for invalid input, the
/// fields at fault.
pub trait Describe: std::fmt::Display {
    fn code(&self) -> Code;
    fn message(&self) -> (&'static str, MessageArgs);
    fn field_errors(&self) -> &[FieldError] {
        &[]
    }
}

/// The domain's own errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input in {} field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("an application cannot go from {from:?} to {to:?}")]
    IllegalTransition { from: Status, to: Status },
    #[error("this role may not {0:?}")]
    Forbidden(Action),
}

impl Describe for DomainError {
    fn code(&self) -> Code {
        match self {
            DomainError::Invalid(_) => Code::Validation,
            DomainError::IllegalTransition { .. } => Code::IllegalTransition,
            DomainError::Forbidden(_) => Code::Forbidden,
        }
    }

    fn message(&self) -> (&'static str, MessageArgs) {
        match self {
            DomainError::Invalid(fields) if fields.len() == 1 => {
                (fields[0].key, fields[0].args.clone())
            }
            DomainError::Invalid(fields) => {
                ("err-validation", vec![("count", fields.len().to_string())])
            }
            DomainError::IllegalTransition { from, to } => (
                "err-illegal-transition",
                vec![
                    ("from", from.as_str().to_string()),
                    ("to", to.as_str().to_string()),
                ],
            ),
            DomainError::Forbidden(_) => ("err-forbidden", Vec::new()),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            DomainError::Invalid(fields) => fields,
            _ => &[],
        }
    }
}

/// Collects field errors while validating a whole form, so the clerk sees all at once.
#[derive(Debug, Default)]
pub struct Validation(pub Vec<FieldError>);

impl Validation {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn check<T, E>(
        &mut self,
        r: Result<T, E>,
        on_err: impl FnOnce(E) -> FieldError,
    ) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(on_err(e));
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

/// A field's translated message, as sent to front ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldFault {
    pub field: String,
    pub message: String,
    /// The citizen already holding this value (a PINFL or document number on file), for the
    /// desk to offer that record instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub citizen: Option<i64>,
}

/// The `{code, message}` every front end receives; `fields` is set for invalid input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(export)]
#[error("{message}")]
pub struct Fault {
    pub code: Code,
    pub message: String,
    pub fields: Vec<FieldFault>,
}

impl Fault {
    pub fn from_error(err: &dyn Describe, l: &Localizer, locale: Locale) -> Fault {
        let (key, args) = err.message();
        Fault {
            code: err.code(),
            message: l.tr(locale, key, &args),
            fields: err
                .field_errors()
                .iter()
                .map(|f| FieldFault {
                    field: f.field.clone(),
                    message: l.tr(locale, f.key, &f.args),
                    citizen: f
                        .args
                        .iter()
                        .find(|(name, _)| *name == "citizen")
                        .and_then(|(_, v)| v.parse().ok()),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod portal_code_tests {
    use super::PortalCode;

    #[test]
    fn the_text_on_the_wire_is_as_str() {
        for code in [
            PortalCode::DeviceRevoked,
            PortalCode::StaleRequest,
            PortalCode::EnrollCodeInvalid,
            PortalCode::UnsupportedMediaType,
            PortalCode::UnknownService,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            let back: PortalCode = serde_json::from_value(json).unwrap();
            assert_eq!(back, code);
        }
    }
}
