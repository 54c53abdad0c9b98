//! Devices: who is calling (a device signs each request with the Ed25519 key it made at
//! enrollment, `ariza_core::request_signing`), their request rate, and the operators' list
//! and revocation. Checked on every request, with no cache, so a revoked device is refused
//! at once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use ariza_core::request_signing::{
    MAX_SKEW_SECS, SignedParts, legacy_signing_input, signing_input, valid_nonce,
};
use ed25519_dalek::{Signature, VerifyingKey};
use uuid::Uuid;

pub use crate::db::devices::{DeviceHealthRow, DeviceInfo};
use crate::ops::users::PortalUser;
use crate::{Portal, PortalError, db};

/// A device whose request was verified.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: Uuid,
    pub center_code: String,
    /// The key it signs with: its requests, and the head of the audit entries it sends.
    pub key: VerifyingKey,
}

/// A request as signed: the four headers as received (absent ones `None`) and what they cover.
pub struct SignedRequest<'a> {
    pub device: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub parts: SignedParts<'a>,
}

/// Parses a public key as the desk sends it at enrollment: 64 hex digits of a valid point.
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

fn present(v: Option<&str>) -> Result<&str, PortalError> {
    v.map(str::trim).ok_or(PortalError::Unauthorized)
}

/// Verified against for a device the portal does not know, so that an unknown device costs
/// the same time as a known one; the answer is `bad_signature` whatever the outcome.
static NOBODY: std::sync::LazyLock<VerifyingKey> =
    std::sync::LazyLock::new(|| ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key());

/// Verifies a signed device request. The signature is checked first, against the key of the
/// device the request names: until it verifies, an unknown, revoked or stale device answers
/// exactly like a forged request (`bad_signature`), so an outsider learns nothing about
/// device ids. Then the timestamp (within the skew of the portal's clock), the revocation,
/// the nonce (a replay is refused before it spends anything) and last the device's request
/// rate, which only fresh, correctly signed requests spend.
pub async fn authenticate(portal: &Portal, req: &SignedRequest<'_>) -> Result<Device, PortalError> {
    let id = Uuid::parse_str(present(req.device)?).map_err(|_| PortalError::Unauthorized)?;
    let timestamp_ms: i64 = present(req.timestamp)?
        .parse()
        .map_err(|_| PortalError::Unauthorized)?;
    let nonce = present(req.nonce)?;
    if !valid_nonce(nonce) {
        return Err(PortalError::Unauthorized);
    }
    let signature: [u8; 64] = hex::decode(present(req.signature)?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(PortalError::BadSignature)?;
    let signature = Signature::from_bytes(&signature);
    let client = portal.pool.get().await?;
    let row = db::devices::key(&client, id).await?;
    let key = row
        .as_ref()
        .and_then(|r| r.public_key.as_deref())
        .and_then(parse_public_key);
    let verifies = |k: &VerifyingKey| {
        k.verify_strict(&signing_input(&req.parts, timestamp_ms, nonce), &signature)
            .is_ok()
            // Desks from before host and encoding were signed.
            || k.verify_strict(
                &legacy_signing_input(&req.parts, timestamp_ms, nonce),
                &signature,
            )
            .is_ok()
    };
    let (Some(row), Some(key)) = (row, key) else {
        let _same_time = verifies(&NOBODY);
        return Err(PortalError::BadSignature);
    };
    if !verifies(&key) {
        return Err(PortalError::BadSignature);
    }
    if (row.now.timestamp_millis() - timestamp_ms).abs() > MAX_SKEW_SECS * 1000 {
        return Err(PortalError::Stale);
    }
    if row.revoked_at.is_some() {
        return Err(PortalError::Revoked);
    }
    if !db::devices::record_nonce(&client, id, &nonce.to_ascii_lowercase()).await? {
        return Err(PortalError::Replayed);
    }
    if !portal.limiter.allow(id) {
        return Err(PortalError::RateLimited);
    }
    // Nonces older than twice the skew can no longer pass the timestamp check: forget them.
    db::devices::forget_nonces_older_than(&client, (2 * MAX_SKEW_SECS) as f64).await?;
    db::devices::touch_seen(&client, id).await?;
    Ok(Device {
        id,
        center_code: row.center_code,
        key,
    })
}

pub async fn list_devices(portal: &Portal) -> Result<Vec<DeviceInfo>, PortalError> {
    Ok(db::devices::list(&portal.pool.get().await?).await?)
}

/// Revokes a device: its next request is refused, whatever it signs. Whether one was active.
pub async fn revoke_device(
    portal: &Portal,
    device: Uuid,
    actor: &str,
) -> Result<bool, PortalError> {
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let revoked = db::devices::revoke(&tx, device).await?;
    if revoked {
        db::audit::append(&tx, actor, "device.revoke", &device.to_string(), "").await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// Revokes a device for an operator, who may revoke only in their own region: a device
/// elsewhere is not found, as if it did not exist. The device's label (`CENTER-NN`) if it was
/// active, `None` if it was revoked already.
pub async fn revoke_device_as(
    portal: &Portal,
    user: &PortalUser,
    device: Uuid,
) -> Result<Option<String>, PortalError> {
    if !user.is_operator() {
        return Err(PortalError::Forbidden);
    }
    match db::devices::placement(&portal.pool.get().await?, device).await? {
        Some((region, center, number)) if user.sees_region(&region) => {
            Ok(revoke_device(portal, device, &user.username)
                .await?
                .then(|| db::devices::device_label(&center, number)))
        }
        _ => Err(PortalError::NotFound),
    }
}

/// A device on the centers' health page.
#[derive(Debug, Clone)]
pub struct DeviceHealth {
    pub device: DeviceHealthRow,
    /// Whole days since it was last heard from (since enrollment if never).
    pub days_silent: i64,
    /// Active and not heard from for the days the page asked about.
    pub silent: bool,
}

/// Every device the operator may see, those not heard from for `silent_days` or more first
/// (the longest silent at the top), then the rest by center, revoked ones last.
pub async fn health(
    portal: &Portal,
    user: &PortalUser,
    silent_days: i64,
) -> Result<Vec<DeviceHealth>, PortalError> {
    if !user.is_operator() {
        return Err(PortalError::Forbidden);
    }
    let rows = db::devices::health(&portal.pool.get().await?, user.region.as_deref()).await?;
    let mut devices: Vec<DeviceHealth> = rows
        .into_iter()
        .map(|d| {
            let last = d.last_seen_at.unwrap_or(d.enrolled_at);
            let days_silent = (d.now - last).num_days().max(0);
            DeviceHealth {
                silent: d.revoked_at.is_none() && days_silent >= silent_days,
                days_silent,
                device: d,
            }
        })
        .collect();
    // Stable: within each group the database's order (center, number) stays.
    devices.sort_by_key(|d| {
        let group = if d.device.revoked_at.is_some() {
            2
        } else if d.silent {
            0
        } else {
            1
        };
        (group, if d.silent { -d.days_silent } else { 0 })
    });
    Ok(devices)
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
