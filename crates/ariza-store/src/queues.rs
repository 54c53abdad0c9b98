//! The supervisor's queues, with live counts: what waits for delivery, what the portal set
//! aside, what an agency returned, what is past its deadline, and which decisions wait to be
//! handed to the citizen. Membership is decided here, once, for the desk and the CLI.

use ariza_core::application::{ApplicationSummary, HistoryEvent, Status};
use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::applications::{SUMMARY_SQL, summary_from_row};
use crate::page::{Page, PageRequest, query_page};
use crate::stored::{StoredRow, status_in};
use crate::supervision::{Event, record_event};
use crate::{Result, Store, StoreError, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum QueueKind {
    /// Filed, not yet acknowledged by the portal.
    AwaitingDelivery,
    /// Refused by the portal or in conflict there: to correct and file again.
    Quarantined,
    /// Returned by the agency for correction.
    Returned,
    /// Past the service's deadline (working days, the catalog's holidays) and not decided.
    Overdue,
    /// Decided (completed or rejected) and not yet handed to the citizen.
    ToHandOver,
    /// Sent back to its clerk by a supervisor, with a note, and not yet dealt with.
    SentBack,
}

impl QueueKind {
    pub const ALL: [QueueKind; 6] = [
        QueueKind::AwaitingDelivery,
        QueueKind::Quarantined,
        QueueKind::Returned,
        QueueKind::Overdue,
        QueueKind::ToHandOver,
        QueueKind::SentBack,
    ];

    pub fn parse(s: &str) -> Option<QueueKind> {
        QueueKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::AwaitingDelivery => "awaiting_delivery",
            QueueKind::Quarantined => "quarantined",
            QueueKind::Returned => "returned",
            QueueKind::Overdue => "overdue",
            QueueKind::ToHandOver => "to_hand_over",
            QueueKind::SentBack => "sent_back",
        }
    }

    /// The Fluent key of the queue's name: the desk's tile and the CLI's summary line.
    pub fn message_key(self) -> &'static str {
        match self {
            QueueKind::AwaitingDelivery => "ui-queue-awaiting-delivery",
            QueueKind::Quarantined => "ui-queue-quarantined",
            QueueKind::Returned => "ui-queue-returned",
            QueueKind::Overdue => "ui-queue-overdue",
            QueueKind::ToHandOver => "ui-queue-to-hand-over",
            QueueKind::SentBack => "ui-queue-sent-back",
        }
    }

    /// The SQL condition for membership; `?1` is today (YYYY-MM-DD, Tashkent).
    fn condition(self) -> String {
        match self {
            QueueKind::AwaitingDelivery => {
                "EXISTS (SELECT 1 FROM outbox o WHERE o.application_id = a.id AND o.quarantined_at IS NULL)".into()
            }
            QueueKind::Quarantined => {
                "EXISTS (SELECT 1 FROM outbox o WHERE o.application_id = a.id AND o.quarantined_at IS NOT NULL)".into()
            }
            QueueKind::Returned => status_in("a.status", &[Status::Returned]),
            // Due on the deadline day itself is not late; the day after is.
            QueueKind::Overdue => {
                format!("{} AND a.due_date < ?1", status_in("a.status", &Status::OPEN))
            }
            QueueKind::ToHandOver => format!(
                "{} AND a.handed_over_at IS NULL",
                status_in("a.status", &Status::DECIDED)
            ),
            QueueKind::SentBack => "a.sent_back_note IS NOT NULL".into(),
        }
    }
}

/// Narrows every queue: one clerk, one service, a range of filing days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueFilter {
    pub clerk: Option<String>,
    pub service: Option<String>,
    /// First filing day, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last filing day, YYYY-MM-DD.
    pub to: Option<String>,
}

/// One application in a queue, with what the queue is about: how long it has waited, how
/// many delivery attempts failed and why (a Fluent key: the last error, or the portal's
/// reason for setting it aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueItem {
    pub application: ApplicationSummary,
    #[ts(type = "string | null")]
    pub waiting_since: Option<chrono::DateTime<chrono::Utc>>,
    #[ts(type = "number")]
    pub attempts: i64,
    pub reason_key: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueCounts {
    #[ts(type = "number")]
    pub awaiting_delivery: i64,
    #[ts(type = "number")]
    pub quarantined: i64,
    #[ts(type = "number")]
    pub returned: i64,
    #[ts(type = "number")]
    pub overdue: i64,
    #[ts(type = "number")]
    pub to_hand_over: i64,
    #[ts(type = "number")]
    pub sent_back: i64,
    /// Applications started and not filed (not a queue of applications: see `Store::drafts`).
    #[ts(type = "number")]
    pub drafts: i64,
    /// Scans on their way to the portal, the whole desk's (the documents lane is one).
    #[serde(default)]
    pub documents: crate::DocumentsBacklog,
}

impl QueueCounts {
    /// The size of one queue. Exhaustive on purpose: a new kind is not counted (and the
    /// CLI's summary does not build) until it has its field here.
    pub fn count(&self, kind: QueueKind) -> i64 {
        match kind {
            QueueKind::AwaitingDelivery => self.awaiting_delivery,
            QueueKind::Quarantined => self.quarantined,
            QueueKind::Returned => self.returned,
            QueueKind::Overdue => self.overdue,
            QueueKind::ToHandOver => self.to_hand_over,
            QueueKind::SentBack => self.sent_back,
        }
    }

    fn count_mut(&mut self, kind: QueueKind) -> &mut i64 {
        match kind {
            QueueKind::AwaitingDelivery => &mut self.awaiting_delivery,
            QueueKind::Quarantined => &mut self.quarantined,
            QueueKind::Returned => &mut self.returned,
            QueueKind::Overdue => &mut self.overdue,
            QueueKind::ToHandOver => &mut self.to_hand_over,
            QueueKind::SentBack => &mut self.sent_back,
        }
    }
}

/// The filter as SQL clauses (` AND …`) over the clerk `s`, a service column and a day
/// expression (YYYY-MM-DD), with its arguments appended to `args`.
pub(crate) fn filter_sql(
    filter: &QueueFilter,
    service: &str,
    day: &str,
    args: &mut Vec<String>,
) -> String {
    let mut sql = String::new();
    let mut add = |clause: String, value: &str| {
        args.push(value.to_string());
        sql.push_str(&format!(" AND {clause} ?{}", args.len()));
    };
    if let Some(c) = &filter.clerk {
        add("s.username =".into(), c);
    }
    if let Some(s) = &filter.service {
        add(format!("{service} ="), s);
    }
    if let Some(f) = &filter.from {
        add(format!("{day} >="), f);
    }
    if let Some(t) = &filter.to {
        add(format!("{day} <="), t);
    }
    sql
}

pub(crate) fn check_dates(filter: &QueueFilter) -> Result<()> {
    for d in [&filter.from, &filter.to].into_iter().flatten() {
        if NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            return Err(ariza_core::error::DomainError::Invalid(vec![
                ariza_core::error::FieldError::new("date", "err-date"),
            ])
            .into());
        }
    }
    Ok(())
}

/// A clerk sees only their own queues; supervisors and admins anyone's.
pub(crate) fn scoped(actor: &Actor, filter: &QueueFilter) -> QueueFilter {
    let mut f = filter.clone();
    if !actor.role.may(Action::Supervise) {
        f.clerk = Some(actor.username.clone());
    }
    f
}

impl Store {
    /// Every queue's size for `today` (Tashkent), under the filter.
    pub fn queue_counts(
        &self,
        actor: &Actor,
        filter: &QueueFilter,
        clock: &dyn Clock,
    ) -> Result<QueueCounts> {
        actor.role.require(Action::ViewApplications)?;
        check_dates(filter)?;
        let filter = scoped(actor, filter);
        let today = clock.today().format("%Y-%m-%d").to_string();
        let mut args = vec![today];
        let narrow = filter_sql(&filter, "a.service_code", "a.filed_date", &mut args);
        let sums: Vec<String> = QueueKind::ALL
            .iter()
            .map(|k| {
                format!(
                    "coalesce(sum(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                    k.condition()
                )
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM application a JOIN staff s ON s.id = coalesce(a.assignee_id, a.clerk_id)
             WHERE 1 = 1{narrow}",
            sums.join(", ")
        );
        let mut counts = {
            let conn = self.conn();
            // Column i is `QueueKind::ALL[i]`, as the sums were built.
            conn.query_row(&sql, params_from_iter(args.iter()), |r| {
                let mut counts = QueueCounts::default();
                for (i, kind) in QueueKind::ALL.into_iter().enumerate() {
                    *counts.count_mut(kind) = r.get(i)?;
                }
                Ok(counts)
            })?
        };
        counts.drafts = self.draft_count(actor, &filter)?;
        let (waiting, bytes, sent_bytes) = crate::documents::lane_backlog(&self.conn())?;
        counts.documents = crate::DocumentsBacklog {
            waiting,
            bytes,
            sent_bytes,
        };
        Ok(counts)
    }

    /// The applications in one queue, oldest due first (the first 1000; see
    /// [`Store::queue_page`] for all of them).
    pub fn queue(
        &self,
        actor: &Actor,
        kind: QueueKind,
        filter: &QueueFilter,
        clock: &dyn Clock,
    ) -> Result<Vec<QueueItem>> {
        Ok(self
            .queue_page(actor, kind, filter, PageRequest::first(1000), clock)?
            .items)
    }

    /// One window of a queue, oldest due first, with the queue's size.
    pub fn queue_page(
        &self,
        actor: &Actor,
        kind: QueueKind,
        filter: &QueueFilter,
        page: PageRequest,
        clock: &dyn Clock,
    ) -> Result<Page<QueueItem>> {
        actor.role.require(Action::ViewApplications)?;
        check_dates(filter)?;
        let filter = scoped(actor, filter);
        let today = clock.today().format("%Y-%m-%d").to_string();
        let mut args = vec![today];
        let narrow = filter_sql(&filter, "a.service_code", "a.filed_date", &mut args);
        // `?1 IS NULL` is never true: it only keeps today's parameter used by every queue's
        // statement, so the argument list is the same whichever queue is asked for. The id
        // breaks ties so that pages never overlap.
        let sql = format!(
            "{SUMMARY_SQL} WHERE ({cond} OR ?1 IS NULL){narrow} ORDER BY a.due_date, a.filed_at, a.id",
            cond = kind.condition()
        );
        let conn = self.conn();
        let sql_args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as _).collect();
        let summaries = query_page(&conn, &sql, &sql_args, page, summary_from_row)?;
        let mut details = conn.prepare_cached(
            "SELECT enqueued_at, attempts, coalesce(quarantine_key, last_error) FROM outbox WHERE application_id = ?1",
        )?;
        let mut items = Vec::with_capacity(summaries.items.len());
        for application in summaries.items {
            let found: Option<(_, i64, Option<String>)> = details
                .query_row([application.id.to_string()], |r| {
                    Ok((r.stored(0, "outbox", "enqueued_at")?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let (waiting_since, attempts, reason_key) = match found {
                Some((since, attempts, reason)) => (Some(since), attempts, reason),
                None => (None, 0, None),
            };
            items.push(QueueItem {
                application,
                waiting_since,
                attempts,
                reason_key,
            });
        }
        Ok(Page {
            items,
            total: summaries.total,
            next_offset: summaries.next_offset,
        })
    }

    /// The decision was handed to the citizen: it leaves the "to hand over" queue.
    pub fn mark_handed_over(&self, actor: &Actor, key: &str, clock: &dyn Clock) -> Result<()> {
        actor.role.require(Action::ViewApplications)?;
        let app = self.application(key)?;
        if !app.status.is_decided() {
            return Err(StoreError::NotFound("err-not-decided"));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let id = app.id.to_string();
        let n = tx.execute(
            "UPDATE application SET handed_over_at = ?2, handed_over_by = ?3 WHERE id = ?1 AND handed_over_at IS NULL",
            rusqlite::params![id, ts(clock.now()), actor.staff_id],
        )?;
        if n > 0 {
            let event = Event {
                kind: HistoryEvent::HandedOver,
                audit_action: AuditAction::ApplicationHandedOver,
                reason: None,
                detail: None,
            };
            record_event(&tx, &app, actor, event, clock.now())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Sends a quarantined application to the portal again (after the cause was dealt with,
    /// e.g. a catalog the portal now knows). Supervisors and admins.
    pub fn retry_delivery(&self, actor: &Actor, key: &str, clock: &dyn Clock) -> Result<()> {
        actor.role.require(Action::Supervise)?;
        let app = self.application(key)?;
        let id = app.id.to_string();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE outbox SET quarantined_at = NULL, quarantine_code = NULL, quarantine_key = NULL
             WHERE application_id = ?1 AND quarantined_at IS NOT NULL",
            [&id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound("err-not-quarantined"));
        }
        let event = Event {
            kind: HistoryEvent::DeliveryRetried,
            audit_action: AuditAction::ApplicationRetry,
            reason: None,
            detail: None,
        };
        record_event(&tx, &app, actor, event, clock.now())?;
        tx.commit()?;
        Ok(())
    }
}
