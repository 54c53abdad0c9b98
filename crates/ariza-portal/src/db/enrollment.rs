//! One-time enrollment codes, kept as SHA-256 hashes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

pub(crate) async fn insert_code(
    db: impl PgExecutor<'_>,
    code_sha256: &str,
    center: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO enroll_code (code_sha256, center_code, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(code_sha256)
    .bind(center)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The center of an unused, unexpired code, locked until the transaction ends.
pub(crate) async fn lock_usable(
    conn: &mut PgConnection,
    code_sha256: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT center_code FROM enroll_code
         WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
    )
    .bind(code_sha256)
    .fetch_optional(conn)
    .await
}

pub(crate) async fn mark_used(
    conn: &mut PgConnection,
    code_sha256: &str,
    device: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE enroll_code SET used_at = now(), device_id = $2 WHERE code_sha256 = $1")
        .bind(code_sha256)
        .bind(device)
        .execute(conn)
        .await?;
    Ok(())
}

/// The device a used code enrolled, for answering that device's retry the same way.
#[derive(sqlx::FromRow)]
pub(crate) struct EnrolledByCode {
    pub device_id: Uuid,
    pub center_code: String,
    pub device_number: i32,
    pub public_key: Option<String>,
    pub revoked: bool,
}

pub(crate) async fn enrolled_by(
    conn: &mut PgConnection,
    code_sha256: &str,
) -> Result<Option<EnrolledByCode>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id AS device_id, d.center_code, d.device_number, d.public_key,
                d.revoked_at IS NOT NULL AS revoked
         FROM enroll_code c JOIN device d ON d.id = c.device_id
         WHERE c.code_sha256 = $1 AND c.used_at IS NOT NULL",
    )
    .bind(code_sha256)
    .fetch_optional(conn)
    .await
}
