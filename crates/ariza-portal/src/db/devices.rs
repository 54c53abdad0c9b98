//! Enrolled devices and the nonces of their signed requests.

use chrono::{DateTime, Utc};
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::GenericClient;

/// What authenticating a request needs of its device, with the database's clock.
pub(crate) struct DeviceKeyRow {
    pub center_code: String,
    pub public_key: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

impl DeviceKeyRow {
    fn from_row(row: &Row) -> Result<DeviceKeyRow, Error> {
        Ok(DeviceKeyRow {
            center_code: row.try_get("center_code")?,
            public_key: row.try_get("public_key")?,
            revoked_at: row.try_get("revoked_at")?,
            now: row.try_get("now")?,
        })
    }
}

pub(crate) async fn key(db: &impl GenericClient, id: Uuid) -> Result<Option<DeviceKeyRow>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT center_code, public_key, revoked_at, now() AS now FROM device WHERE id = $1",
        )
        .await?;
    db.query_opt(&statement, &[&id])
        .await?
        .as_ref()
        .map(DeviceKeyRow::from_row)
        .transpose()
}

/// Records a nonce; false if the device used it before.
pub(crate) async fn record_nonce(
    db: &impl GenericClient,
    device: Uuid,
    nonce: &str,
) -> Result<bool, Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO device_nonce (device_id, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .await?;
    Ok(db.execute(&statement, &[&device, &nonce]).await? == 1)
}

/// Forgets up to 100 nonces older than `secs` (a few rows per request, by index).
pub(crate) async fn forget_nonces_older_than(
    db: &impl GenericClient,
    secs: f64,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "DELETE FROM device_nonce WHERE ctid IN (SELECT ctid FROM device_nonce
         WHERE seen_at < now() - make_interval(secs => $1) LIMIT 100)",
        )
        .await?;
    db.execute(&statement, &[&secs]).await?;
    Ok(())
}

/// The next device number of a center (1, 2, …).
pub(crate) async fn next_number(db: &impl GenericClient, center: &str) -> Result<i32, Error> {
    let statement = db
        .prepare_cached(
            "SELECT COALESCE(MAX(device_number), 0) + 1 FROM device WHERE center_code = $1",
        )
        .await?;
    db.query_one(&statement, &[&center]).await?.try_get(0)
}

pub(crate) async fn insert(
    db: &impl GenericClient,
    id: Uuid,
    center: &str,
    number: i32,
    name: &str,
    public_key: &str,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO device (id, center_code, device_number, name, public_key) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    db.execute(&statement, &[&id, &center, &number, &name, &public_key])
        .await?;
    Ok(())
}

/// An enrolled device as operators see it.
#[derive(Debug)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub center_code: String,
    pub device_number: i32,
    pub name: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl DeviceInfo {
    fn from_row(row: &Row) -> Result<DeviceInfo, Error> {
        Ok(DeviceInfo {
            id: row.try_get("id")?,
            center_code: row.try_get("center_code")?,
            device_number: row.try_get("device_number")?,
            name: row.try_get("name")?,
            revoked_at: row.try_get("revoked_at")?,
        })
    }
}

pub(crate) async fn list(db: &impl GenericClient) -> Result<Vec<DeviceInfo>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT id, center_code, device_number, name, revoked_at FROM device ORDER BY center_code, device_number",
        )
        .await?;
    db.query(&statement, &[])
        .await?
        .iter()
        .map(DeviceInfo::from_row)
        .collect()
}

/// Revokes an active device; whether one was.
pub(crate) async fn revoke(db: &impl GenericClient, id: Uuid) -> Result<bool, Error> {
    let statement = db
        .prepare_cached("UPDATE device SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .await?;
    Ok(db.execute(&statement, &[&id]).await? > 0)
}

/// Notes that the device was heard from: written at most once a minute, so a busy desk costs
/// one indexed read per request, not a write.
pub(crate) async fn touch_seen(db: &impl GenericClient, id: Uuid) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "UPDATE device SET last_seen_at = now() WHERE id = $1
             AND (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')",
        )
        .await?;
    db.execute(&statement, &[&id]).await?;
    Ok(())
}

/// A push (or bundle) stored `count` new applications from the device.
pub(crate) async fn record_delivery(
    db: &impl GenericClient,
    id: Uuid,
    count: i32,
    at: DateTime<Utc>,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "UPDATE device SET last_delivered_at = $2, last_delivered_count = $3 WHERE id = $1",
        )
        .await?;
    db.execute(&statement, &[&id, &at, &count]).await?;
    Ok(())
}

/// What the desk says is still waiting in its outbox.
pub(crate) async fn record_backlog(
    db: &impl GenericClient,
    id: Uuid,
    backlog: i32,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "UPDATE device SET reported_backlog = $2, backlog_reported_at = now() WHERE id = $1",
        )
        .await?;
    db.execute(&statement, &[&id, &backlog]).await?;
    Ok(())
}

/// A device as the centers' health page shows it, with the database's clock.
#[derive(Debug, Clone)]
pub struct DeviceHealthRow {
    pub id: Uuid,
    pub center_code: String,
    pub center_name: String,
    pub region: String,
    pub device_number: i32,
    pub name: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_delivered_at: Option<DateTime<Utc>>,
    pub last_delivered_count: Option<i32>,
    pub reported_backlog: Option<i32>,
    pub backlog_reported_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// How people name a device: its center and number (`TSH07-02`).
pub fn device_label(center_code: &str, device_number: i32) -> String {
    format!("{center_code}-{device_number:02}")
}

impl DeviceHealthRow {
    pub fn label(&self) -> String {
        device_label(&self.center_code, self.device_number)
    }

    fn from_row(row: &Row) -> Result<DeviceHealthRow, Error> {
        Ok(DeviceHealthRow {
            id: row.try_get("id")?,
            center_code: row.try_get("center_code")?,
            center_name: row.try_get("center_name")?,
            region: row.try_get("region")?,
            device_number: row.try_get("device_number")?,
            name: row.try_get("name")?,
            enrolled_at: row.try_get("enrolled_at")?,
            revoked_at: row.try_get("revoked_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            last_delivered_at: row.try_get("last_delivered_at")?,
            last_delivered_count: row.try_get("last_delivered_count")?,
            reported_backlog: row.try_get("reported_backlog")?,
            backlog_reported_at: row.try_get("backlog_reported_at")?,
            now: row.try_get("now")?,
        })
    }
}

/// Every device with its center, in one region or the nation, by center and number.
pub(crate) async fn health(
    db: &impl GenericClient,
    region: Option<&str>,
) -> Result<Vec<DeviceHealthRow>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT d.id, d.center_code, c.name AS center_name, c.region, d.device_number, d.name,
                    d.enrolled_at, d.revoked_at, d.last_seen_at, d.last_delivered_at,
                    d.last_delivered_count, d.reported_backlog, d.backlog_reported_at, now() AS now
             FROM device d JOIN center c ON c.code = d.center_code
             WHERE $1::text IS NULL OR c.region = $1
             ORDER BY d.center_code, d.device_number",
        )
        .await?;
    db.query(&statement, &[&region])
        .await?
        .iter()
        .map(DeviceHealthRow::from_row)
        .collect()
}

/// Where a device is: its center's region, its center and its number, if it exists.
pub(crate) async fn placement(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<(String, String, i32)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT c.region, d.center_code, d.device_number
             FROM device d JOIN center c ON c.code = d.center_code WHERE d.id = $1",
        )
        .await?;
    db.query_opt(&statement, &[&id])
        .await?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}
