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
