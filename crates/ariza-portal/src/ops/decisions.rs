//! Agencies' decisions: the allowed moves, the filing center's feed, the roll-up, the audit
//! trail — and the agencies' queue.

use ariza_core::application::{Status, check_transition};
use ariza_core::error::DomainError;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::Channel;
use chrono::NaiveDate;
use uuid::Uuid;

pub use crate::db::applications::AgencyApplication;
use crate::{Portal, PortalError, db};

/// The statuses an agency decides an application into.
pub const DECIDED_BY_AGENCIES: [Status; 4] = [
    Status::InReview,
    Status::Completed,
    Status::Rejected,
    Status::Returned,
];

/// Records an agency's decision on an application (by id or tracking number) and puts it on
/// the filing center's change feed.
pub async fn decide(
    portal: &Portal,
    key: &str,
    to: Status,
    reason: Option<&str>,
    actor: &str,
) -> Result<Uuid, PortalError> {
    decide_within(portal, key, to, reason, actor, None).await
}

/// [`decide`], limited to `only_services` (an agency's scope; `None` for operators).
pub async fn decide_within(
    portal: &Portal,
    key: &str,
    to: Status,
    reason: Option<&str>,
    actor: &str,
    only_services: Option<&[String]>,
) -> Result<Uuid, PortalError> {
    if !DECIDED_BY_AGENCIES.contains(&to) {
        return Err(PortalError::BadRequest(
            "status is one of in_review, completed, rejected, returned".into(),
        ));
    }
    let by_id = Uuid::parse_str(key.trim()).ok();
    let tracking = TrackingNumber::parse(key).ok();
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(app) = db::applications::lock_for_decision(
        &tx,
        by_id,
        tracking.as_ref().map(TrackingNumber::as_str),
    )
    .await?
    else {
        return Err(PortalError::NotFound);
    };
    // Another agency's application is answered as not found: its existence is not theirs
    // to learn.
    if only_services.is_some_and(|s| !s.contains(&app.service_code)) {
        return Err(PortalError::NotFound);
    }
    let from = Status::parse(&app.status).ok_or(PortalError::NotFound)?;
    match check_transition(from, to, reason) {
        Ok(()) => {}
        Err(DomainError::IllegalTransition { .. }) => {
            return Err(PortalError::IllegalTransition(format!(
                "{} → {}",
                from.as_str(),
                to.as_str()
            )));
        }
        Err(_) => return Err(PortalError::BadRequest("a reason is required".into())),
    }
    db::applications::set_status(&tx, app.id, to.as_str()).await?;
    db::changes::decision(&tx, &app.center_code, app.id, to.as_str(), reason, actor).await?;
    let day = app
        .received_at
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive();
    db::reports::add(&tx, day, &app.center_code, &app.channel, from.as_str(), -1).await?;
    db::reports::add(&tx, day, &app.center_code, &app.channel, to.as_str(), 1).await?;
    db::audit::append(
        &tx,
        actor,
        "application.decide",
        &app.id.to_string(),
        to.as_str(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(application = %app.id, status = to.as_str(), "decision recorded");
    Ok(app.id)
}

/// Sets final statuses for applications just received on `day` and moves them in the
/// roll-up, in one transaction — for loading historical data (the demo), whose centers have
/// no desks to tell: no feed entries. Real decisions go one by one through [`decide`].
pub async fn settle_in_bulk(
    portal: &Portal,
    settled: &[(Uuid, Status)],
    day: NaiveDate,
    center: &str,
    channel: Channel,
) -> Result<(), PortalError> {
    let ids: Vec<Uuid> = settled.iter().map(|(id, _)| *id).collect();
    let statuses: Vec<String> = settled
        .iter()
        .map(|(_, s)| s.as_str().to_string())
        .collect();
    let channel = crate::ops::ingest::channel_name(channel);
    let mut counts: std::collections::BTreeMap<&str, i64> = Default::default();
    for (_, s) in settled {
        *counts.entry(s.as_str()).or_default() += 1;
    }
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    db::applications::set_statuses_in_bulk(&tx, &ids, &statuses).await?;
    db::reports::add(
        &tx,
        day,
        center,
        channel,
        Status::Delivered.as_str(),
        -(settled.len() as i64),
    )
    .await?;
    for (status, n) in counts {
        db::reports::add(&tx, day, center, channel, status, n).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What an agency's queue asks for.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    /// Receive order to continue after.
    pub after: i64,
    pub limit: Option<i64>,
}

/// The applications `only_services` covers (all for `None`), oldest received first.
pub async fn queue(
    portal: &Portal,
    only_services: Option<&[String]>,
    filter: &QueueFilter,
) -> Result<Vec<AgencyApplication>, PortalError> {
    Ok(db::applications::queue(
        &portal.pool.get().await?,
        filter.after,
        only_services,
        filter.status.map(Status::as_str),
        filter.limit.unwrap_or(500).clamp(1, 5000),
    )
    .await?)
}
