//! Two records of one person merged into one by a supervisor: the merged record's applications
//! (with their history) and drafts move to the survivor, the merged row goes, and what it said
//! is kept with the merge, which travels to the portal with the next push until acknowledged.

use ariza_core::application::HistoryEvent;
use ariza_core::audit::AuditAction;
use ariza_core::citizen::Citizen;
use ariza_core::clock::Clock;
use ariza_core::error::{DomainError, FieldError};
use ariza_core::staff::{Action, Actor};
use ariza_core::wire::{CitizenMerge, WireCitizen};
use rusqlite::{TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::applications::record_history;
use crate::citizens::get_citizen;
use crate::stored::{Json, StoredRow};
use crate::{Result, Store, ts};

/// What a merge did, for the supervisor's screen and `ariza citizen merge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MergeReport {
    #[ts(type = "string")]
    pub merge_id: Uuid,
    pub survivor: Citizen,
    #[ts(type = "number")]
    pub merged_id: i64,
    /// How many applications moved to the survivor.
    pub applications_moved: usize,
}

impl Store {
    /// Merges citizen `merged` into `survivor`: one transaction, one history entry per moved
    /// application, one audit entry. The survivor's details stay as they are.
    pub fn merge_citizens(
        &self,
        actor: &Actor,
        survivor: i64,
        merged: i64,
        reason: &str,
        clock: &dyn Clock,
    ) -> Result<MergeReport> {
        actor.role.require(Action::Supervise)?;
        let reason = reason.trim();
        if reason.chars().count() < 3 {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "reason",
                "err-reason-required",
            )])
            .into());
        }
        if survivor == merged {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "merged",
                "err-merge-same-citizen",
            )])
            .into());
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kept = get_citizen(&tx, survivor)?;
        let gone = get_citizen(&tx, merged)?;
        let moved: Vec<(String, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id, status FROM application WHERE citizen_id = ?1 ORDER BY filed_at",
            )?;
            stmt.query_map([merged], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let now = clock.now();
        let at = ts(now);
        tx.execute(
            "UPDATE application SET citizen_id = ?1 WHERE citizen_id = ?2",
            params![survivor, merged],
        )?;
        tx.execute(
            "UPDATE draft SET citizen_id = ?1 WHERE citizen_id = ?2",
            params![survivor, merged],
        )?;
        let mut ids = Vec::with_capacity(moved.len());
        for (id, status) in &moved {
            let status = ariza_core::application::Status::parse(status)
                .ok_or(crate::StoreError::corrupt("application", "status"))?;
            record_history(
                &tx,
                id,
                Some(status),
                status,
                HistoryEvent::CitizenMerged,
                &at,
                actor.staff_id,
                Some(reason),
                None,
            )?;
            ids.push(
                Uuid::parse_str(id).map_err(|_| crate::StoreError::corrupt("application", "id"))?,
            );
        }
        tx.execute("DELETE FROM citizen WHERE id = ?1", [merged])?;
        let merge_id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO citizen_merge (id, survivor_id, merged_id, survivor, merged, merged_whole,
                 applications, reason, merged_by, merged_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                merge_id.to_string(),
                survivor,
                merged,
                serde_json::to_string(&WireCitizen::from(&kept.data))?,
                serde_json::to_string(&WireCitizen::from(&gone.data))?,
                serde_json::to_string(&gone)?,
                serde_json::to_string(&ids)?,
                reason,
                actor.staff_id,
                at,
            ],
        )?;
        // Ids only: the audit trail leaves the desk and holds no personal data.
        crate::audit::record(
            &tx,
            now,
            &actor.username,
            AuditAction::CitizenMerge,
            &survivor.to_string(),
            &format!("merged={merged} applications={}", moved.len()),
        )?;
        tx.commit()?;
        tracing::info!(
            survivor,
            merged,
            applications = moved.len(),
            by = actor.staff_id,
            "citizens merged"
        );
        Ok(MergeReport {
            merge_id,
            survivor: kept,
            merged_id: merged,
            applications_moved: moved.len(),
        })
    }

    /// The merges the portal has not acknowledged, oldest first, as the push carries them.
    pub fn merges_waiting(&self) -> Result<Vec<CitizenMerge>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT m.id, m.survivor, m.merged, m.applications, m.reason, s.username, m.merged_at
             FROM citizen_merge m JOIN staff s ON s.id = m.merged_by
             WHERE m.delivered_at IS NULL ORDER BY m.merged_at, m.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CitizenMerge {
                id: r.stored(0, "citizen_merge", "id")?,
                survivor: r
                    .stored::<Json<WireCitizen>>(1, "citizen_merge", "survivor")?
                    .0,
                merged: r
                    .stored::<Json<WireCitizen>>(2, "citizen_merge", "merged")?
                    .0,
                applications: r
                    .stored::<Json<Vec<Uuid>>>(3, "citizen_merge", "applications")?
                    .0,
                reason: r.get(4)?,
                by: r.get(5)?,
                merged_at: r.stored(6, "citizen_merge", "merged_at")?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Marks the merges the portal says it holds as delivered, in the caller's transaction.
pub(crate) fn acknowledge(tx: &rusqlite::Connection, recorded: &[Uuid], at: &str) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE citizen_merge SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL",
    )?;
    for id in recorded {
        stmt.execute(params![id.to_string(), at])?;
    }
    Ok(())
}
