//! The portal's hash-chained audit log and the desks' delivered trails.

use ariza_core::audit::{AuditEntry, GENESIS, entry_hash};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

/// One lock id for the chain: appends are serialized so that each links to the last.
const CHAIN_LOCK: i64 = 0x4172_697A_6141_7564;

/// Appends an entry inside the caller's transaction, linked to the last one. The chain is
/// serialized by a transaction-scoped advisory lock.
pub(crate) async fn append(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK)
        .execute(&mut *conn)
        .await?;
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (seq, prev) = head.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT date_trunc('milliseconds', now())")
        .fetch_one(&mut *conn)
        .await?;
    let hash = entry_hash(&prev, seq, &now, actor, action, subject, detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores a desk's entries in one statement, each unless that device's seq is already stored:
/// a push carries up to 2000, and one round trip each was a tenth of the 2G benchmark's
/// engine time beyond the link's floor.
pub(crate) async fn insert_desk_entries(
    db: impl PgExecutor<'_>,
    device: Uuid,
    entries: &[AuditEntry],
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&AuditEntry) -> &str| -> Vec<String> {
        entries.iter().map(|e| f(e).to_string()).collect()
    };
    sqlx::query(
        "INSERT INTO desk_audit (device_id, seq, at, actor, action, subject, detail, prev_hash, hash)
         SELECT $1, * FROM UNNEST($2::bigint[], $3::timestamptz[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[], $9::text[])
         ON CONFLICT DO NOTHING",
    )
    .bind(device)
    .bind(entries.iter().map(|e| e.seq).collect::<Vec<i64>>())
    .bind(entries.iter().map(|e| e.at).collect::<Vec<DateTime<Utc>>>())
    .bind(column(|e| &e.actor))
    .bind(column(|e| &e.action))
    .bind(column(|e| &e.subject))
    .bind(column(|e| &e.detail))
    .bind(column(|e| &e.prev_hash))
    .bind(column(|e| &e.hash))
    .execute(db)
    .await?;
    Ok(())
}

type Row = (
    i64,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn entry(r: Row) -> AuditEntry {
    AuditEntry {
        seq: r.0,
        at: r.1,
        actor: r.2,
        action: r.3,
        subject: r.4,
        detail: r.5,
        prev_hash: r.6,
        hash: r.7,
    }
}

/// Streams the portal's chain in order to `each`, without holding it all in memory.
pub(crate) async fn each_portal_entry(
    pool: &PgPool,
    mut each: impl FnMut(&AuditEntry),
) -> Result<(), sqlx::Error> {
    let mut rows = sqlx::query_as::<_, Row>(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch(pool);
    while let Some(r) = rows.try_next().await? {
        each(&entry(r));
    }
    Ok(())
}

/// The devices whose trails were delivered.
pub(crate) async fn desk_devices(db: impl PgExecutor<'_>) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT device_id FROM desk_audit ORDER BY device_id")
        .fetch_all(db)
        .await
}

/// Streams one device's delivered trail in order to `each`.
pub(crate) async fn each_desk_entry(
    pool: &PgPool,
    device: Uuid,
    mut each: impl FnMut(&AuditEntry),
) -> Result<(), sqlx::Error> {
    let mut rows = sqlx::query_as::<_, Row>(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM desk_audit
         WHERE device_id = $1 ORDER BY seq",
    )
    .bind(device)
    .fetch(pool);
    while let Some(r) = rows.try_next().await? {
        each(&entry(r));
    }
    Ok(())
}

/// The newest entry stored of a device's delivered trail: the head the portal acknowledged.
pub(crate) async fn desk_head(
    db: impl PgExecutor<'_>,
    device: Uuid,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, hash FROM desk_audit WHERE device_id = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(device)
    .fetch_optional(db)
    .await
}

/// `(seq, prev_hash, hash)` of a device's stored entries `from..=to`, in order.
pub(crate) async fn desk_links(
    db: impl PgExecutor<'_>,
    device: Uuid,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, prev_hash, hash FROM desk_audit
         WHERE device_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq",
    )
    .bind(device)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// Records the head acknowledged to a device, with its signature (none in format 1).
pub(crate) async fn save_desk_head(
    db: impl PgExecutor<'_>,
    device: Uuid,
    seq: i64,
    hash: &str,
    signature: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO desk_audit_head (device_id, seq, hash, signature) VALUES ($1, $2, $3, $4)
         ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
             signature = excluded.signature, updated_at = now()",
    )
    .bind(device)
    .bind(seq)
    .bind(hash)
    .bind(signature)
    .execute(db)
    .await?;
    Ok(())
}

/// Records that a device's chain no longer extends its acknowledged head, or counts the same
/// situation again; whether it is new.
pub(crate) async fn record_desk_alert(
    db: impl PgExecutor<'_>,
    device: Uuid,
    reason: &str,
    acked_seq: i64,
    desk_seq: i64,
) -> Result<bool, sqlx::Error> {
    let first: bool = sqlx::query_scalar(
        "INSERT INTO desk_audit_alert (device_id, reason, acked_seq, desk_seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (device_id, reason, acked_seq) DO UPDATE
             SET times = desk_audit_alert.times + 1, last_seen = now(), desk_seq = excluded.desk_seq
         RETURNING times = 1",
    )
    .bind(device)
    .bind(reason)
    .bind(acked_seq)
    .bind(desk_seq)
    .fetch_one(db)
    .await?;
    Ok(first)
}
