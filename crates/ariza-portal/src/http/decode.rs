//! Reading requests in one place: JSON bodies (plain, gzip or zstd), query strings. Every
//! failure becomes a [`PortalError`], so it is answered as `{code, message}` with a documented
//! status instead of the framework's plain-text rejection.

use std::io::Read;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::PortalError;

/// Compressed request bodies up to 16 MiB, decompressed up to 128 MiB.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_DECODED: u64 = 128 * 1024 * 1024;

impl From<JsonRejection> for PortalError {
    fn from(rejection: JsonRejection) -> PortalError {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => PortalError::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                PortalError::UnsupportedMediaType(rejection.body_text())
            }
            _ => PortalError::BadRequest(rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for PortalError {
    fn from(rejection: QueryRejection) -> PortalError {
        PortalError::BadRequest(rejection.body_text())
    }
}

/// A JSON body (`Content-Type: application/json`), refused as `{code, message}`.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = PortalError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// A query string, refused as `{code, message}`.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Refuses a body not declared as JSON, as axum's own `Json` does.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), PortalError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match declared.as_deref() {
        Some("application/json") => Ok(()),
        _ => Err(PortalError::UnsupportedMediaType(
            "expected Content-Type: application/json".into(),
        )),
    }
}

/// Reads a JSON body sent plain, gzip- or zstd-compressed, bounded after decompression.
pub(crate) fn compressed_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, PortalError> {
    require_json(headers)?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    let mut out = Vec::new();
    let read = match encoding {
        "zstd" => zstd::stream::read::Decoder::new(body)
            .map_err(|e| PortalError::BadRequest(e.to_string()))?
            .take(MAX_DECODED + 1)
            .read_to_end(&mut out),
        "gzip" => flate2::read::GzDecoder::new(body)
            .take(MAX_DECODED + 1)
            .read_to_end(&mut out),
        "identity" => {
            out.extend_from_slice(body);
            Ok(out.len())
        }
        other => {
            return Err(PortalError::UnsupportedMediaType(format!(
                "unsupported content-encoding {other}"
            )));
        }
    };
    read.map_err(|e| PortalError::BadRequest(e.to_string()))?;
    if out.len() as u64 > MAX_DECODED {
        return Err(PortalError::TooLarge);
    }
    serde_json::from_slice(&out).map_err(|e| PortalError::BadRequest(e.to_string()))
}
