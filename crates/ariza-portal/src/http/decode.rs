//! Reading requests in one place: JSON bodies (plain, gzip or zstd), query strings. Every
//! failure becomes a [`PortalError`], so it is answered as `{code, message}` with a documented
//! status instead of the framework's plain-text rejection.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::PortalError;

/// Compressed request bodies up to 16 MiB, decompressed up to 128 MiB.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_DECODED: u64 = 128 * 1024 * 1024;

impl From<BytesRejection> for PortalError {
    fn from(rejection: BytesRejection) -> PortalError {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PortalError::TooLarge
        } else {
            PortalError::BadRequest(rejection.body_text())
        }
    }
}

impl From<QueryRejection> for PortalError {
    fn from(rejection: QueryRejection) -> PortalError {
        PortalError::BadRequest(rejection.body_text())
    }
}

/// A JSON body (`Content-Type: application/json`; plain, gzip or zstd), refused as
/// `{code, message}`.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = PortalError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state).await?;
        Ok(ApiJson(compressed_json(&headers, &bytes)?))
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

impl From<PathRejection> for PortalError {
    fn from(rejection: PathRejection) -> PortalError {
        PortalError::BadRequest(rejection.body_text())
    }
}

/// A path parameter, refused as `{code, message}`.
pub(crate) struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(ApiPath(value))
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
    if has_nul_escape(&out) {
        return Err(PortalError::BadRequest(
            "text may not contain NUL characters (\\u0000)".into(),
        ));
    }
    match serde_json::from_slice(&out) {
        Ok(value) => Ok(value),
        // JSON Schema counts `5.0` as an integer, serde does not: only when reading failed,
        // whole-number floats are read as integers and the body read again.
        Err(e) => serde_json::from_slice::<serde_json::Value>(&out)
            .ok()
            .map(whole_floats_as_integers)
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| PortalError::BadRequest(e.to_string())),
    }
}

fn whole_floats_as_integers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => {
            Value::Array(items.into_iter().map(whole_floats_as_integers).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, whole_floats_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Whether JSON text holds a NUL character, which PostgreSQL cannot store in text or jsonb:
/// refused here as a bad request rather than failing in the database as a 503. In valid JSON
/// a NUL can only be written `\u0000`, and a backslash always starts a two-character escape,
/// so skipping each escape's second character tells `\\u0000` (a backslash, then text) apart.
fn has_nul_escape(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1) == Some(&b'u')
                && json
                    .get(i + 2..i + 6)
                    .is_some_and(|h| h.eq_ignore_ascii_case(b"0000"))
            {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_nul_escape;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(has_nul_escape(br#"{"a":"x\u0000"}"#));
        assert!(has_nul_escape(br#"{"\u0000":1}"#));
        assert!(!has_nul_escape(br#"{"a":"\\u0000"}"#));
        assert!(has_nul_escape(br#"{"a":"\\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"a":"\u00e9","b":"\n"}"#));
    }
}
