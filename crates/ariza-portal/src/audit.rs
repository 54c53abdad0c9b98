//! The portal's audit trail: hash-chained like the desk's (`ariza_core::audit`), appended in
//! the transaction of the change it records; desks' trails are stored per device as they
//! arrive. `ariza-portal audit verify` recomputes both.

use ariza_core::audit::{AuditEntry, AuditReport, ChainVerifier, GENESIS, entry_hash};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::{Portal, PortalError};

/// One lock id for the chain: appends are serialized so that each links to the last.
const CHAIN_LOCK: i64 = 0x4172_697A_6141_7564;

/// Appends an entry inside `tx`. The chain is serialized by a transaction-scoped advisory lock.
pub(crate) async fn record(
    tx: &mut Transaction<'_, Postgres>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK)
        .execute(&mut **tx)
        .await?;
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (seq, prev) = head.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    let (now,): (DateTime<Utc>,) = sqlx::query_as("SELECT date_trunc('milliseconds', now())")
        .fetch_one(&mut **tx)
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
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a desk's entries as delivered (again harmlessly); returns the highest seq stored.
pub(crate) async fn store_desk_entries(
    portal: &Portal,
    device: Uuid,
    entries: &[AuditEntry],
) -> Result<Option<i64>, PortalError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut tx = portal.pool.begin().await?;
    for e in entries {
        if e.seq < 1 || e.hash.len() != 64 || e.prev_hash.len() != 64 {
            return Err(PortalError::BadRequest("malformed audit entry".into()));
        }
        sqlx::query(
            "INSERT INTO desk_audit (device_id, seq, at, actor, action, subject, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(device)
        .bind(e.seq)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.subject)
        .bind(&e.detail)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(entries.iter().map(|e| e.seq).max())
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

/// The result of `ariza-portal audit verify`: the portal's chain and every desk's.
#[derive(Debug)]
pub struct VerifyReport {
    pub portal: AuditReport,
    pub desks: Vec<(Uuid, AuditReport)>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.portal.ok() && self.desks.iter().all(|(_, r)| r.ok())
    }
}

pub async fn verify(portal: &Portal) -> Result<VerifyReport, sqlx::Error> {
    use futures_util::TryStreamExt;
    let mut verifier = ChainVerifier::new(GENESIS, Some(0));
    let mut rows = sqlx::query_as::<_, Row>(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch(&portal.pool);
    while let Some(r) = rows.try_next().await? {
        verifier.push(&entry(r));
    }
    drop(rows);
    let portal_report = verifier.report();
    let devices: Vec<(Uuid,)> =
        sqlx::query_as("SELECT DISTINCT device_id FROM desk_audit ORDER BY device_id")
            .fetch_all(&portal.pool)
            .await?;
    let mut desks = Vec::new();
    for (device,) in devices {
        let mut v = ChainVerifier::new(GENESIS, Some(0));
        let mut rows = sqlx::query_as::<_, Row>(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM desk_audit
             WHERE device_id = $1 ORDER BY seq",
        )
        .bind(device)
        .fetch(&portal.pool);
        while let Some(r) = rows.try_next().await? {
            v.push(&entry(r));
        }
        desks.push((device, v.report()));
    }
    Ok(VerifyReport {
        portal: portal_report,
        desks,
    })
}
