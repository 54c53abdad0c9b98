//! Enrollment: an operator makes a one-time code for a center; a desk trades it, with the
//! public key it made, for a device id and its center.

use ariza_core::wire::{EnrollRequest, EnrollResponse, WireCenter};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::ops::devices::parse_public_key;
use crate::ops::users::PortalUser;
use crate::ops::{random_hex, sha256_hex};
use crate::{Portal, PortalError, db};

/// A one-time code for one new device of `center`, valid for `hours`. Only its hash is kept.
pub async fn new_enroll_code(
    portal: &Portal,
    center: &str,
    hours: i64,
) -> Result<String, PortalError> {
    Ok(issue(portal, center, hours, "operator").await?.code)
}

/// An enrollment code as issued: shown once, never stored.
#[derive(Debug, Clone)]
pub struct IssuedCode {
    pub code: String,
    pub center: WireCenter,
    pub expires_at: DateTime<Utc>,
}

/// The longest an enrollment code may live: long enough to carry to a district by road.
pub const MAX_CODE_HOURS: i64 = 24 * 7;

/// A code issued by an operator, for a center of their region only (a center elsewhere is
/// not found).
pub async fn issue_enroll_code_as(
    portal: &Portal,
    user: &PortalUser,
    center: &str,
    hours: i64,
) -> Result<IssuedCode, PortalError> {
    if !user.is_operator() {
        return Err(PortalError::Forbidden);
    }
    if !(1..=MAX_CODE_HOURS).contains(&hours) {
        return Err(PortalError::BadRequest(format!(
            "a code lives 1 to {MAX_CODE_HOURS} hours"
        )));
    }
    let code = center.trim().to_uppercase();
    let centers = db::centers::list(&portal.pool.get().await?, user.region.as_deref()).await?;
    if !centers.iter().any(|c| c.code == code) {
        return Err(PortalError::NotFound);
    }
    issue(portal, &code, hours, &user.username).await
}

async fn issue(
    portal: &Portal,
    center: &str,
    hours: i64,
    actor: &str,
) -> Result<IssuedCode, PortalError> {
    // 16 hex characters, grouped for reading aloud over the phone.
    let raw = random_hex(8).to_uppercase();
    let code = format!(
        "{}-{}-{}-{}",
        &raw[0..4],
        &raw[4..8],
        &raw[8..12],
        &raw[12..16]
    );
    let center_code = center.trim().to_uppercase();
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let expires_at = db::now(&tx).await? + Duration::hours(hours);
    db::enrollment::insert_code(&tx, &sha256_hex(code.as_bytes()), &center_code, expires_at)
        .await?;
    let center = db::centers::lock(&tx, &center_code).await?;
    db::audit::append(&tx, actor, "enroll_code.issue", &center_code, "").await?;
    tx.commit().await?;
    tracing::info!(center = %center_code, hours, "enrollment code issued");
    Ok(IssuedCode {
        code,
        center,
        expires_at,
    })
}

/// Trades a one-time enrollment code for a device credential and the device's center. The
/// same code with the same public key answers the same again (a retry whose first answer was
/// lost).
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
    let public_key = req.public_key.trim().to_ascii_lowercase();
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(center_code) = db::enrollment::lock_usable(&tx, &code_sha256).await? else {
        // The answer to an enrollment can be lost after the portal committed it (a reset
        // link): the same desk asks again with the same code and the same key, and gets the
        // same answer instead of "code already used". Any other key is refused as before;
        // the answer names nothing secret (the device signs with its own private key).
        return match db::enrollment::enrolled_by(&tx, &code_sha256).await? {
            Some(d) if !d.revoked && d.public_key.as_deref() == Some(public_key.as_str()) => {
                let center = db::centers::lock(&tx, &d.center_code).await?;
                if let Some(recipient) = desk_recipient(req)? {
                    db::bundles::set_device_recipient(&tx, d.device_id, &recipient).await?;
                }
                tx.commit().await?;
                tracing::info!(device = %d.device_id, "enrollment answered again");
                Ok(EnrollResponse {
                    device_id: d.device_id,
                    device_number: d.device_number as u32,
                    center,
                    bundle_keys: Some(crate::ops::bundles::published_keys(portal).await?),
                })
            }
            _ => Err(PortalError::EnrollCode),
        };
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
        &public_key,
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
    if let Some(recipient) = desk_recipient(req)? {
        db::bundles::set_device_recipient(&tx, id, &recipient).await?;
    }
    tx.commit().await?;
    tracing::info!(device = %id, center = %center_code, "device enrolled");
    Ok(EnrollResponse {
        device_id: id,
        device_number: number as u32,
        center,
        bundle_keys: Some(crate::ops::bundles::published_keys(portal).await?),
    })
}

/// The desk's recipient for USB bundles, if it sent one: an age X25519 recipient.
fn desk_recipient(req: &EnrollRequest) -> Result<Option<String>, PortalError> {
    match req.bundle_recipient.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(r)
            if r.starts_with("age1")
                && r.len() < 100
                && r.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Ok(Some(r.to_string()))
        }
        Some(_) => Err(PortalError::BadRequest(
            "bundle_recipient is an age X25519 recipient (age1…)".into(),
        )),
    }
}
