//! Who is calling: a device proves itself by signing each request with the Ed25519 key it
//! made at enrollment (`ariza_core::request_signing`). Checked on every request, with no
//! cache, so a revoked device is refused at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use ariza_core::request_signing::{
    DEVICE_HEADER, MAX_SKEW_SECS, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signing_input,
    valid_nonce,
};
use axum::http::{HeaderMap, Method, Uri};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use uuid::Uuid;

use crate::{Portal, PortalError};

/// center, public key, revoked at, the portal's now.
type DeviceRow = (String, Option<String>, Option<DateTime<Utc>>, DateTime<Utc>);

pub(crate) struct Device {
    pub id: Uuid,
    pub center_code: String,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, PortalError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or(PortalError::Unauthorized)
}

/// Parses a public key as the desk sends it at enrollment: 64 hex digits of a valid point.
pub(crate) fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Verifies a signed device request: known and not revoked device, a timestamp within the
/// skew of the portal's clock, a valid signature over method, path, body and nonce, a nonce
/// not seen before, and the device's request rate.
pub(crate) async fn device(
    portal: &Portal,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Device, PortalError> {
    let id =
        Uuid::parse_str(header(headers, DEVICE_HEADER)?).map_err(|_| PortalError::Unauthorized)?;
    let timestamp_ms: i64 = header(headers, TIMESTAMP_HEADER)?
        .parse()
        .map_err(|_| PortalError::Unauthorized)?;
    let nonce = header(headers, NONCE_HEADER)?;
    if !valid_nonce(nonce) {
        return Err(PortalError::Unauthorized);
    }
    let signature: [u8; 64] = hex::decode(header(headers, SIGNATURE_HEADER)?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(PortalError::BadSignature)?;
    let row: Option<DeviceRow> = sqlx::query_as(
        "SELECT center_code, public_key, revoked_at, now() FROM device WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&portal.pool)
    .await?;
    let Some((center_code, public_key, revoked_at, now)) = row else {
        return Err(PortalError::Unauthorized);
    };
    if revoked_at.is_some() {
        return Err(PortalError::Revoked);
    }
    let key = public_key
        .as_deref()
        .and_then(parse_public_key)
        .ok_or(PortalError::Unauthorized)?;
    if (now.timestamp_millis() - timestamp_ms).abs() > MAX_SKEW_SECS * 1000 {
        return Err(PortalError::Stale);
    }
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let input = signing_input(method.as_str(), path, body, timestamp_ms, nonce);
    key.verify_strict(&input, &Signature::from_bytes(&signature))
        .map_err(|_| PortalError::BadSignature)?;
    // Only a correctly signed request spends the device's rate and records its nonce, so
    // forgeries cannot exhaust a real device's allowance.
    if !portal.limiter.allow(id) {
        return Err(PortalError::RateLimited);
    }
    let fresh = sqlx::query(
        "INSERT INTO device_nonce (device_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(nonce.to_ascii_lowercase())
    .execute(&portal.pool)
    .await?
    .rows_affected();
    if fresh == 0 {
        return Err(PortalError::Replayed);
    }
    // Nonces older than twice the skew can no longer pass the timestamp check: forget them.
    // A few rows per request, by index.
    sqlx::query(
        "DELETE FROM device_nonce WHERE ctid IN (SELECT ctid FROM device_nonce
         WHERE seen_at < now() - make_interval(secs => $1) LIMIT 100)",
    )
    .bind((2 * MAX_SKEW_SECS) as f64)
    .execute(&portal.pool)
    .await?;
    Ok(Device { id, center_code })
}

/// Per-device token buckets: `burst` requests at once, refilled at `per_minute`.
pub struct RateLimiter {
    per_minute: f64,
    burst: f64,
    buckets: Mutex<HashMap<Uuid, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            per_minute: f64::from(per_minute),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn allow(&self, device: Uuid) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = buckets.entry(device).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_minute / 60.0;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_refuses() {
        let limiter = RateLimiter::new(60, 3);
        let d = Uuid::nil();
        assert!(limiter.allow(d) && limiter.allow(d) && limiter.allow(d));
        assert!(!limiter.allow(d));
        // Another device has its own bucket.
        assert!(limiter.allow(Uuid::from_u128(1)));
    }
}
