//! Each center's change feed: decisions, catalog versions and staff accounts, in `seq` order.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Puts the newest published catalog (if any) on one center's feed.
pub(crate) async fn newest_catalog_to(
    conn: &mut PgConnection,
    center: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO change (center_code, kind, payload, actor)
         SELECT $1, 'catalog', body, 'portal' FROM catalog_version ORDER BY version DESC LIMIT 1",
    )
    .bind(center)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a catalog on every center's feed.
pub(crate) async fn catalog_to_all(
    conn: &mut PgConnection,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO change (center_code, kind, payload, actor) SELECT code, 'catalog', $1, 'portal' FROM center",
    )
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn staff(
    conn: &mut PgConnection,
    center: &str,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO change (center_code, kind, payload, actor) VALUES ($1, 'staff', $2, 'portal')",
    )
    .bind(center)
    .bind(payload)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn decision(
    conn: &mut PgConnection,
    center: &str,
    application: Uuid,
    status: &str,
    reason: Option<&str>,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO change (center_code, kind, application_id, status, reason, actor)
         VALUES ($1, 'decision', $2, $3, $4, $5)",
    )
    .bind(center)
    .bind(application)
    .bind(status)
    .bind(reason)
    .bind(actor)
    .execute(conn)
    .await?;
    Ok(())
}

/// One stored feed entry.
#[derive(sqlx::FromRow)]
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

/// A center's entries after `after`, oldest first.
pub(crate) async fn since(
    db: impl PgExecutor<'_>,
    center: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, kind, application_id, status, reason, at, actor, payload FROM change
         WHERE center_code = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(center)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}
