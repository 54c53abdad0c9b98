//! The desk's audit trail (see `ariza_core::audit`): appended inside the same transaction as
//! the change it records, verified by `ariza audit verify`, delivered to the portal.

use ariza_core::audit::{AuditAction, AuditEntry, AuditReport, ChainVerifier, GENESIS, entry_hash};
use ariza_core::wire::AuditHead;
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

/// Where the alert that the trail no longer extends the portal's acknowledged head is kept
/// (a Fluent key), until the desk is enrolled again.
pub(crate) const ALERT_KEY: &str = "audit_alert";

/// The portal holds the chain up to `head` (recomputed and signature-checked on its side):
/// the next upload starts after it.
pub(crate) fn acknowledge(conn: &Connection, head: &AuditHead) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES ('audit_delivered_seq', ?1), ('audit_ack_hash', ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![head.seq.to_string(), head.hash],
    )?;
    Ok(())
}

/// The newest entry the portal acknowledged (0: none).
pub(crate) fn acknowledged_seq(conn: &Connection) -> Result<i64> {
    let seq: Option<String> = conn
        .query_row(
            "SELECT value FROM sync_state WHERE key = 'audit_delivered_seq'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match seq {
        None => Ok(0),
        Some(s) => Ok(crate::stored::parse_stored(
            &s,
            "sync_state",
            "audit_delivered_seq",
        )?),
    }
}

/// A new enrollment: nothing is acknowledged by the new device yet, and no alert stands.
pub(crate) fn forget_acknowledgement(conn: &Connection) -> Result<()> {
    conn.execute(
        "DELETE FROM sync_state WHERE key IN ('audit_delivered_seq', 'audit_ack_hash', ?1)",
        [ALERT_KEY],
    )?;
    Ok(())
}

/// Records, once, that the trail no longer extends what the portal acknowledged: the status
/// line shows it and the trail itself says when it was found and why.
pub(crate) fn raise_alert(conn: &Connection, at: DateTime<Utc>, reason: &str) -> Result<bool> {
    let raised = conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?1, 'err-audit-diverged') ON CONFLICT (key) DO NOTHING",
        [ALERT_KEY],
    )?;
    if raised > 0 {
        tracing::warn!(
            reason,
            "the audit trail no longer extends the portal's acknowledged head"
        );
        record(conn, at, "device", AuditAction::AuditDiverged, "", reason)?;
    }
    Ok(raised > 0)
}

/// What the next push carries of the audit trail: entries after `after_seq` (whose hash, as
/// this desk holds it, is `after_hash`), and the head they end at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditUpload {
    pub after_seq: i64,
    pub after_hash: String,
    pub entries: Vec<AuditEntry>,
    /// The last entry sent, or `after` when none is: what the device signs.
    pub head_seq: i64,
    pub head_hash: String,
    /// This desk's newest entry (the upload may stop before it).
    pub newest_seq: i64,
    /// This desk's own chain no longer holds the head the portal acknowledged (its entry was
    /// removed or changed): found before anything is sent.
    pub diverged: bool,
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
    /// Records something a supervisor or administrator did outside the store's own changes
    /// (a USB bundle written or read), in the audit trail.
    pub fn record_audit(
        &self,
        actor: &ariza_core::staff::Actor,
        action: AuditAction,
        subject: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        actor.role.require(ariza_core::staff::Action::Backup)?;
        record(&self.conn(), at, &actor.username, action, subject, detail)
    }

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

    /// The audit part of the next push: at most `limit` entries after the head the portal
    /// acknowledged, and no further than the filing of application `through` when given (so a
    /// push carries the entries of its own applications, which compress against them).
    ///
    /// It starts from this desk's own chain: after the acknowledged entry, or after its newest
    /// entry if the chain is now shorter than that, with the hash this desk holds there. So a
    /// chain cut or rewritten below the acknowledged head is shown to the portal as it is,
    /// and the portal, which kept the acknowledged head, refuses it.
    pub fn audit_upload(&self, limit: usize, through: Option<uuid::Uuid>) -> Result<AuditUpload> {
        let conn = self.conn();
        let get = |key: &str| -> rusqlite::Result<Option<String>> {
            conn.prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()
        };
        let acked: i64 = match get("audit_delivered_seq")? {
            Some(v) => crate::stored::parse_stored(&v, "sync_state", "audit_delivered_seq")?,
            None => 0,
        };
        let acked_hash = get("audit_ack_hash")?;
        let newest: i64 =
            conn.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))?;
        let after_seq = acked.min(newest);
        // The hash there as this chain holds it: its own, or the next entry's link when that
        // one entry is gone (a hole verify_audit reports; the chain still extends it).
        let hash_at = |seq: i64| -> rusqlite::Result<Option<String>> {
            if seq == 0 {
                return Ok(Some(GENESIS.to_string()));
            }
            conn.prepare_cached(
                "SELECT hash FROM audit WHERE seq = ?1
                 UNION ALL SELECT prev_hash FROM audit WHERE seq = ?1 + 1 LIMIT 1",
            )?
            .query_row([seq], |r| r.get(0))
            .optional()
        };
        let after_hash = hash_at(after_seq)?.unwrap_or_else(|| GENESIS.to_string());
        let own_at_acked = hash_at(acked)?;
        let diverged = after_seq < acked
            || acked_hash.is_some_and(|h| own_at_acked.as_deref() != Some(h.as_str()));
        let through_seq: Option<i64> = match through {
            Some(id) => conn
                .prepare_cached(
                    "SELECT max(seq) FROM audit WHERE seq > ?1 AND action = ?2 AND subject = ?3",
                )?
                .query_row(
                    params![
                        after_seq,
                        AuditAction::ApplicationFile.as_str(),
                        id.to_string()
                    ],
                    |r| r.get(0),
                )?,
            None => None,
        };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3"
        ))?;
        let entries: Vec<AuditEntry> = stmt
            .query_map(
                params![after_seq, through_seq.unwrap_or(i64::MAX), limit as i64],
                row,
            )?
            .collect::<std::result::Result<_, _>>()?;
        let (head_seq, head_hash) = entries
            .last()
            .map_or((after_seq, after_hash.clone()), |e| (e.seq, e.hash.clone()));
        Ok(AuditUpload {
            after_seq,
            after_hash,
            entries,
            head_seq,
            head_hash,
            newest_seq: newest,
            diverged,
        })
    }

    /// Records that the trail no longer extends what the portal acknowledged (found by this
    /// desk before a push, or answered by the portal), once; whether it was new.
    pub fn record_audit_alert(&self, at: DateTime<Utc>, reason: &str) -> Result<bool> {
        raise_alert(&self.conn(), at, reason)
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
