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
