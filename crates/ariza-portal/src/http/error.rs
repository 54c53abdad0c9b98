//! How a [`PortalError`] is answered: its documented status and `{code, message}`.

use ariza_core::wire::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::PortalError;

pub(crate) fn status(e: &PortalError) -> StatusCode {
    match e {
        PortalError::Unauthorized
        | PortalError::Revoked
        | PortalError::BadSignature
        | PortalError::Replayed
        | PortalError::Stale => StatusCode::UNAUTHORIZED,
        PortalError::RateLimited
        | PortalError::AddressRateLimited { .. }
        | PortalError::AccountLocked { .. } => StatusCode::TOO_MANY_REQUESTS,
        PortalError::Forbidden | PortalError::EnrollCode => StatusCode::FORBIDDEN,
        PortalError::BadRequest(_) | PortalError::CatalogNotNewer { .. } => StatusCode::BAD_REQUEST,
        PortalError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        PortalError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        PortalError::NotFound => StatusCode::NOT_FOUND,
        PortalError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        PortalError::IllegalTransition(_) | PortalError::UploadOffset { .. } => {
            StatusCode::CONFLICT
        }
        // tus 1.0's checksum extension: 460 Checksum Mismatch.
        PortalError::ChecksumMismatch => {
            StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST)
        }
        PortalError::DocumentMismatch => StatusCode::UNPROCESSABLE_ENTITY,
        PortalError::TusVersion => StatusCode::PRECONDITION_FAILED,
        PortalError::CorruptCatalog { .. }
        | PortalError::Corrupt(_)
        | PortalError::Export(_)
        | PortalError::ShippedCatalog(_)
        | PortalError::PasswordHash(_)
        | PortalError::Database(_)
        | PortalError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let status = status(&self);
        // Internal details stay in the log; the client gets the stable code.
        let message = if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %self, "portal unavailable");
            "the portal cannot answer now; try again later".to_string()
        } else {
            self.to_string()
        };
        let mut response = (
            status,
            axum::Json(ApiError {
                code: self.code(),
                message,
            }),
        )
            .into_response();
        if let PortalError::UploadOffset { current } = self {
            response
                .headers_mut()
                .insert("upload-offset", current.into());
        }
        if let PortalError::AddressRateLimited { retry_after }
        | PortalError::AccountLocked { retry_after } = self
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}
