//! Each center's change feed: decisions, catalog versions and staff accounts, in `seq` order.

use chrono::{DateTime, Utc};
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::GenericClient;

/// Puts the newest published catalog (if any) on one center's feed.
pub(crate) async fn newest_catalog_to(db: &impl GenericClient, center: &str) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO change (center_code, kind, payload, actor)
         SELECT $1, 'catalog', body, 'portal' FROM catalog_version ORDER BY version DESC LIMIT 1",
        )
        .await?;
    db.execute(&statement, &[&center]).await?;
    Ok(())
}

/// Puts a catalog on every center's feed.
pub(crate) async fn catalog_to_all(
    db: &impl GenericClient,
    body: &serde_json::Value,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO change (center_code, kind, payload, actor) SELECT code, 'catalog', $1, 'portal' FROM center",
        )
        .await?;
    db.execute(&statement, &[&body]).await?;
    Ok(())
}

pub(crate) async fn staff(
    db: &impl GenericClient,
    center: &str,
    payload: &serde_json::Value,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO change (center_code, kind, payload, actor) VALUES ($1, 'staff', $2, 'portal')",
        )
        .await?;
    db.execute(&statement, &[&center, &payload]).await?;
    Ok(())
}

pub(crate) async fn decision(
    db: &impl GenericClient,
    center: &str,
    application: Uuid,
    status: &str,
    reason: Option<&str>,
    actor: &str,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO change (center_code, kind, application_id, status, reason, actor)
         VALUES ($1, 'decision', $2, $3, $4, $5)",
        )
        .await?;
    db.execute(
        &statement,
        &[&center, &application, &status, &reason, &actor],
    )
    .await?;
    Ok(())
}

/// One stored feed entry.
pub(crate) struct ChangeRow {
    pub seq: i64,
    pub kind: String,
    pub application_id: Option<Uuid>,
    pub status: Option<String>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub payload: Option<serde_json::Value>,
}

impl ChangeRow {
    fn from_row(row: &Row) -> Result<ChangeRow, Error> {
        Ok(ChangeRow {
            seq: row.try_get("seq")?,
            kind: row.try_get("kind")?,
            application_id: row.try_get("application_id")?,
            status: row.try_get("status")?,
            reason: row.try_get("reason")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            payload: row.try_get("payload")?,
        })
    }
}

/// A center's entries after `after`, oldest first.
pub(crate) async fn since(
    db: &impl GenericClient,
    center: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT seq, kind, application_id, status, reason, at, actor, payload FROM change
         WHERE center_code = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .await?;
    db.query(&statement, &[&center, &after, &limit])
        .await?
        .iter()
        .map(ChangeRow::from_row)
        .collect()
}
