//! Enrolled devices and the nonces of their signed requests.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// What authenticating a request needs of its device, with the database's clock.
#[derive(sqlx::FromRow)]
pub(crate) struct DeviceKeyRow {
    pub center_code: String,
    pub public_key: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

pub(crate) async fn key(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<DeviceKeyRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT center_code, public_key, revoked_at, now() AS now FROM device WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Records a nonce; false if the device used it before.
pub(crate) async fn record_nonce(
    db: impl PgExecutor<'_>,
    device: Uuid,
    nonce: &str,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO device_nonce (device_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(device)
    .bind(nonce)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Forgets up to 100 nonces older than `secs` (a few rows per request, by index).
pub(crate) async fn forget_nonces_older_than(
    db: impl PgExecutor<'_>,
    secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM device_nonce WHERE ctid IN (SELECT ctid FROM device_nonce
         WHERE seen_at < now() - make_interval(secs => $1) LIMIT 100)",
    )
    .bind(secs)
    .execute(db)
    .await?;
    Ok(())
}

/// The next device number of a center (1, 2, …).
pub(crate) async fn next_number(conn: &mut PgConnection, center: &str) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COALESCE(MAX(device_number), 0) + 1 FROM device WHERE center_code = $1",
    )
    .bind(center)
    .fetch_one(conn)
    .await
}

pub(crate) async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    center: &str,
    number: i32,
    name: &str,
    public_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO device (id, center_code, device_number, name, public_key) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(center)
    .bind(number)
    .bind(name)
    .bind(public_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// An enrolled device as operators see it.
#[derive(Debug, sqlx::FromRow)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub center_code: String,
    pub device_number: i32,
    pub name: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub(crate) async fn list(db: impl PgExecutor<'_>) -> Result<Vec<DeviceInfo>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, center_code, device_number, name, revoked_at FROM device ORDER BY center_code, device_number",
    )
    .fetch_all(db)
    .await
}

/// Revokes an active device; whether one was.
pub(crate) async fn revoke(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let n =
        sqlx::query("UPDATE device SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(n > 0)
}
