//! What agency staff work with on the web: their queue (by status group, overdue first, with
//! the working days left), one application as delivered with its history from the desk and
//! the portal, its documents, and taking many into review at once. Operators see every
//! service; an agency only its own (`ops::users::scope`), and another agency's application is
//! answered as not found.

use ariza_core::application::{HistoryEntry, Status};
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::WireApplication;
use ariza_core::working_days::working_days_left;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::ops::documents::AgencyDocument;
use crate::{Portal, PortalError, db};

/// The queue's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusGroup {
    /// Everything not yet decided.
    #[default]
    Open,
    /// Received, nobody has taken it yet.
    New,
    InReview,
    /// Sent back to the center.
    Returned,
    /// Completed or rejected.
    Decided,
    All,
}

impl StatusGroup {
    pub const ALL: [StatusGroup; 6] = [
        StatusGroup::Open,
        StatusGroup::New,
        StatusGroup::InReview,
        StatusGroup::Returned,
        StatusGroup::Decided,
        StatusGroup::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusGroup::Open => "open",
            StatusGroup::New => "new",
            StatusGroup::InReview => "in_review",
            StatusGroup::Returned => "returned",
            StatusGroup::Decided => "decided",
            StatusGroup::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<StatusGroup> {
        StatusGroup::ALL.into_iter().find(|g| g.as_str() == text)
    }

    fn statuses(self) -> Option<Vec<Status>> {
        match self {
            StatusGroup::Open => Some(OPEN.to_vec()),
            StatusGroup::New => Some(vec![Status::Delivered]),
            StatusGroup::InReview => Some(vec![Status::InReview]),
            StatusGroup::Returned => Some(vec![Status::Returned]),
            StatusGroup::Decided => Some(vec![Status::Completed, Status::Rejected]),
            StatusGroup::All => None,
        }
    }
}

/// Waiting on the agency: what can be overdue.
const OPEN: [Status; 2] = [Status::Delivered, Status::InReview];

/// What the queue is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    pub group: StatusGroup,
    pub service: Option<String>,
    pub region: Option<String>,
    pub center: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// A tracking number as typed; its check character must hold.
    pub tracking: Option<String>,
}

/// One line of the queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: Uuid,
    pub tracking_number: String,
    pub center_code: String,
    pub center_name: String,
    pub region: String,
    pub service_code: String,
    pub online: bool,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    /// Working days to the deadline; negative once it has passed.
    pub days_left: Option<i64>,
    /// Open and past its deadline.
    pub overdue: bool,
    pub documents_complete: Option<bool>,
    pub documents_pending: i64,
}

/// The most lines a queue page shows; the filters narrow the rest.
pub const QUEUE_PAGE: i64 = 200;

fn status_of(text: &str) -> Result<Status, PortalError> {
    Status::parse(text).ok_or(PortalError::Corrupt("application.status"))
}

/// Today in Tashkent by the database's clock.
pub async fn today(portal: &Portal) -> Result<NaiveDate, PortalError> {
    let now = db::now(&portal.pool.get().await?).await?;
    Ok(now
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive())
}

/// The queue of `only_services` (all for `None`) under `q`, overdue first.
pub async fn queue(
    portal: &Portal,
    only_services: Option<&[String]>,
    q: &QueueQuery,
) -> Result<Vec<QueueItem>, PortalError> {
    let tracking = match q.tracking.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(typed) => Some(
            TrackingNumber::parse(typed)
                .map_err(|_| PortalError::BadRequest("not a tracking number".into()))?,
        ),
    };
    if let (Some(from), Some(to)) = (q.from, q.to)
        && to < from
    {
        return Err(PortalError::BadRequest("`to` is before `from`".into()));
    }
    let catalog = crate::ops::catalog::in_force(portal).await?;
    let today = today(portal).await?;
    let statuses: Option<Vec<String>> = q
        .group
        .statuses()
        .map(|s| s.iter().map(|s| s.as_str().to_string()).collect());
    let open: Vec<String> = OPEN.iter().map(|s| s.as_str().to_string()).collect();
    let lines = db::applications::web_queue(
        &portal.pool.get().await?,
        &db::applications::QueueWhere {
            services: only_services,
            statuses: statuses.as_deref(),
            service: q.service.as_deref().filter(|s| !s.is_empty()),
            region: q.region.as_deref().filter(|s| !s.is_empty()),
            center: q.center.as_deref().filter(|s| !s.is_empty()),
            from: q.from,
            to: q.to,
            tracking_number: tracking.as_ref().map(TrackingNumber::as_str),
            today,
            open_statuses: &open,
            limit: QUEUE_PAGE,
        },
    )
    .await?;
    lines
        .into_iter()
        .map(|l| {
            let status = status_of(&l.status)?;
            let days_left = l
                .due_date
                .map(|due| working_days_left(today, due, &catalog.holidays));
            Ok(QueueItem {
                overdue: OPEN.contains(&status) && l.due_date.is_some_and(|d| d < today),
                id: l.id,
                tracking_number: l.tracking_number,
                center_code: l.center_code,
                center_name: l.center_name,
                region: l.region,
                service_code: l.service_code,
                online: l.channel == "online",
                status,
                received_at: l.received_at,
                due_date: l.due_date,
                days_left,
                documents_complete: l.documents_complete,
                documents_pending: l.documents_pending,
            })
        })
        .collect()
}

/// A decision the portal recorded.
#[derive(Debug, Clone)]
pub struct PortalStep {
    pub status: Status,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// One application as its agency reads it.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub id: Uuid,
    pub tracking_number: String,
    pub center_code: String,
    pub center_name: String,
    pub online: bool,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    pub days_left: Option<i64>,
    /// The record as the desk (or the online channel) delivered it.
    pub record: WireApplication,
    /// The desk's history, as delivered.
    pub desk_history: Vec<HistoryEntry>,
    pub portal_history: Vec<PortalStep>,
    pub documents: Vec<AgencyDocument>,
}

/// The application `id` in the caller's scope.
pub async fn application(
    portal: &Portal,
    only_services: Option<&[String]>,
    id: Uuid,
) -> Result<ApplicationView, PortalError> {
    let client = portal.pool.get().await?;
    let Some(full) = db::applications::full(&client, id).await? else {
        return Err(PortalError::NotFound);
    };
    if only_services.is_some_and(|s| !s.contains(&full.service_code)) {
        return Err(PortalError::NotFound);
    }
    // What was stored on arrival must read back: a record that does not is corruption.
    let record: WireApplication =
        serde_json::from_value(full.body).map_err(|_| PortalError::Corrupt("application.body"))?;
    let portal_history = db::applications::portal_history(&client, id)
        .await?
        .into_iter()
        .map(|s| {
            Ok(PortalStep {
                status: status_of(&s.status)?,
                reason: s.reason,
                actor: s.actor,
                at: s.at,
            })
        })
        .collect::<Result<Vec<_>, PortalError>>()?;
    drop(client);
    let documents = crate::ops::documents::of_application(portal, only_services, id).await?;
    let catalog = crate::ops::catalog::in_force(portal).await?;
    let today = today(portal).await?;
    Ok(ApplicationView {
        id: full.id,
        tracking_number: full.tracking_number,
        center_code: full.center_code,
        center_name: full.center_name,
        online: full.channel == "online",
        status: status_of(&full.status)?,
        received_at: full.received_at,
        days_left: full
            .due_date
            .map(|due| working_days_left(today, due, &catalog.holidays)),
        due_date: full.due_date,
        desk_history: record.history.clone(),
        record,
        portal_history,
        documents,
    })
}

/// A document of an application in the caller's scope, once it has arrived: its media type
/// and bytes.
pub async fn document(
    portal: &Portal,
    only_services: Option<&[String]>,
    application_id: Uuid,
    sha256: &str,
) -> Result<(String, Vec<u8>), PortalError> {
    let client = portal.pool.get().await?;
    let in_scope = db::applications::service_of(&client, application_id)
        .await?
        .is_some_and(|s| only_services.is_none_or(|only| only.contains(&s)));
    if !in_scope {
        return Err(PortalError::NotFound);
    }
    db::documents::arrived_bytes(&client, application_id, sha256)
        .await?
        .ok_or(PortalError::NotFound)
}

/// Takes each of `ids` into review, each as its own audited decision. How many moved; the
/// ones that could not (decided meanwhile, out of scope) are left as they are.
pub async fn take_into_review(
    portal: &Portal,
    only_services: Option<&[String]>,
    ids: &[Uuid],
    actor: &str,
) -> Result<usize, PortalError> {
    let mut moved = 0;
    for id in ids {
        match crate::ops::decisions::decide_within(
            portal,
            &id.to_string(),
            Status::InReview,
            None,
            actor,
            only_services,
        )
        .await
        {
            Ok(_) => moved += 1,
            Err(PortalError::NotFound | PortalError::IllegalTransition(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}
