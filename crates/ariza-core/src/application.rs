//! An application for a service and its lifecycle:
//! draft → filed → delivered → in review → completed | rejected | returned (→ filed again);
//! cancelled (with a reason) is possible before delivery.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{DomainError, FieldError};
use crate::form::FormValues;
use crate::tracking::TrackingNumber;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Status {
    Draft,
    Filed,
    Delivered,
    InReview,
    Completed,
    Rejected,
    Returned,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::Filed,
        Status::Delivered,
        Status::InReview,
        Status::Completed,
        Status::Rejected,
        Status::Returned,
        Status::Cancelled,
    ];

    /// Filed and waiting for a decision: at the desk, on its way, with the agency, or
    /// returned to the citizen for correction. What can be overdue.
    pub const OPEN: [Status; 4] = [
        Status::Filed,
        Status::Delivered,
        Status::InReview,
        Status::Returned,
    ];

    /// The agency's final answers: what the citizen is handed, what the dashboard times.
    pub const DECIDED: [Status; 2] = [Status::Completed, Status::Rejected];

    /// Known to the portal: an application in one of these has been delivered, whatever the
    /// desk saw of the acknowledgement.
    pub const ON_PORTAL: [Status; 4] = [
        Status::InReview,
        Status::Completed,
        Status::Rejected,
        Status::Returned,
    ];

    pub fn is_open(self) -> bool {
        Status::OPEN.contains(&self)
    }

    pub fn is_decided(self) -> bool {
        Status::DECIDED.contains(&self)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Filed => "filed",
            Status::Delivered => "delivered",
            Status::InReview => "in_review",
            Status::Completed => "completed",
            Status::Rejected => "rejected",
            Status::Returned => "returned",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The Fluent key of the status's name.
    pub fn message_key(self) -> String {
        format!("status-{}", self.as_str().replace('_', "-"))
    }

    /// The legal moves. Anything else is an [`DomainError::IllegalTransition`].
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Draft, Filed)
                | (Draft, Cancelled)
                | (Filed, Delivered)
                | (Filed, Cancelled)
                | (Delivered, InReview)
                | (InReview, Completed)
                | (InReview, Rejected)
                | (InReview, Returned)
                | (Returned, Filed)
                | (Returned, Cancelled)
        )
    }

    /// Whether the move needs a reason from the person making it.
    pub fn needs_reason(to: Status) -> bool {
        matches!(to, Status::Cancelled | Status::Rejected | Status::Returned)
    }
}

/// Checks a transition and its reason.
pub fn check_transition(from: Status, to: Status, reason: Option<&str>) -> Result<(), DomainError> {
    if !from.can_become(to) {
        return Err(DomainError::IllegalTransition { from, to });
    }
    if Status::needs_reason(to) && reason.is_none_or(|r| r.trim().chars().count() < 3) {
        return Err(DomainError::Invalid(vec![FieldError::new(
            "reason",
            "err-reason-required",
        )]));
    }
    Ok(())
}

/// What a history entry records. Only `Status` entries change the status; for the others
/// `from` and `to` are both the status at the time.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistoryEvent {
    #[default]
    Status,
    /// A supervisor gave it to another clerk (`detail`: the clerk's username).
    Reassigned,
    /// A supervisor sent it back to the clerk with a note (`reason`: the note).
    SentBack,
    /// The clerk dealt with what the supervisor sent back (`reason`: what they did).
    SentBackDone,
    /// The decision was handed to the citizen.
    HandedOver,
    /// A supervisor sent it to the portal again after the portal set it aside.
    DeliveryRetried,
    /// Corrected and filed anew (`detail`: the new tracking number); it is cancelled.
    Corrected,
    /// A supervisor merged the citizen's two records; it moved from the merged one
    /// (`reason`: why).
    CitizenMerged,
}

impl HistoryEvent {
    pub const ALL: [HistoryEvent; 8] = [
        HistoryEvent::Status,
        HistoryEvent::Reassigned,
        HistoryEvent::SentBack,
        HistoryEvent::SentBackDone,
        HistoryEvent::HandedOver,
        HistoryEvent::DeliveryRetried,
        HistoryEvent::Corrected,
        HistoryEvent::CitizenMerged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HistoryEvent::Status => "status",
            HistoryEvent::Reassigned => "reassigned",
            HistoryEvent::SentBack => "sent_back",
            HistoryEvent::SentBackDone => "sent_back_done",
            HistoryEvent::HandedOver => "handed_over",
            HistoryEvent::DeliveryRetried => "delivery_retried",
            HistoryEvent::Corrected => "corrected",
            HistoryEvent::CitizenMerged => "citizen_merged",
        }
    }

    pub fn parse(s: &str) -> Option<HistoryEvent> {
        HistoryEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The Fluent key of the event's name (`Status` entries are named by their status).
    pub fn message_key(self) -> String {
        format!("history-{}", self.as_str().replace('_', "-"))
    }
}

/// One step in an application's history: who, when, what and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[ts(export)]
pub struct HistoryEntry {
    pub from: Option<Status>,
    pub to: Status,
    #[ts(type = "string")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_name: String,
    pub reason: Option<String>,
    /// Desks older than this field send only status changes.
    #[serde(default)]
    pub event: HistoryEvent,
    #[serde(default)]
    pub detail: Option<String>,
}

/// What a clerk submits to file an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileRequest {
    #[ts(type = "number")]
    pub citizen_id: i64,
    pub service_code: String,
    #[serde(default)]
    #[ts(type = "Record<string, string | number>")]
    pub form: BTreeMap<String, serde_json::Value>,
    /// Scans stored before filing (the desk stores each as it is attached), filed with the
    /// application under its service's documents.
    #[serde(default)]
    pub documents: Vec<DocumentRef>,
    /// The language the citizen wants their receipt in (not necessarily the clerk's).
    #[serde(default)]
    pub receipt_locale: Option<crate::i18n::Locale>,
}

/// A stored scan filed under one of a service's documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentRef {
    pub requirement_key: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Application {
    #[ts(type = "string")]
    pub id: Uuid,
    pub tracking_number: TrackingNumber,
    pub service_code: String,
    pub catalog_version: u32,
    #[ts(type = "number")]
    pub citizen_id: i64,
    pub citizen_name: String,
    pub citizen_pinfl: String,
    pub form: FormValues,
    #[ts(type = "number")]
    pub fee_uzs: i64,
    pub clerk: String,
    pub clerk_name: String,
    /// Who handles it now, when a supervisor reassigned it (a username).
    pub assignee: Option<String>,
    /// A supervisor's note, while the application is sent back to its clerk.
    pub sent_back_note: Option<String>,
    /// The application this one corrected (cancelled when this was filed).
    #[ts(type = "string | null")]
    pub replaces: Option<Uuid>,
    pub status: Status,
    #[ts(type = "string")]
    pub filed_at: DateTime<Utc>,
    /// The expected decision date: the filing date plus the service's working days.
    #[ts(type = "string")]
    pub due_date: NaiveDate,
    /// The receipt's verification code as printed (`7KQ4-M2XD`), which opens the portal's
    /// status page with the tracking number; none for what was filed before codes existed.
    pub receipt_code: Option<String>,
    /// The language the citizen asked for their receipt in; none: the desk's.
    pub receipt_locale: Option<crate::i18n::Locale>,
    pub history: Vec<HistoryEntry>,
    /// Set when the portal refused the application or reported a conflict: the reason as a
    /// Fluent key, shown in the clerk's language. It waits, out of the queue, for correction.
    pub quarantine: Option<String>,
}

/// A line of a list of applications (no form, no history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ApplicationSummary {
    #[ts(type = "string")]
    pub id: Uuid,
    pub tracking_number: TrackingNumber,
    pub service_code: String,
    pub citizen_name: String,
    /// Who handles it: the assignee when reassigned, else the clerk who filed it.
    pub clerk: String,
    pub status: Status,
    #[ts(type = "string")]
    pub filed_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub due_date: NaiveDate,
    #[ts(type = "number")]
    pub fee_uzs: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_and_illegal_transitions() {
        use Status::*;
        let legal = [
            (Draft, Filed),
            (Draft, Cancelled),
            (Filed, Delivered),
            (Filed, Cancelled),
            (Delivered, InReview),
            (InReview, Completed),
            (InReview, Rejected),
            (InReview, Returned),
            (Returned, Filed),
            (Returned, Cancelled),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = legal.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from:?} → {to:?}");
                let r = check_transition(from, to, Some("citizen asked"));
                assert_eq!(r.is_ok(), expected, "{from:?} → {to:?}");
                if !expected {
                    assert_eq!(r, Err(DomainError::IllegalTransition { from, to }));
                }
            }
        }
    }

    #[test]
    fn cancel_after_delivery_is_illegal() {
        assert_eq!(
            check_transition(Status::Delivered, Status::Cancelled, Some("too late")),
            Err(DomainError::IllegalTransition {
                from: Status::Delivered,
                to: Status::Cancelled
            })
        );
    }

    #[test]
    fn reasons_are_required_where_they_matter() {
        for (from, to) in [
            (Status::Filed, Status::Cancelled),
            (Status::InReview, Status::Rejected),
            (Status::InReview, Status::Returned),
        ] {
            assert!(matches!(
                check_transition(from, to, None),
                Err(DomainError::Invalid(_))
            ));
            assert!(matches!(
                check_transition(from, to, Some("  ")),
                Err(DomainError::Invalid(_))
            ));
            assert!(check_transition(from, to, Some("duplicate")).is_ok());
        }
        assert!(check_transition(Status::Draft, Status::Filed, None).is_ok());
        assert!(matches!(
            check_transition(Status::InReview, Status::Rejected, None),
            Err(DomainError::Invalid(_))
        ));
    }

    /// The named sets are the lifecycle's, not a list kept beside it: decided is where the
    /// agency's review ends for good; open is every filed status a decision can still follow.
    #[test]
    fn open_and_decided_follow_the_lifecycle() {
        let ends = |s: Status| Status::ALL.iter().all(|to| !s.can_become(*to));
        let reaches_decision = |from: Status| {
            let mut seen = vec![from];
            let mut i = 0;
            while i < seen.len() {
                for to in Status::ALL {
                    if seen[i].can_become(to) && !seen.contains(&to) {
                        seen.push(to);
                    }
                }
                i += 1;
            }
            seen[1..].iter().any(|s| s.is_decided())
        };
        for s in Status::ALL {
            let decided = Status::InReview.can_become(s) && ends(s);
            assert_eq!(s.is_decided(), decided, "{s:?}");
            let open = s != Status::Draft && !decided && reaches_decision(s);
            assert_eq!(s.is_open(), open, "{s:?}");
            assert_eq!(
                Status::ON_PORTAL.contains(&s),
                s == Status::InReview || Status::InReview.can_become(s),
                "{s:?}"
            );
        }
    }

    #[test]
    fn status_keys_and_names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert!(s.message_key().starts_with("status-"));
        }
    }
}
