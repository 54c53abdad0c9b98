//! Filing, listing, showing and cancelling applications, with their history and the outbox.

use ariza_core::application::{
    Application, ApplicationSummary, FileRequest, HistoryEntry, HistoryEvent, Status,
    check_transition,
};
use ariza_core::audit::AuditAction;
use ariza_core::clock::{Clock, tashkent};
use ariza_core::error::{DomainError, FieldError};
use ariza_core::form;
use ariza_core::receipt_code::ReceiptCode;
use ariza_core::staff::{Action, Actor};
use ariza_core::tracking::TrackingNumber;
use ariza_core::working_days::add_working_days;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::citizens::get_citizen;
use crate::page::{Page, PageRequest, query_page};
use crate::stored::{StoredForm, StoredRow};
use crate::{Result, Store, StoreError, as_stored, ts};

/// Applications waiting for delivery. Since migration 0003 the outbox holds only undelivered
/// ones; those the portal set aside are counted apart.
pub(crate) const BACKLOG_SQL: &str = "SELECT count(*) FROM outbox WHERE quarantined_at IS NULL";

/// Which applications to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListFilter {
    /// The Tashkent day of filing, YYYY-MM-DD; none for every day.
    pub date: Option<String>,
    pub status: Option<Status>,
    /// Only this clerk's applications (a username).
    pub clerk: Option<String>,
    pub limit: Option<u32>,
}

pub(crate) const SUMMARY_SQL: &str =
    "SELECT a.id, a.tracking_number, a.service_code, c.surname, c.given_name, c.patronymic,
        s.username, a.status, a.filed_at, a.due_date, a.fee_uzs
     FROM application a JOIN citizen c ON c.id = a.citizen_id
     JOIN staff s ON s.id = coalesce(a.assignee_id, a.clerk_id)";

pub(crate) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<ApplicationSummary> {
    let names: [String; 3] = [r.get(3)?, r.get(4)?, r.get(5)?];
    Ok(ApplicationSummary {
        id: r.stored(0, "application", "id")?,
        tracking_number: TrackingNumber::from_stored(r.get(1)?),
        service_code: r.get(2)?,
        citizen_name: join_name(&names),
        clerk: r.get(6)?,
        status: r.stored(7, "application", "status")?,
        filed_at: r.stored(8, "application", "filed_at")?,
        due_date: r.stored(9, "application", "due_date")?,
        fee_uzs: r.get(10)?,
    })
}

/// A fresh verification code for a receipt, from the operating system's random source.
fn new_receipt_code() -> ReceiptCode {
    use rand::RngCore;
    let mut bytes = [0u8; ariza_core::receipt_code::RANDOM_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    ReceiptCode::from_random(bytes)
}

fn join_name(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An application's history, oldest first. Its first entry, filing, is made from the
/// application row (when, by whom): filing does not write it twice (migration 0008).
pub(crate) fn load_history(conn: &Connection, id: &str) -> Result<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ?2, ?3, a.filed_at, s.username, s.full_name, NULL, ?4, NULL, 0 AS ord, 0 AS seq
         FROM application a JOIN staff s ON s.id = a.clerk_id
         WHERE a.id = ?1
         UNION ALL
         SELECT h.from_status, h.to_status, h.at, s.username, s.full_name, h.reason, h.event, h.detail, 1, h.id
         FROM application_history h JOIN staff s ON s.id = h.staff_id
         WHERE h.application_id = ?1
         ORDER BY ord, seq",
    )?;
    let filing = [
        id,
        Status::Draft.as_str(),
        Status::Filed.as_str(),
        HistoryEvent::Status.as_str(),
    ];
    let rows = stmt.query_map(filing, |r| {
        Ok(HistoryEntry {
            from: r.stored_opt(0, "application_history", "from_status")?,
            to: r.stored(1, "application_history", "to_status")?,
            at: r.stored(2, "application_history", "at")?,
            actor: r.get(3)?,
            actor_name: r.get(4)?,
            reason: r.get(5)?,
            event: r.stored(6, "application_history", "event")?,
            detail: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// An application by its id or tracking number (typed in any accepted form).
pub(crate) fn load_application(conn: &Connection, key: &str) -> Result<Application> {
    let key = match TrackingNumber::parse(key) {
        Ok(t) => t.as_str().to_string(),
        Err(_) => key.trim().to_string(),
    };
    let key = key.as_str();
    let mut app = conn
        .query_row(
            "SELECT a.id, a.tracking_number, a.service_code, a.catalog_version, a.citizen_id, a.form,
                    a.fee_uzs, s.username, s.full_name, a.status, a.filed_at, a.due_date,
                    asg.username, a.sent_back_note, a.replaces, a.receipt_code, a.receipt_locale
             FROM application a JOIN staff s ON s.id = a.clerk_id
             LEFT JOIN staff asg ON asg.id = a.assignee_id
             WHERE a.id = ?1 OR a.tracking_number = ?1",
            [key],
            |r| {
                Ok(Application {
                    id: r.stored(0, "application", "id")?,
                    tracking_number: TrackingNumber::from_stored(r.get(1)?),
                    service_code: r.get(2)?,
                    catalog_version: r.get(3)?,
                    citizen_id: r.get(4)?,
                    citizen_name: String::new(),
                    citizen_pinfl: String::new(),
                    form: r.stored::<StoredForm>(5, "application", "form")?.0,
                    fee_uzs: r.get(6)?,
                    clerk: r.get(7)?,
                    clerk_name: r.get(8)?,
                    assignee: r.get(12)?,
                    sent_back_note: r.get(13)?,
                    replaces: r.stored_opt(14, "application", "replaces")?,
                    status: r.stored(9, "application", "status")?,
                    filed_at: r.stored(10, "application", "filed_at")?,
                    due_date: r.stored(11, "application", "due_date")?,
                    receipt_code: r
                        .stored_opt::<ReceiptCode>(15, "application", "receipt_code")?
                        .map(|c| c.display()),
                    receipt_locale: r.stored_opt(16, "application", "receipt_locale")?,
                    quarantine: None,
                    history: Vec::new(),
                })
            },
        )
        .optional()?
        .ok_or(StoreError::NotFound("err-application-not-found"))?;
    let citizen = get_citizen(conn, app.citizen_id)?;
    let id = app.id.to_string();
    app.citizen_name = citizen.data.full_name();
    app.citizen_pinfl = citizen.data.pinfl.as_str().to_string();
    app.quarantine = conn
        .prepare_cached(
            "SELECT quarantine_key FROM outbox WHERE application_id = ?1 AND quarantined_at IS NOT NULL",
        )?
        .query_row([&id], |r| r.get(0))
        .optional()?
        .flatten();
    app.history = load_history(conn, &id)?;
    Ok(app)
}

/// Where a filing comes from, besides the clerk's form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FilingOrigin<'a> {
    #[default]
    Fresh,
    /// A draft (its id), deleted in the same transaction.
    Draft(&'a str),
    /// Corrects an application the portal set aside or an agency returned (its id or tracking
    /// number): that one is cancelled in the same transaction and the new one replaces it.
    Correction(&'a str),
}

/// Records a history entry. `status` is the status after it (for events other than
/// [`HistoryEvent::Status`], the status it stays in).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_history(
    conn: &Connection,
    application_id: &str,
    from: Option<Status>,
    status: Status,
    event: HistoryEvent,
    at: &str,
    staff_id: i64,
    reason: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO application_history (application_id, from_status, to_status, at, staff_id, reason, event, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        application_id,
        from.map(Status::as_str),
        status.as_str(),
        at,
        staff_id,
        reason,
        event.as_str(),
        detail
    ])?;
    Ok(())
}

/// Marks the application cancelled (its history entry is the caller's: the reason differs).
fn cancel(conn: &Connection, id: &str, at: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE application SET status = ?3, updated_at = ?2, sent_back_note = NULL WHERE id = ?1",
    )?
    .execute(params![id, at, Status::Cancelled.as_str()])?;
    Ok(())
}

/// The next tracking sequence for this device and day: one more than the highest number it
/// gave out that day, read from the unique index on tracking numbers (no counter to write).
/// Callers hold the write lock (an IMMEDIATE transaction), so two filings cannot read alike.
fn next_sequence(conn: &Connection, center: &str, day: NaiveDate, device: u32) -> Result<u32> {
    let prefix = TrackingNumber::day_prefix(center, day, device);
    // '~' sorts after every character a tracking number has.
    let highest: Option<String> = conn
        .prepare_cached(
            "SELECT tracking_number FROM application
             WHERE tracking_number >= ?1 AND tracking_number < ?1 || '~'
             ORDER BY tracking_number DESC LIMIT 1",
        )?
        .query_row([&prefix], |r| r.get(0))
        .optional()?;
    Ok(highest
        .and_then(|t| TrackingNumber::from_stored(t).sequence())
        .map_or(1, |last| last + 1))
}

/// Whether the application is the actor's own: they filed it, or it was reassigned to them.
pub(crate) fn handles(app: &Application, actor: &Actor) -> bool {
    match &app.assignee {
        Some(assignee) => *assignee == actor.username,
        None => app.clerk == actor.username,
    }
}

/// Checks, inside the filing transaction, that `key` may be corrected by `actor` with `req`,
/// and returns its id and status.
fn correctable(
    conn: &Connection,
    actor: &Actor,
    key: &str,
    req: &FileRequest,
) -> Result<(Uuid, Status)> {
    let old = load_application(conn, key.trim())?;
    if handles(&old, actor) {
        actor.role.require(Action::CancelOwnApplication)?;
    } else {
        actor.role.require(Action::CancelAnyApplication)?;
    }
    if old.quarantine.is_none() && old.status != Status::Returned {
        return Err(StoreError::NotFound("err-not-correctable"));
    }
    if old.citizen_id != req.citizen_id || old.service_code != req.service_code {
        return Err(DomainError::Invalid(vec![FieldError::new(
            "service_code",
            "err-correction-same-citizen-service",
        )])
        .into());
    }
    Ok((old.id, old.status))
}

impl Store {
    /// Validates and files an application in one durable transaction: the application, its
    /// first history entry, its tracking number and its place in the outbox.
    pub fn file_application(
        &self,
        actor: &Actor,
        req: &FileRequest,
        clock: &dyn Clock,
    ) -> Result<Application> {
        self.file_application_from(actor, req, FilingOrigin::Fresh, clock)
    }

    /// [`Store::file_application`] from a draft, or as the correction of another application.
    pub fn file_application_from(
        &self,
        actor: &Actor,
        req: &FileRequest,
        origin: FilingOrigin<'_>,
        clock: &dyn Clock,
    ) -> Result<Application> {
        actor.role.require(Action::FileApplication)?;
        let center = self.require_center()?;
        let catalog = self.catalog()?;
        let Some(service) = catalog.service(&req.service_code) else {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "service_code",
                "err-service-not-found",
            )])
            .into());
        };
        let now = clock.now();
        let today = now.with_timezone(&tashkent()).date_naive();
        let values = form::validate(service, &req.form, today)?;
        self.check_documents(service, &req.documents)?;
        let due = add_working_days(today, service.deadline_working_days, &catalog.holidays);
        let id = Uuid::now_v7();

        let mut conn = self.conn();
        // IMMEDIATE takes the write lock up front, so the sequence read and the insert cannot
        // interleave with another writer (the CLI running beside the desk).
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let citizen: Option<(String, String, String, String)> = tx
            .prepare_cached(
                "SELECT surname, given_name, patronymic, pinfl FROM citizen WHERE id = ?1",
            )?
            .query_row([req.citizen_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((surname, given_name, patronymic, pinfl)) = citizen else {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "citizen_id",
                "err-citizen-not-found",
            )])
            .into());
        };
        let replaced = match origin {
            FilingOrigin::Correction(key) => Some(correctable(&tx, actor, key, req)?),
            FilingOrigin::Fresh | FilingOrigin::Draft(_) => None,
        };
        let day = today.format("%Y-%m-%d").to_string();
        let seq = next_sequence(&tx, &center.code, today, center.device_number)?;
        let tracking = TrackingNumber::new(&center.code, today, center.device_number, seq);
        let at = ts(now);
        let id_text = id.to_string();
        let receipt_code = new_receipt_code();
        tx.prepare_cached(
            "INSERT INTO application (id, tracking_number, service_code, catalog_version, citizen_id, form, fee_uzs,
                clerk_id, status, filed_at, filed_date, due_date, updated_at, replaces, receipt_code,
                receipt_locale)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?13, ?9, ?10, ?11, ?9, ?12, ?14, ?15)",
        )?
        .execute(params![
            id_text,
            tracking.as_str(),
            service.code,
            catalog.version,
            req.citizen_id,
            serde_json::to_string(&values)?,
            service.fee_uzs,
            actor.staff_id,
            at,
            day,
            due.format("%Y-%m-%d").to_string(),
            replaced.map(|(old, _)| old.to_string()),
            Status::Filed.as_str(),
            receipt_code.as_str(),
            req.receipt_locale.map(|l| l.tag()),
        ])?;
        // No history row: filing is the application row itself (see `load_history`).
        tx.prepare_cached("INSERT INTO outbox (application_id, enqueued_at) VALUES (?1, ?2)")?
            .execute(params![id_text, at])?;
        crate::audit::record(
            &tx,
            now,
            &actor.username,
            AuditAction::ApplicationFile,
            &id_text,
            &service.code,
        )?;
        // After the filing's own entry, so the audit reads in the order a person would tell it.
        crate::documents::file_documents(&tx, &id_text, &req.documents, actor, now)?;
        match origin {
            FilingOrigin::Fresh => {}
            FilingOrigin::Draft(draft) => {
                let n = tx
                    .prepare_cached("DELETE FROM draft WHERE id = ?1 AND clerk_id = ?2")?
                    .execute(params![draft, actor.staff_id])?;
                if n == 0 {
                    return Err(StoreError::NotFound("err-draft-not-found"));
                }
            }
            FilingOrigin::Correction(_) => {
                if let Some((old, old_status)) = replaced {
                    let old = old.to_string();
                    cancel(&tx, &old, &at)?;
                    // The new tracking number is the reason the citizen will be given.
                    record_history(
                        &tx,
                        &old,
                        Some(old_status),
                        Status::Cancelled,
                        HistoryEvent::Status,
                        &at,
                        actor.staff_id,
                        Some(tracking.as_str()),
                        None,
                    )?;
                    record_history(
                        &tx,
                        &old,
                        Some(Status::Cancelled),
                        Status::Cancelled,
                        HistoryEvent::Corrected,
                        &at,
                        actor.staff_id,
                        None,
                        Some(tracking.as_str()),
                    )?;
                    tx.execute("DELETE FROM outbox WHERE application_id = ?1", [&old])?;
                    crate::audit::record(
                        &tx,
                        now,
                        &actor.username,
                        AuditAction::ApplicationCorrect,
                        &old,
                        &id_text,
                    )?;
                }
            }
        }
        tx.commit()?;
        // Built from what was just written rather than read back: filing is the clerk's hot
        // path. The store tests compare it with a fresh read.
        let filed_at = as_stored(now);
        let app = Application {
            id,
            tracking_number: tracking,
            service_code: service.code.clone(),
            catalog_version: catalog.version,
            citizen_id: req.citizen_id,
            citizen_name: join_name(&[surname, given_name, patronymic]),
            citizen_pinfl: pinfl,
            form: values,
            fee_uzs: service.fee_uzs,
            clerk: actor.username.clone(),
            clerk_name: actor.full_name.clone(),
            assignee: None,
            sent_back_note: None,
            replaces: replaced.map(|(id, _)| id),
            status: Status::Filed,
            filed_at,
            due_date: due,
            receipt_code: Some(receipt_code.display()),
            receipt_locale: req.receipt_locale,
            quarantine: None,
            history: vec![HistoryEntry {
                from: Some(Status::Draft),
                to: Status::Filed,
                at: filed_at,
                actor: actor.username.clone(),
                actor_name: actor.full_name.clone(),
                reason: None,
                event: HistoryEvent::Status,
                detail: None,
            }],
        };
        tracing::info!(application = %id, service = %service.code, by = actor.staff_id, "application filed");
        Ok(app)
    }

    /// An application by its id or tracking number.
    pub fn application(&self, key: &str) -> Result<Application> {
        let conn = self.conn();
        load_application(&conn, key)
    }

    /// A staff member opens an application (and so its citizen's details): permission-checked
    /// and recorded in the audit.
    pub fn open_application(
        &self,
        actor: &Actor,
        key: &str,
        clock: &dyn Clock,
    ) -> Result<Application> {
        actor.role.require(Action::ViewApplications)?;
        let app = self.application(key)?;
        self.audit_event(
            clock.now(),
            &actor.username,
            AuditAction::ApplicationOpen,
            &app.id.to_string(),
            "",
        )?;
        Ok(app)
    }

    /// The newest applications under the filter, at most `filter.limit` (500 by default).
    /// Scripts that must see everything page with [`Store::list_applications_page`].
    pub fn list_applications(&self, filter: &ListFilter) -> Result<Vec<ApplicationSummary>> {
        let page = PageRequest::first(filter.limit.unwrap_or(500));
        Ok(self.list_applications_page(filter, page)?.items)
    }

    /// One window of the applications under the filter (its `limit` is ignored: the page
    /// says how many), newest first, with how many there are in all.
    pub fn list_applications_page(
        &self,
        filter: &ListFilter,
        page: PageRequest,
    ) -> Result<Page<ApplicationSummary>> {
        let mut sql = format!("{SUMMARY_SQL} WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(d) = &filter.date {
            args.push(d.clone());
            sql.push_str(&format!(" AND a.filed_date = ?{}", args.len()));
        }
        if let Some(s) = filter.status {
            args.push(s.as_str().to_string());
            sql.push_str(&format!(" AND a.status = ?{}", args.len()));
        }
        if let Some(c) = &filter.clerk {
            args.push(c.clone());
            sql.push_str(&format!(" AND s.username = ?{}", args.len()));
        }
        // The id breaks ties between filings of the same millisecond, so pages never
        // overlap or skip.
        sql.push_str(" ORDER BY a.filed_at DESC, a.id DESC");
        let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as _).collect();
        query_page(&self.conn(), &sql, &args, page, summary_from_row)
    }

    /// Cancels before delivery, with a reason. A clerk may cancel only what they filed.
    pub fn cancel_application(
        &self,
        actor: &Actor,
        key: &str,
        reason: &str,
        clock: &dyn Clock,
    ) -> Result<Application> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app = load_application(&tx, key.trim())?;
        if handles(&app, actor) {
            actor.role.require(Action::CancelOwnApplication)?;
        } else {
            actor.role.require(Action::CancelAnyApplication)?;
        }
        let reason = reason.trim();
        check_transition(app.status, Status::Cancelled, Some(reason))?;
        let at = ts(clock.now());
        let id = app.id.to_string();
        cancel(&tx, &id, &at)?;
        record_history(
            &tx,
            &id,
            Some(app.status),
            Status::Cancelled,
            HistoryEvent::Status,
            &at,
            actor.staff_id,
            Some(reason),
            None,
        )?;
        // A cancelled application is not delivered: it leaves the queue.
        tx.execute("DELETE FROM outbox WHERE application_id = ?1", [&id])?;
        crate::audit::record(
            &tx,
            clock.now(),
            &actor.username,
            AuditAction::ApplicationCancel,
            &id,
            "",
        )?;
        let app = load_application(&tx, &id)?;
        tx.commit()?;
        tracing::info!(application = %id, by = actor.staff_id, "application cancelled");
        Ok(app)
    }

    /// How many filed applications wait for delivery.
    pub fn outbox_backlog(&self) -> Result<i64> {
        Ok(self.conn().query_row(BACKLOG_SQL, [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod upgrade_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A desk database as schema 7 left it (a 'filed' history row for every application and
    /// a tracking_sequence counter), upgraded: the history reads the same and tracking numbers
    /// carry on from where the counter was.
    #[test]
    fn upgrading_past_migration_8_keeps_history_and_tracking_numbers() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::run_to(&mut conn, 7).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let tracking = TrackingNumber::new("tsh01", day, 2, 7);
        conn.execute_batch(&format!(
            "INSERT INTO center (id, code, name, region, district, device_number, created_at)
                 VALUES (1, 'TSH01', 'Center', '1726', '1726294', 2, '2026-11-01T05:00:00.000Z');
             INSERT INTO staff (id, username, full_name, role, password_hash, created_at)
                 VALUES (11, 'aziza', 'Aziza K', 'clerk', 'x', '2026-11-01T05:00:00.000Z'),
                        (12, 'boss', 'Bobur S', 'supervisor', 'x', '2026-11-01T05:00:00.000Z');
             INSERT INTO citizen (id, pinfl, document_kind, document_number, surname, given_name, patronymic,
                 birth_date, sex, region, district, street, name_key, created_at, created_by)
                 VALUES (1, '31205901234567', 'passport', 'AA1234567', 'Karimov', 'Sherzod', '', '1990-05-12',
                 'male', '1726', '1726294', '', 'karimov sherzod', '2026-11-01T05:00:00.000Z', 11);
             INSERT INTO application (id, tracking_number, service_code, catalog_version, citizen_id, form,
                 fee_uzs, clerk_id, status, filed_at, filed_date, due_date, updated_at)
                 VALUES ('filed-one', '{tracking}', 'eri-key', 1, 1, '{{}}', 0, 11, 'delivered',
                 '2026-11-20T05:00:00.000Z', '2026-11-20', '2026-11-27', '2026-11-20T06:00:00.000Z');
             INSERT INTO application_history (application_id, from_status, to_status, at, staff_id)
                 VALUES ('filed-one', 'draft', 'filed', '2026-11-20T05:00:00.000Z', 11),
                        ('filed-one', 'filed', 'delivered', '2026-11-20T06:00:00.000Z', 11);
             INSERT INTO application_history (application_id, from_status, to_status, at, staff_id, event, detail)
                 VALUES ('filed-one', 'delivered', 'delivered', '2026-11-20T07:00:00.000Z', 12, 'reassigned', 'aziza');
             INSERT INTO tracking_sequence (day, last) VALUES ('2026-11-20', 7);",
            tracking = tracking.as_str()
        ))
        .unwrap();
        let before = load_history(&conn, "filed-one");
        // Read the old way, the 'filed' row is in the table: the new reader would show it twice.
        assert_eq!(before.unwrap().len(), 4);

        crate::migrate::run(&mut conn).unwrap();
        let after = load_history(&conn, "filed-one").unwrap();
        let summary: Vec<(Option<Status>, Status, HistoryEvent, String, String)> = after
            .iter()
            .map(|h| (h.from, h.to, h.event, h.actor.clone(), crate::ts(h.at)))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    Some(Status::Draft),
                    Status::Filed,
                    HistoryEvent::Status,
                    "aziza".into(),
                    "2026-11-20T05:00:00.000Z".into()
                ),
                (
                    Some(Status::Filed),
                    Status::Delivered,
                    HistoryEvent::Status,
                    "aziza".into(),
                    "2026-11-20T06:00:00.000Z".into()
                ),
                (
                    Some(Status::Delivered),
                    Status::Delivered,
                    HistoryEvent::Reassigned,
                    "boss".into(),
                    "2026-11-20T07:00:00.000Z".into()
                ),
            ]
        );
        assert_eq!(after[2].detail.as_deref(), Some("aziza"));
        // The day's next number follows the highest one given, for this device only.
        assert_eq!(next_sequence(&conn, "TSH01", day, 2).unwrap(), 8);
        assert_eq!(next_sequence(&conn, "TSH01", day, 3).unwrap(), 1);
        assert_eq!(
            next_sequence(&conn, "TSH01", day.succ_opt().unwrap(), 2).unwrap(),
            1
        );
    }
}
