//! Published desk releases.

use chrono::{DateTime, Utc};
use tokio_postgres::{Error, Row};

use super::{GenericClient, Transaction};

/// A release as listed: everything but the package's bytes.
pub(crate) struct ReleaseRow {
    pub version: String,
    pub architecture: String,
    pub file_name: String,
    pub signature: String,
    pub sha256: String,
    pub notes: String,
    pub published_at: DateTime<Utc>,
}

impl ReleaseRow {
    fn from_row(row: &Row) -> Result<ReleaseRow, Error> {
        Ok(ReleaseRow {
            version: row.try_get("version")?,
            architecture: row.try_get("architecture")?,
            file_name: row.try_get("file_name")?,
            signature: row.try_get("signature")?,
            sha256: row.try_get("sha256")?,
            notes: row.try_get("notes")?,
            published_at: row.try_get("published_at")?,
        })
    }
}

/// Every release for one architecture (a handful: ordering by version is the caller's, as
/// semver).
pub(crate) async fn for_architecture(
    db: &impl GenericClient,
    architecture: &str,
) -> Result<Vec<ReleaseRow>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT version, architecture, file_name, signature, sha256, notes, published_at
             FROM desk_release WHERE architecture = $1",
        )
        .await?;
    db.query(&statement, &[&architecture])
        .await?
        .iter()
        .map(ReleaseRow::from_row)
        .collect()
}

/// Stores a release unless that version and architecture is already there; whether it was.
pub(crate) async fn insert(
    tx: &Transaction<'_>,
    release: &ReleaseRow,
    package: &[u8],
) -> Result<bool, Error> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO desk_release (version, architecture, file_name, package, signature, sha256, notes)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .await?;
    Ok(tx
        .execute(
            &statement,
            &[
                &release.version,
                &release.architecture,
                &release.file_name,
                &package,
                &release.signature,
                &release.sha256,
                &release.notes,
            ],
        )
        .await?
        == 1)
}

/// A release's package: its file name and bytes.
pub(crate) async fn package(
    db: &impl GenericClient,
    version: &str,
    architecture: &str,
) -> Result<Option<(String, Vec<u8>)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT file_name, package FROM desk_release WHERE version = $1 AND architecture = $2",
        )
        .await?;
    db.query_opt(&statement, &[&version, &architecture])
        .await?
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .transpose()
}
