//! USB bundles: the portal's keys, devices' keys and feed cursors, imports, and what a
//! center's return bundle says the portal holds.

use tokio_postgres::Error;
use uuid::Uuid;

use super::{GenericClient, Transaction};

/// One of the portal's bundle keys.
pub(crate) struct BundleKeyRow {
    pub reader_recipient: String,
    pub signing_secret: String,
    pub signing_public: String,
}

/// The current key (the newest not retired), if any.
pub(crate) async fn current_key(db: &impl GenericClient) -> Result<Option<BundleKeyRow>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT reader_recipient, signing_secret, signing_public FROM bundle_key
             WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .await?;
    db.query_opt(&statement, &[])
        .await?
        .map(|r| {
            Ok(BundleKeyRow {
                reader_recipient: r.try_get(0)?,
                signing_secret: r.try_get(1)?,
                signing_public: r.try_get(2)?,
            })
        })
        .transpose()
}

/// The secrets that may open a desk's bundle: the current key's and those retired but not
/// forgotten, newest first.
pub(crate) async fn reader_secrets(db: &impl GenericClient) -> Result<Vec<String>, Error> {
    let statement = db
        .prepare_cached("SELECT reader_secret FROM bundle_key ORDER BY id DESC")
        .await?;
    db.query(&statement, &[])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}

/// Retires every key and adds a new current one. Serialized by a lock on the table, so two
/// rotations at once leave one current key.
pub(crate) async fn rotate(
    tx: &Transaction<'_>,
    reader: (&str, &str),
    signing: (&str, &str),
) -> Result<i32, Error> {
    tx.batch_execute("LOCK TABLE bundle_key IN EXCLUSIVE MODE")
        .await?;
    let retire = tx
        .prepare_cached("UPDATE bundle_key SET retired_at = now() WHERE retired_at IS NULL")
        .await?;
    tx.execute(&retire, &[]).await?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO bundle_key (reader_secret, reader_recipient, signing_secret, signing_public)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .await?;
    tx.query_one(&insert, &[&reader.0, &reader.1, &signing.0, &signing.1])
        .await?
        .try_get(0)
}

/// Forgets retired keys: bundles sealed to them open nothing any more. Returns how many.
pub(crate) async fn forget_retired(db: &impl GenericClient) -> Result<u64, Error> {
    let statement = db
        .prepare_cached("DELETE FROM bundle_key WHERE retired_at IS NOT NULL")
        .await?;
    db.execute(&statement, &[]).await
}

pub(crate) async fn set_device_recipient(
    db: &impl GenericClient,
    device: Uuid,
    recipient: &str,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached("UPDATE device SET bundle_recipient = $2 WHERE id = $1")
        .await?;
    db.execute(&statement, &[&device, &recipient]).await?;
    Ok(())
}

/// Records the feed cursor a device acknowledged by asking for what follows it.
pub(crate) async fn record_feed_cursor(
    db: &impl GenericClient,
    device: Uuid,
    after: i64,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached("UPDATE device SET feed_cursor = $2 WHERE id = $1 AND feed_cursor < $2")
        .await?;
    db.execute(&statement, &[&device, &after]).await?;
    Ok(())
}

/// A center's devices not revoked: (id, the recipient of its bundles, its feed cursor).
pub(crate) async fn center_devices(
    db: &impl GenericClient,
    center: &str,
) -> Result<Vec<(Uuid, Option<String>, i64)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT id, bundle_recipient, feed_cursor FROM device
             WHERE center_code = $1 AND revoked_at IS NULL ORDER BY device_number",
        )
        .await?;
    db.query(&statement, &[&center])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Records an import; false if the bundle was imported before.
pub(crate) async fn record_import(
    tx: &Transaction<'_>,
    bundle: Uuid,
    device: Uuid,
    summary: &str,
) -> Result<bool, Error> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO bundle_import (id, device_id, summary) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .await?;
    Ok(tx
        .execute(&statement, &[&bundle, &device, &summary])
        .await?
        == 1)
}

/// A device's applications the portal holds, received in the last `days` days: (id, due).
pub(crate) async fn received_from(
    db: &impl GenericClient,
    device: Uuid,
    days: i32,
) -> Result<Vec<(Uuid, Option<chrono::NaiveDate>)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT id, due_date FROM application
             WHERE device_id = $1 AND received_at > now() - make_interval(days => $2)
             ORDER BY received_at",
        )
        .await?;
    db.query(&statement, &[&device, &days])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// The documents the portal holds whole of a device's applications received in the last
/// `days` days: (application, SHA-256).
pub(crate) async fn documents_from(
    db: &impl GenericClient,
    device: Uuid,
    days: i32,
) -> Result<Vec<(Uuid, String)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT d.application_id, d.sha256 FROM application_document d
             JOIN application a ON a.id = d.application_id
             WHERE a.device_id = $1 AND a.received_at > now() - make_interval(days => $2)
               AND d.arrived_at IS NOT NULL",
        )
        .await?;
    db.query(&statement, &[&device, &days])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
