//! What a supervisor does to an application besides deciding nothing about it: give it to
//! another clerk, or send it back to its clerk with a note; and the clerk's answer. Each is
//! permission-checked, recorded in the application's history and in the audit trail. None of
//! it changes what the portal received.

use ariza_core::application::{HistoryEvent, Status};
use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::error::{DomainError, FieldError};
use ariza_core::staff::{Action, Actor};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use ariza_core::application::Application;

use crate::applications::{handles, load_application, record_history};
use crate::{Result, Store, StoreError, ts};

/// A note or answer must say something.
fn required_text(field: &str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() < 3 {
        return Err(
            DomainError::Invalid(vec![FieldError::new(field, "err-reason-required")]).into(),
        );
    }
    Ok(text.to_string())
}

/// A cancelled application is closed: nobody is given it or sent back to it.
fn still_open(app: &Application) -> Result<()> {
    if app.status == Status::Cancelled {
        return Err(StoreError::NotFound("err-application-closed"));
    }
    Ok(())
}

/// An event that leaves the status as it is: one history entry (with the note or the detail)
/// and one audit entry, in the caller's transaction.
pub(crate) struct Event<'a> {
    pub kind: HistoryEvent,
    pub audit_action: AuditAction,
    pub reason: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub(crate) fn record_event(
    tx: &rusqlite::Connection,
    app: &Application,
    actor: &Actor,
    event: Event<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let id = app.id.to_string();
    record_history(
        tx,
        &id,
        Some(app.status),
        app.status,
        event.kind,
        &ts(now),
        actor.staff_id,
        event.reason,
        event.detail,
    )?;
    crate::audit::record(
        tx,
        now,
        &actor.username,
        event.audit_action,
        &id,
        event.detail.unwrap_or(""),
    )
}

impl Store {
    /// Gives the application to another active staff member, who then sees it in their queues.
    pub fn reassign(
        &self,
        actor: &Actor,
        key: &str,
        to_username: &str,
        clock: &dyn Clock,
    ) -> Result<Application> {
        actor.role.require(Action::Supervise)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app = load_application(&tx, key)?;
        still_open(&app)?;
        // The portal's own account (decisions arriving) is not a person to give work to.
        let target: Option<i64> = tx
            .query_row(
                "SELECT id FROM staff WHERE username = ?1 AND active = 1 AND username <> 'portal'",
                [to_username.trim()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(target_id) = target else {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "clerk",
                "err-staff-not-found",
            )])
            .into());
        };
        let id = app.id.to_string();
        let now = clock.now();
        tx.execute(
            "UPDATE application SET assignee_id = ?2 WHERE id = ?1",
            params![id, target_id],
        )?;
        let event = Event {
            kind: HistoryEvent::Reassigned,
            audit_action: AuditAction::ApplicationReassign,
            reason: None,
            detail: Some(to_username.trim()),
        };
        record_event(&tx, &app, actor, event, now)?;
        let app = load_application(&tx, &id)?;
        tx.commit()?;
        tracing::info!(application = %id, by = actor.staff_id, "application reassigned");
        Ok(app)
    }

    /// Sends the application back to the clerk who handles it, with a note saying what to do.
    /// It waits in their "sent back" queue until they answer.
    pub fn send_back(
        &self,
        actor: &Actor,
        key: &str,
        note: &str,
        clock: &dyn Clock,
    ) -> Result<Application> {
        actor.role.require(Action::Supervise)?;
        let note = required_text("note", note)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app = load_application(&tx, key)?;
        still_open(&app)?;
        let id = app.id.to_string();
        let now = clock.now();
        tx.execute(
            "UPDATE application SET sent_back_note = ?2, sent_back_at = ?3 WHERE id = ?1",
            params![id, note, ts(now)],
        )?;
        let event = Event {
            kind: HistoryEvent::SentBack,
            audit_action: AuditAction::ApplicationSendBack,
            reason: Some(&note),
            detail: None,
        };
        record_event(&tx, &app, actor, event, now)?;
        let app = load_application(&tx, &id)?;
        tx.commit()?;
        Ok(app)
    }

    /// The clerk has dealt with what was sent back, and says how. Their own, or a supervisor.
    pub fn answer_sent_back(
        &self,
        actor: &Actor,
        key: &str,
        answer: &str,
        clock: &dyn Clock,
    ) -> Result<Application> {
        let answer = required_text("answer", answer)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let app = load_application(&tx, key)?;
        if !handles(&app, actor) {
            actor.role.require(Action::Supervise)?;
        }
        if app.sent_back_note.is_none() {
            return Err(StoreError::NotFound("err-not-sent-back"));
        }
        let id = app.id.to_string();
        let now = clock.now();
        tx.execute(
            "UPDATE application SET sent_back_note = NULL, sent_back_at = NULL WHERE id = ?1",
            [&id],
        )?;
        let event = Event {
            kind: HistoryEvent::SentBackDone,
            audit_action: AuditAction::ApplicationSentBackDone,
            reason: Some(&answer),
            detail: None,
        };
        record_event(&tx, &app, actor, event, now)?;
        let app = load_application(&tx, &id)?;
        tx.commit()?;
        Ok(app)
    }
}
