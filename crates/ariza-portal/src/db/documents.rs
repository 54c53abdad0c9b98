//! Documents and their uploads: the references of an application, the chunks of an upload
//! under way, and the stored documents (once per SHA-256).

use chrono::{DateTime, Utc};
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::{GenericClient, Transaction};

/// A reference of an application to a document, and how far its upload is.
pub(crate) struct Upload {
    pub id: Uuid,
    pub application_id: Uuid,
    pub center_code: String,
    pub service_code: String,
    pub requirement_key: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub received: i64,
    pub arrived_at: Option<DateTime<Utc>>,
}

impl Upload {
    fn from_row(row: &Row) -> Result<Upload, Error> {
        Ok(Upload {
            id: row.try_get("id")?,
            application_id: row.try_get("application_id")?,
            center_code: row.try_get("center_code")?,
            service_code: row.try_get("service_code")?,
            requirement_key: row.try_get("requirement_key")?,
            sha256: row.try_get("sha256")?,
            size: row.try_get("size")?,
            media_type: row.try_get("media_type")?,
            received: row.try_get("received")?,
            arrived_at: row.try_get("arrived_at")?,
        })
    }
}

const UPLOAD_COLUMNS: &str =
    "d.id, d.application_id, a.center_code, a.service_code, d.requirement_key, d.sha256, d.size,
    d.media_type, d.received, d.arrived_at";

/// A new reference of an application (nothing if it is there already); its upload starts
/// whole (`received = size`, arrived) when the portal already has the document.
pub(crate) async fn insert_reference(
    db: &impl GenericClient,
    application_id: Uuid,
    requirement_key: &str,
    sha256: &str,
    size: i64,
    media_type: &str,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO application_document (id, application_id, requirement_key, sha256, size, media_type, received, arrived_at)
             SELECT $1::uuid, $2::uuid, $3::text, $4::text, $5::bigint, $6::text,
                    CASE WHEN k.sha256 IS NULL THEN 0 ELSE $5::bigint END,
                    CASE WHEN k.sha256 IS NULL THEN NULL ELSE now() END
             FROM (SELECT 1) one LEFT JOIN document k ON k.sha256 = $4::text AND length(k.bytes) = $5::bigint
             ON CONFLICT (application_id, requirement_key, sha256) DO NOTHING",
        )
        .await?;
    db.execute(
        &statement,
        &[
            &Uuid::now_v7(),
            &application_id,
            &requirement_key,
            &sha256,
            &size,
            &media_type,
        ],
    )
    .await?;
    Ok(())
}

/// The upload of an application's reference.
pub(crate) async fn by_reference(
    db: &impl GenericClient,
    application_id: Uuid,
    requirement_key: &str,
    sha256: &str,
) -> Result<Option<Upload>, Error> {
    let sql = format!(
        "SELECT {UPLOAD_COLUMNS} FROM application_document d JOIN application a ON a.id = d.application_id
         WHERE d.application_id = $1 AND d.requirement_key = $2 AND d.sha256 = $3"
    );
    let statement = db.prepare_cached(&sql).await?;
    db.query_opt(&statement, &[&application_id, &requirement_key, &sha256])
        .await?
        .as_ref()
        .map(Upload::from_row)
        .transpose()
}

/// An upload by its id.
pub(crate) async fn by_id(db: &impl GenericClient, id: Uuid) -> Result<Option<Upload>, Error> {
    let sql = format!(
        "SELECT {UPLOAD_COLUMNS} FROM application_document d JOIN application a ON a.id = d.application_id
         WHERE d.id = $1"
    );
    let statement = db.prepare_cached(&sql).await?;
    db.query_opt(&statement, &[&id])
        .await?
        .as_ref()
        .map(Upload::from_row)
        .transpose()
}

/// An upload by its id, its row locked until the transaction ends: chunks of one upload are
/// appended one at a time, whatever arrives at once.
pub(crate) async fn lock(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Upload>, Error> {
    let sql = format!(
        "SELECT {UPLOAD_COLUMNS} FROM application_document d JOIN application a ON a.id = d.application_id
         WHERE d.id = $1 FOR UPDATE OF d"
    );
    let statement = tx.prepare_cached(&sql).await?;
    tx.query_opt(&statement, &[&id])
        .await?
        .as_ref()
        .map(Upload::from_row)
        .transpose()
}

/// Keeps a checked chunk and moves the upload's offset past it.
pub(crate) async fn append_chunk(
    tx: &Transaction<'_>,
    id: Uuid,
    offset: i64,
    bytes: &[u8],
) -> Result<(), Error> {
    let insert = tx
        .prepare_cached(
            "INSERT INTO upload_chunk (upload_id, \"offset\", bytes) VALUES ($1, $2, $3)",
        )
        .await?;
    tx.execute(&insert, &[&id, &offset, &bytes]).await?;
    let advance = tx
        .prepare_cached(
            "UPDATE application_document SET received = $2::bigint + $3::bigint WHERE id = $1",
        )
        .await?;
    tx.execute(&advance, &[&id, &offset, &(bytes.len() as i64)])
        .await?;
    Ok(())
}

/// The chunks of an upload, in order, as one byte string.
pub(crate) async fn assembled(tx: &Transaction<'_>, id: Uuid) -> Result<Vec<u8>, Error> {
    let statement = tx
        .prepare_cached(
            "SELECT coalesce(string_agg(bytes, ''::bytea ORDER BY \"offset\"), ''::bytea)
             FROM upload_chunk WHERE upload_id = $1",
        )
        .await?;
    tx.query_one(&statement, &[&id]).await?.try_get(0)
}

/// Stores a whole document (once per SHA-256) and marks it arrived for every application
/// that refers to those bytes; the upload's chunks go. Returns those applications (id,
/// service), whose completeness changes.
pub(crate) async fn complete(
    tx: &Transaction<'_>,
    upload: &Upload,
    bytes: &[u8],
) -> Result<Vec<(Uuid, String)>, Error> {
    store_whole(tx, &upload.sha256, &upload.media_type, bytes).await
}

/// Stores a document whose SHA-256 the caller checked (from an upload or a USB bundle), once,
/// and marks every reference to it arrived; chunks of uploads of it go. Returns the
/// applications whose completeness changes (id, service).
pub(crate) async fn store_whole(
    tx: &Transaction<'_>,
    sha256: &str,
    media_type: &str,
    bytes: &[u8],
) -> Result<Vec<(Uuid, String)>, Error> {
    let store = tx
        .prepare_cached(
            "INSERT INTO document (sha256, media_type, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .await?;
    tx.execute(&store, &[&sha256, &media_type, &bytes]).await?;
    let size = bytes.len() as i64;
    let arrived = tx
        .prepare_cached(
            "UPDATE application_document d SET arrived_at = now(), received = d.size
             FROM application a
             WHERE a.id = d.application_id AND d.sha256 = $1 AND d.size = $2 AND d.arrived_at IS NULL
             RETURNING d.application_id, a.service_code",
        )
        .await?;
    let rows = tx.query(&arrived, &[&sha256, &size]).await?;
    let chunks = tx
        .prepare_cached(
            "DELETE FROM upload_chunk WHERE upload_id IN
                 (SELECT id FROM application_document WHERE sha256 = $1)",
        )
        .await?;
    tx.execute(&chunks, &[&sha256]).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Throws away an upload's chunks and starts it again from nothing (its whole did not match).
pub(crate) async fn restart(tx: &Transaction<'_>, id: Uuid) -> Result<(), Error> {
    let reset = tx
        .prepare_cached("UPDATE application_document SET received = 0 WHERE id = $1")
        .await?;
    tx.execute(&reset, &[&id]).await?;
    forget_chunks(tx, id).await
}

async fn forget_chunks(tx: &Transaction<'_>, id: Uuid) -> Result<(), Error> {
    let statement = tx
        .prepare_cached("DELETE FROM upload_chunk WHERE upload_id = $1")
        .await?;
    tx.execute(&statement, &[&id]).await?;
    Ok(())
}

/// The requirement keys an application refers to, and whether every referred document has
/// arrived.
pub(crate) async fn references(
    db: &impl GenericClient,
    application_id: Uuid,
) -> Result<(Vec<String>, bool), Error> {
    let statement = db
        .prepare_cached(
            "SELECT requirement_key, arrived_at IS NOT NULL AS arrived FROM application_document
             WHERE application_id = $1",
        )
        .await?;
    let rows = db.query(&statement, &[&application_id]).await?;
    let mut keys = Vec::with_capacity(rows.len());
    let mut all_arrived = true;
    for row in &rows {
        keys.push(row.try_get::<_, String>("requirement_key")?);
        all_arrived &= row.try_get::<_, bool>("arrived")?;
    }
    Ok((keys, all_arrived))
}

pub(crate) async fn set_complete(
    db: &impl GenericClient,
    application_id: Uuid,
    complete: bool,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached("UPDATE application SET documents_complete = $2 WHERE id = $1")
        .await?;
    db.execute(&statement, &[&application_id, &complete])
        .await?;
    Ok(())
}

/// An application's documents as its agency sees them: each reference, arrived or on its
/// way (how much of it).
pub(crate) async fn of_application(
    db: &impl GenericClient,
    application_id: Uuid,
) -> Result<Vec<Upload>, Error> {
    let sql = format!(
        "SELECT {UPLOAD_COLUMNS} FROM application_document d JOIN application a ON a.id = d.application_id
         WHERE d.application_id = $1 ORDER BY d.requirement_key, d.sha256"
    );
    let statement = db.prepare_cached(&sql).await?;
    db.query(&statement, &[&application_id])
        .await?
        .iter()
        .map(Upload::from_row)
        .collect()
}

/// The bytes of a document an application refers to, once arrived: its media type and bytes.
pub(crate) async fn arrived_bytes(
    db: &impl GenericClient,
    application_id: Uuid,
    sha256: &str,
) -> Result<Option<(String, Vec<u8>)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT k.media_type, k.bytes FROM application_document d JOIN document k ON k.sha256 = d.sha256
         WHERE d.application_id = $1 AND d.sha256 = $2 AND d.arrived_at IS NOT NULL LIMIT 1",
        )
        .await?;
    db.query_opt(&statement, &[&application_id, &sha256])
        .await?
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .transpose()
}
