//! Published catalog versions.

use sqlx::{PgConnection, PgExecutor};

pub(crate) async fn newest_version(db: impl PgExecutor<'_>) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT max(version) FROM catalog_version")
        .fetch_one(db)
        .await
}

/// The newest version and its body, as stored.
pub(crate) async fn newest(
    db: impl PgExecutor<'_>,
) -> Result<Option<(i32, serde_json::Value)>, sqlx::Error> {
    sqlx::query_as("SELECT version, body FROM catalog_version ORDER BY version DESC LIMIT 1")
        .fetch_optional(db)
        .await
}

pub(crate) async fn insert(
    conn: &mut PgConnection,
    version: i32,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO catalog_version (version, body) VALUES ($1, $2)")
        .bind(version)
        .bind(body)
        .execute(conn)
        .await?;
    Ok(())
}
