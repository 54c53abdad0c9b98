//! Enrollment: an operator makes a one-time code for a center; a desk trades it, with the
//! public key it made, for a device id and its center.

use ariza_core::wire::{EnrollRequest, EnrollResponse};
use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::ops::devices::parse_public_key;
use crate::ops::{random_hex, sha256_hex};
use crate::{Portal, PortalError, db};

/// A one-time code for one new device of `center`, valid for `hours`. Only its hash is kept.
pub async fn new_enroll_code(
    portal: &Portal,
    center: &str,
    hours: i64,
) -> Result<String, PortalError> {
    // 16 hex characters, grouped for reading aloud over the phone.
    let raw = random_hex(8).to_uppercase();
    let code = format!(
        "{}-{}-{}-{}",
        &raw[0..4],
        &raw[4..8],
        &raw[8..12],
        &raw[12..16]
    );
    db::enrollment::insert_code(
        &portal.pool.get().await?,
        &sha256_hex(code.as_bytes()),
        &center.trim().to_uppercase(),
        Utc::now() + Duration::hours(hours),
    )
    .await?;
    Ok(code)
}

/// Trades a one-time enrollment code for a device credential and the device's center.
pub async fn enroll(portal: &Portal, req: &EnrollRequest) -> Result<EnrollResponse, PortalError> {
    if parse_public_key(&req.public_key).is_none() {
        return Err(PortalError::BadRequest(
            "public_key is an Ed25519 public key, 64 hex digits".into(),
        ));
    }
    if req.code.chars().count() > 64 || req.device_name.chars().count() > 100 {
        return Err(PortalError::BadRequest(
            "code or device_name too long".into(),
        ));
    }
    let code_sha256 = sha256_hex(req.code.trim().to_uppercase().as_bytes());
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(center_code) = db::enrollment::lock_usable(&tx, &code_sha256).await? else {
        return Err(PortalError::EnrollCode);
    };
    let center = db::centers::lock(&tx, &center_code).await?;
    let number = db::devices::next_number(&tx, &center_code).await?;
    let id = Uuid::now_v7();
    db::devices::insert(
        &tx,
        id,
        &center_code,
        number,
        req.device_name.trim(),
        &req.public_key.trim().to_ascii_lowercase(),
    )
    .await?;
    db::audit::append(
        &tx,
        "device",
        "device.enroll",
        &id.to_string(),
        &center_code,
    )
    .await?;
    db::enrollment::mark_used(&tx, &code_sha256, id).await?;
    tx.commit().await?;
    tracing::info!(device = %id, center = %center_code, "device enrolled");
    Ok(EnrollResponse {
        device_id: id,
        device_number: number as u32,
        center,
    })
}
