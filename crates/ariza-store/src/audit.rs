//! The desk's audit trail (see `ariza_core::audit`): appended inside the same transaction as
//! the change it records, verified by `ariza audit verify`, delivered to the portal.

use ariza_core::audit::{AuditAction, AuditEntry, AuditReport, ChainVerifier, GENESIS, entry_hash};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::page::{Page, PageRequest, query_page};
use crate::stored::StoredRow;
use crate::{Result, Store, as_stored, ts};

pub(crate) fn mark_delivered(conn: &Connection, up_to_seq: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES ('audit_delivered_seq', ?1)
         ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
        [up_to_seq.to_string()],
    )?;
    Ok(())
}

/// Appends one entry after the current head. Call inside the transaction of the change.
pub(crate) fn record(
    conn: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> Result<()> {
    let action = action.as_str();
    let head: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = head.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    // Stored at millisecond precision, so hash what is stored.
    let at = as_stored(at);
    let hash = entry_hash(&prev, seq, &at, actor, action, subject, detail);
    conn.prepare_cached(
        "INSERT INTO audit (seq, at, actor, action, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        seq,
        ts(at),
        actor,
        action,
        subject,
        detail,
        prev,
        hash
    ])?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.stored(1, "audit", "at")?,
        actor: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

const COLUMNS: &str = "seq, at, actor, action, subject, detail, prev_hash, hash";

impl Store {
    /// Recomputes the whole chain. An edited entry breaks its hash; a removed or inserted one
    /// breaks the link or the sequence.
    pub fn verify_audit(&self) -> Result<AuditReport> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
        let mut verifier = ChainVerifier::new(GENESIS, None);
        let mut first = true;
        for entry in stmt.query_map([], row)? {
            let entry = entry?;
            if first && entry.seq != 1 {
                // Entries removed from the start: the chain must begin at 1 from genesis.
                verifier = ChainVerifier::new(GENESIS, Some(0));
            }
            first = false;
            verifier.push(&entry);
        }
        Ok(verifier.report())
    }

    /// The newest entries for a supervisor or admin, newest first (`ariza audit list`).
    pub fn audit_log(
        &self,
        actor: &ariza_core::staff::Actor,
        limit: usize,
    ) -> Result<Vec<AuditEntry>> {
        actor.role.require(ariza_core::staff::Action::ViewAudit)?;
        self.audit_entries(limit)
    }

    /// One window of the trail, newest first, for a supervisor or admin.
    pub fn audit_log_page(
        &self,
        actor: &ariza_core::staff::Actor,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>> {
        actor.role.require(ariza_core::staff::Action::ViewAudit)?;
        let select = format!("SELECT {COLUMNS} FROM audit ORDER BY seq DESC");
        query_page(&self.conn(), &select, &[], page, row)
    }

    /// The newest entries, newest first, without a permission check (tests, delivery).
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit ORDER BY seq DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Entries not yet delivered to the portal, oldest first.
    pub fn audit_outbox(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit
             WHERE seq > coalesce((SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'audit_delivered_seq'), 0)
             ORDER BY seq LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The portal stored entries up to `seq`: raises the delivery watermark.
    pub fn audit_delivered(&self, up_to_seq: i64) -> Result<()> {
        mark_delivered(&self.conn(), up_to_seq)
    }

    /// Records an event that changes nothing else (a record opened, a sign-in, a backup).
    pub fn audit_event(
        &self,
        at: DateTime<Utc>,
        actor: &str,
        action: AuditAction,
        subject: &str,
        detail: &str,
    ) -> Result<()> {
        let conn = self.conn();
        record(&conn, at, actor, action, subject, detail)
    }
}
