//! The portal's hash-chained audit log and the desks' delivered trails.

use ariza_core::audit::{AuditEntry, GENESIS, entry_hash};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::{GenericClient, Transaction};

/// One lock id for the chain: appends are serialized so that each links to the last.
const CHAIN_LOCK: i64 = 0x4172_697A_6141_7564;

/// Appends an entry inside the caller's transaction, linked to the last one. The chain is
/// serialized by a transaction-scoped advisory lock, which is why this takes a transaction.
pub(crate) async fn append(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), Error> {
    tx.execute(
        &tx.prepare_cached("SELECT pg_advisory_xact_lock($1)")
            .await?,
        &[&CHAIN_LOCK],
    )
    .await?;
    let head = tx
        .query_opt(
            &tx.prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .await?,
            &[],
        )
        .await?;
    let (seq, prev) = match head {
        Some(row) => (row.try_get::<_, i64>("seq")? + 1, row.try_get("hash")?),
        None => (1, GENESIS.to_string()),
    };
    let now: DateTime<Utc> = tx
        .query_one(
            &tx.prepare_cached("SELECT date_trunc('milliseconds', now())")
                .await?,
            &[],
        )
        .await?
        .try_get(0)?;
    let hash = entry_hash(&prev, seq, &now, actor, action, subject, detail);
    let statement = tx
        .prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await?;
    tx.execute(
        &statement,
        &[&seq, &now, &actor, &action, &subject, &detail, &prev, &hash],
    )
    .await?;
    Ok(())
}

/// Stores a desk's entries in one statement, each unless that device's seq is already stored:
/// a push carries up to 2000, and one round trip each was a tenth of the 2G benchmark's
/// engine time beyond the link's floor.
pub(crate) async fn insert_desk_entries(
    db: &impl GenericClient,
    device: Uuid,
    entries: &[AuditEntry],
) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&AuditEntry) -> &str| -> Vec<&str> { entries.iter().map(f).collect() };
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let ats: Vec<DateTime<Utc>> = entries.iter().map(|e| e.at).collect();
    let (actors, actions, subjects) = (
        column(|e| &e.actor),
        column(|e| &e.action),
        column(|e| &e.subject),
    );
    let (details, prev_hashes, hashes) = (
        column(|e| &e.detail),
        column(|e| &e.prev_hash),
        column(|e| &e.hash),
    );
    let statement = db
        .prepare_cached(
            "INSERT INTO desk_audit (device_id, seq, at, actor, action, subject, detail, prev_hash, hash)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::timestamptz[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[], $9::text[])
         ON CONFLICT DO NOTHING",
        )
        .await?;
    db.execute(
        &statement,
        &[
            &device,
            &seqs,
            &ats,
            &actors,
            &actions,
            &subjects,
            &details,
            &prev_hashes,
            &hashes,
        ],
    )
    .await?;
    Ok(())
}

fn entry(row: &Row) -> Result<AuditEntry, Error> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Feeds each row of `sql` to `each` as it arrives, without holding them all in memory.
async fn each_entry(
    db: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    mut each: impl FnMut(&AuditEntry),
) -> Result<(), Error> {
    let statement = db.prepare_cached(sql).await?;
    let rows = db.query_raw(&statement, params.iter().copied()).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.try_next().await? {
        each(&entry(&row)?);
    }
    Ok(())
}

/// Streams the portal's chain in order to `each`.
pub(crate) async fn each_portal_entry(
    db: &impl GenericClient,
    each: impl FnMut(&AuditEntry),
) -> Result<(), Error> {
    each_entry(
        db,
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq",
        &[],
        each,
    )
    .await
}

/// The devices whose trails were delivered.
pub(crate) async fn desk_devices(db: &impl GenericClient) -> Result<Vec<Uuid>, Error> {
    let statement = db
        .prepare_cached("SELECT DISTINCT device_id FROM desk_audit ORDER BY device_id")
        .await?;
    db.query(&statement, &[])
        .await?
        .iter()
        .map(|row| row.try_get("device_id"))
        .collect()
}

/// Streams one device's delivered trail in order to `each`.
pub(crate) async fn each_desk_entry(
    db: &impl GenericClient,
    device: Uuid,
    each: impl FnMut(&AuditEntry),
) -> Result<(), Error> {
    each_entry(
        db,
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM desk_audit
         WHERE device_id = $1 ORDER BY seq",
        &[&device],
        each,
    )
    .await
}

/// The newest entry stored of a device's delivered trail: the head the portal acknowledged.
pub(crate) async fn desk_head(
    db: &impl GenericClient,
    device: Uuid,
) -> Result<Option<(i64, String)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT seq, hash FROM desk_audit WHERE device_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .await?;
    db.query_opt(&statement, &[&device])
        .await?
        .map(|row| Ok((row.try_get("seq")?, row.try_get("hash")?)))
        .transpose()
}

/// `(seq, prev_hash, hash)` of a device's stored entries `from..=to`, in order.
pub(crate) async fn desk_links(
    db: &impl GenericClient,
    device: Uuid,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, String, String)>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT seq, prev_hash, hash FROM desk_audit
         WHERE device_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
        )
        .await?;
    db.query(&statement, &[&device, &from, &to])
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("seq")?,
                row.try_get("prev_hash")?,
                row.try_get("hash")?,
            ))
        })
        .collect()
}

/// Records the head acknowledged to a device, with its signature (none in format 1).
pub(crate) async fn save_desk_head(
    db: &impl GenericClient,
    device: Uuid,
    seq: i64,
    hash: &str,
    signature: Option<&str>,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO desk_audit_head (device_id, seq, hash, signature) VALUES ($1, $2, $3, $4)
         ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
             signature = excluded.signature, updated_at = now()",
        )
        .await?;
    db.execute(&statement, &[&device, &seq, &hash, &signature])
        .await?;
    Ok(())
}

/// Records that a device's chain no longer extends its acknowledged head, or counts the same
/// situation again; whether it is new.
pub(crate) async fn record_desk_alert(
    db: &impl GenericClient,
    device: Uuid,
    reason: &str,
    acked_seq: i64,
    desk_seq: i64,
) -> Result<bool, Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO desk_audit_alert (device_id, reason, acked_seq, desk_seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (device_id, reason, acked_seq) DO UPDATE
             SET times = desk_audit_alert.times + 1, last_seen = now(), desk_seq = excluded.desk_seq
         RETURNING times = 1",
        )
        .await?;
    db.query_one(&statement, &[&device, &reason, &acked_seq, &desk_seq])
        .await?
        .try_get(0)
}
