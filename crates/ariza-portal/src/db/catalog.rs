//! Published catalog versions.

use tokio_postgres::Error;

use super::GenericClient;

pub(crate) async fn newest_version(db: &impl GenericClient) -> Result<Option<i32>, Error> {
    let statement = db
        .prepare_cached("SELECT max(version) FROM catalog_version")
        .await?;
    db.query_one(&statement, &[]).await?.try_get(0)
}

/// The newest version and its body, as stored.
pub(crate) async fn newest(
    db: &impl GenericClient,
) -> Result<Option<(i32, serde_json::Value)>, Error> {
    let statement = db
        .prepare_cached("SELECT version, body FROM catalog_version ORDER BY version DESC LIMIT 1")
        .await?;
    db.query_opt(&statement, &[])
        .await?
        .map(|row| Ok((row.try_get("version")?, row.try_get("body")?)))
        .transpose()
}

pub(crate) async fn insert(
    db: &impl GenericClient,
    version: i32,
    body: &serde_json::Value,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached("INSERT INTO catalog_version (version, body) VALUES ($1, $2)")
        .await?;
    db.execute(&statement, &[&version, &body]).await?;
    Ok(())
}
