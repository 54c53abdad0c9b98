//! One-time enrollment codes, kept as SHA-256 hashes.

use chrono::{DateTime, Utc};
use tokio_postgres::Error;
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
