//! The citizens' status page: a tracking number and the receipt's verification code
//! (`ariza_core::receipt_code`) give the service, the center, the status and the dates — never
//! a name, a PINFL or a document number. A wrong code, an unknown number and an application
//! without a code are one answer, [`PortalError::NotFound`], so the page tells nobody which
//! numbers exist.

use ariza_core::application::Status;
use ariza_core::receipt_code::{ReceiptCode, digest};
use ariza_core::tracking::TrackingNumber;
use chrono::NaiveDate;

use crate::{Portal, PortalError, db};

/// What the status page shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicStatus {
    pub tracking_number: String,
    pub service_code: String,
    pub center_code: String,
    pub center_name: String,
    pub status: Status,
    /// The Tashkent day the portal received it.
    pub received_on: NaiveDate,
    pub due_date: Option<NaiveDate>,
}

pub async fn lookup(
    portal: &Portal,
    tracking: &TrackingNumber,
    code: &ReceiptCode,
) -> Result<PublicStatus, PortalError> {
    let row = db::applications::public_status(&portal.pool.get().await?, tracking.as_str()).await?;
    // The digest is computed whether or not the number is known.
    let offered = digest(tracking.as_str(), code);
    let Some(row) = row else {
        return Err(PortalError::NotFound);
    };
    let matches = row
        .receipt_code_sha256
        .as_deref()
        .is_some_and(|stored| crate::ops::same_secret(stored, &offered));
    if !matches {
        return Err(PortalError::NotFound);
    }
    Ok(PublicStatus {
        tracking_number: tracking.as_str().to_string(),
        service_code: row.service_code,
        center_code: row.center_code,
        center_name: row.center_name,
        // A status the core does not know is corruption, said so, never shown as another.
        status: Status::parse(&row.status).ok_or(PortalError::Corrupt("application.status"))?,
        received_on: row
            .received_at
            .with_timezone(&ariza_core::clock::tashkent())
            .date_naive(),
        due_date: row.due_date,
    })
}

/// What the portal makes of a receipt's seal (`ariza_core::receipt_seal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seal {
    /// Signed by the key of a desk of the receipt's own center, not revoked.
    Verified,
    /// A seal that does not check out: a wrong signature, an unknown or revoked device, or
    /// a device of another center.
    Refused,
}

/// Checks a receipt's seal: the signature over the claim by the named device's key, that
/// device being of the center the tracking number names and not revoked (a revoked key may
/// be in anyone's hands, so it vouches for nothing).
pub async fn verify_seal(
    portal: &Portal,
    claim: &ariza_core::receipt_seal::ReceiptClaim,
    signature: &[u8; 64],
) -> Result<Seal, PortalError> {
    let row = db::devices::key(&portal.pool.get().await?, claim.device_id).await?;
    let Some(row) = row else {
        return Ok(Seal::Refused);
    };
    let center = claim
        .tracking_number
        .as_str()
        .split('-')
        .next()
        .unwrap_or_default();
    let key = row
        .public_key
        .as_deref()
        .and_then(crate::ops::devices::parse_public_key);
    let genuine = match key {
        Some(key) if row.revoked_at.is_none() && row.center_code == center => key
            .verify_strict(
                &claim.signing_input(),
                &ed25519_dalek::Signature::from_bytes(signature),
            )
            .is_ok(),
        _ => false,
    };
    Ok(if genuine {
        Seal::Verified
    } else {
        Seal::Refused
    })
}
