//! One-time enrollment codes, kept as SHA-256 hashes.

use chrono::{DateTime, Utc};
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::{GenericClient, Transaction};

pub(crate) async fn insert_code(
    db: &impl GenericClient,
    code_sha256: &str,
    center: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO enroll_code (code_sha256, center_code, expires_at) VALUES ($1, $2, $3)",
        )
        .await?;
    db.execute(&statement, &[&code_sha256, &center, &expires_at])
        .await?;
    Ok(())
}

/// The center of an unused, unexpired code, locked until the transaction ends.
pub(crate) async fn lock_usable(
    tx: &Transaction<'_>,
    code_sha256: &str,
) -> Result<Option<String>, Error> {
    let statement = tx
        .prepare_cached(
            "SELECT center_code FROM enroll_code
         WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
        )
        .await?;
    tx.query_opt(&statement, &[&code_sha256])
        .await?
        .map(|row| row.try_get("center_code"))
        .transpose()
}

pub(crate) async fn mark_used(
    db: &impl GenericClient,
    code_sha256: &str,
    device: Uuid,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "UPDATE enroll_code SET used_at = now(), device_id = $2 WHERE code_sha256 = $1",
        )
        .await?;
    db.execute(&statement, &[&code_sha256, &device]).await?;
    Ok(())
}

/// The device a used code enrolled, for answering that device's retry the same way.
pub(crate) struct EnrolledByCode {
    pub device_id: Uuid,
    pub center_code: String,
    pub device_number: i32,
    pub public_key: Option<String>,
    pub revoked: bool,
}

impl EnrolledByCode {
    fn from_row(row: &Row) -> Result<EnrolledByCode, Error> {
        Ok(EnrolledByCode {
            device_id: row.try_get("device_id")?,
            center_code: row.try_get("center_code")?,
            device_number: row.try_get("device_number")?,
            public_key: row.try_get("public_key")?,
            revoked: row.try_get("revoked")?,
        })
    }
}

pub(crate) async fn enrolled_by(
    db: &impl GenericClient,
    code_sha256: &str,
) -> Result<Option<EnrolledByCode>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT d.id AS device_id, d.center_code, d.device_number, d.public_key,
                d.revoked_at IS NOT NULL AS revoked
         FROM enroll_code c JOIN device d ON d.id = c.device_id
         WHERE c.code_sha256 = $1 AND c.used_at IS NOT NULL",
        )
        .await?;
    db.query_opt(&statement, &[&code_sha256])
        .await?
        .map(|row| EnrolledByCode::from_row(&row))
        .transpose()
}
