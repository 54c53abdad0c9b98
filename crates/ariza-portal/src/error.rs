use ariza_core::wire::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every failure the API returns, each with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("missing or unknown device credential")]
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
    #[error("this account may not act on that")]
    Forbidden,
    #[error("the enrollment code is unknown, used or expired")]
    EnrollCode,
    #[error("the request body is not valid: {0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("the request body is too large")]
    TooLarge,
    #[error("an application cannot move {0}")]
    IllegalTransition(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl PortalError {
    pub fn code(&self) -> &'static str {
        match self {
            PortalError::Unauthorized => "unauthorized",
            PortalError::Revoked => "device_revoked",
            PortalError::BadSignature => "bad_signature",
            PortalError::Replayed => "replayed",
            PortalError::Stale => "stale_request",
            PortalError::RateLimited => "rate_limited",
            PortalError::Forbidden => "forbidden",
            PortalError::EnrollCode => "enroll_code_invalid",
            PortalError::BadRequest(_) => "bad_request",
            PortalError::NotFound => "not_found",
            PortalError::TooLarge => "too_large",
            PortalError::IllegalTransition(_) => "illegal_transition",
            PortalError::Database(_) => "unavailable",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            PortalError::Unauthorized
            | PortalError::Revoked
            | PortalError::BadSignature
            | PortalError::Replayed
            | PortalError::Stale => StatusCode::UNAUTHORIZED,
            PortalError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            PortalError::Forbidden => StatusCode::FORBIDDEN,
            PortalError::EnrollCode => StatusCode::FORBIDDEN,
            PortalError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PortalError::NotFound => StatusCode::NOT_FOUND,
            PortalError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PortalError::IllegalTransition(_) => StatusCode::CONFLICT,
            PortalError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        if let PortalError::Database(e) = &self {
            tracing::error!(error = %e, "database error");
        }
        // Database details stay in the log; the client gets the stable code.
        let message = match &self {
            PortalError::Database(_) => {
                "the portal's database is unavailable; try again later".to_string()
            }
            other => other.to_string(),
        };
        (
            self.status(),
            axum::Json(ApiError {
                code: self.code().to_string(),
                message,
            }),
        )
            .into_response()
    }
}
