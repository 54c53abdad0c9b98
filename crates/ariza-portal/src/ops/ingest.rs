//! Receiving applications: each exactly once by id and content digest, checked against the
//! catalog in force, due by its service's deadline in working days, one result each.

use ariza_core::application::Status;
use ariza_core::audit::AuditEntry;
use ariza_core::catalog::Catalog;
use ariza_core::error::PortalCode;
use ariza_core::pinfl::Pinfl;
use ariza_core::receipt_code::ReceiptCode;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::{Channel, ItemResult, Outcome, PushBatchV2, PushResponse, WireApplication};
use ariza_core::working_days::add_working_days;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ops::audit::{ChainOutcome, DeskChain, receive_desk_chain};
use crate::ops::devices::Device;
use crate::{Portal, PortalError, db};

/// At most this many applications in one online post (desks send at most 1000 a batch).
pub const MAX_ONLINE_BATCH: usize = 5000;

/// Who is sending a batch: a desk (in person, its device recorded) or the online channel.
pub struct Sender<'a> {
    pub center_code: &'a str,
    pub device_id: Option<Uuid>,
    pub channel: Channel,
    /// Only historical loads (the demo) set this; everything else is received now.
    pub received_at: Option<DateTime<Utc>>,
}

/// The text a channel is stored and counted as.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::InPerson => "in_person",
        Channel::Online => "online",
    }
}

fn rejected(id: Uuid, code: PortalCode, key: &str) -> ItemResult {
    ItemResult {
        id,
        outcome: Outcome::Rejected,
        code: Some(code.as_str().to_string()),
        message_key: Some(key.to_string()),
        due_date: None,
    }
}

/// Checks what the portal can check of an application before storing it.
fn check(app: &WireApplication, sender: &Sender<'_>, catalog: &Catalog) -> Option<ItemResult> {
    match TrackingNumber::parse(&app.tracking_number) {
        Ok(t) if t.as_str().split('-').next() == Some(sender.center_code) => {}
        Ok(_) => {
            return Some(rejected(
                app.id,
                PortalCode::WrongCenter,
                "err-portal-wrong-center",
            ));
        }
        Err(_) => return Some(rejected(app.id, PortalCode::Invalid, "err-portal-invalid")),
    }
    if catalog.service(&app.service_code).is_none() {
        return Some(rejected(
            app.id,
            PortalCode::UnknownService,
            "err-portal-unknown-service",
        ));
    }
    let references_read = app.documents.iter().all(|d| {
        crate::ops::documents::check_reference(&d.requirement_key, &d.sha256, d.size, &d.media_type)
            .is_ok()
    });
    if !references_read {
        return Some(rejected(app.id, PortalCode::Invalid, "err-portal-invalid"));
    }
    if app
        .receipt_code
        .as_deref()
        .is_some_and(|c| ReceiptCode::parse(c).is_none())
    {
        return Some(rejected(app.id, PortalCode::Invalid, "err-portal-invalid"));
    }
    if Pinfl::parse(&app.citizen.pinfl).is_err() {
        return Some(rejected(app.id, PortalCode::Invalid, "err-portal-invalid"));
    }
    if app.channel != sender.channel {
        return Some(rejected(
            app.id,
            PortalCode::WrongChannel,
            "err-portal-invalid",
        ));
    }
    None
}

/// Stores a batch in one transaction: each application exactly once by id and content digest,
/// with one result each. Refusals and conflicts never stop the rest of the batch.
pub async fn receive(
    portal: &Portal,
    sender: Sender<'_>,
    applications: &[WireApplication],
) -> Result<PushResponse, PortalError> {
    let catalog = crate::ops::catalog::in_force(portal).await?;
    let mut results = Vec::with_capacity(applications.len());
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let received_at = match sender.received_at {
        Some(at) => at,
        None => db::now(&tx).await?,
    };
    let received_day = received_at
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive();
    let channel = channel_name(sender.channel);
    for app in applications {
        if let Some(refusal) = check(app, &sender, &catalog) {
            results.push(refusal);
            continue;
        }
        let digest = app.content_digest();
        let days = catalog
            .service(&app.service_code)
            .map_or(0, |s| s.deadline_working_days);
        let due = add_working_days(received_day, days, &catalog.holidays);
        let body = serde_json::to_value(app).map_err(|e| PortalError::BadRequest(e.to_string()))?;
        let inserted = db::applications::insert_new(
            &tx,
            &db::applications::NewApplication {
                id: app.id,
                center_code: sender.center_code,
                device_id: sender.device_id,
                tracking_number: &app.tracking_number,
                channel,
                service_code: &app.service_code,
                status: Status::Delivered.as_str(),
                content_sha256: &digest,
                body: &body,
                filed_at_desk: app.filed_at,
                received_at,
                due_date: due,
                // Without references, complete only if the service requires nothing; with
                // them, counted once they are stored (below).
                receipt_code_sha256: app
                    .receipt_code
                    .as_deref()
                    .and_then(ReceiptCode::parse)
                    .map(|c| ariza_core::receipt_code::digest(&app.tracking_number, &c)),
                documents_complete: app.documents.is_empty()
                    && catalog
                        .service(&app.service_code)
                        .is_some_and(|s| s.documents.iter().all(|d| !d.required)),
            },
        )
        .await?;
        if inserted {
            for d in &app.documents {
                db::documents::insert_reference(
                    &tx,
                    app.id,
                    &d.requirement_key,
                    &d.sha256,
                    d.size,
                    &d.media_type,
                )
                .await?;
            }
            if !app.documents.is_empty() {
                crate::ops::documents::refresh_complete(&tx, &catalog, app.id, &app.service_code)
                    .await?;
            }
            results.push(ItemResult {
                id: app.id,
                outcome: Outcome::Accepted,
                code: None,
                message_key: None,
                due_date: Some(due),
            });
            continue;
        }
        let stored = db::applications::stored_identity(&tx, app.id).await?;
        let same = match &stored {
            Some(stored) if stored.center_code == sender.center_code => {
                stored.content_sha256 == digest
                    || crate::ops::citizen_merges::same_before_merges(
                        &tx,
                        app,
                        &stored.content_sha256,
                    )
                    .await?
            }
            _ => false,
        };
        match stored {
            Some(stored) if same => {
                results.push(ItemResult {
                    id: app.id,
                    outcome: Outcome::Duplicate,
                    code: None,
                    message_key: None,
                    due_date: stored.due_date,
                });
            }
            _ => {
                db::applications::insert_conflict(&tx, app.id, sender.device_id, &digest, &body)
                    .await?;
                tracing::warn!(application = %app.id, "conflicting content recorded");
                results.push(ItemResult {
                    id: app.id,
                    outcome: Outcome::Conflict,
                    code: Some(PortalCode::Conflict.as_str().to_string()),
                    message_key: Some("err-portal-conflict".into()),
                    due_date: None,
                });
            }
        }
    }
    let accepted = results
        .iter()
        .filter(|r| r.outcome == Outcome::Accepted)
        .count();
    if accepted > 0 {
        db::reports::add(
            &tx,
            received_day,
            sender.center_code,
            channel,
            Status::Delivered.as_str(),
            accepted as i64,
        )
        .await?;
        let who = sender
            .device_id
            .map_or("online".to_string(), |d| d.to_string());
        if let Some(device) = sender.device_id {
            db::devices::record_delivery(&tx, device, accepted as i32, received_at).await?;
        }
        db::audit::append(
            &tx,
            &who,
            "applications.receive",
            sender.center_code,
            &format!("accepted={accepted}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(PushResponse {
        results,
        received_at,
        audit_stored_to: None,
        audit_head: None,
        audit_refused: None,
        merges_recorded: Vec::new(),
    })
}

/// Applications posted by the online channel's integration for `center_code`.
pub async fn receive_online(
    portal: &Portal,
    center_code: &str,
    applications: &[WireApplication],
) -> Result<PushResponse, PortalError> {
    if applications.len() > MAX_ONLINE_BATCH {
        return Err(PortalError::TooLarge);
    }
    let center = center_code.trim().to_uppercase();
    let sender = Sender {
        center_code: &center,
        device_id: None,
        channel: Channel::Online,
        received_at: None,
    };
    receive(portal, sender, applications).await
}

/// A desk's push in format 1 (desks from before format 2): its applications, then its audit
/// entries, each with the hashes it computed; the highest entry stored is reported back so
/// the desk can stop sending them.
pub async fn receive_from_desk(
    portal: &Portal,
    device: &Device,
    applications: &[WireApplication],
    audit: &[AuditEntry],
) -> Result<PushResponse, PortalError> {
    let mut response = receive(portal, desk_sender(device), applications).await?;
    if let Some(chain) = DeskChain::legacy(audit) {
        match receive_desk_chain(portal, device, &chain).await? {
            ChainOutcome::Stored(head) => response.audit_stored_to = Some(head.seq),
            ChainOutcome::Refused(refusal) => response.audit_refused = Some(refusal),
        }
    }
    tracing::info!(device = %device.id, count = response.results.len(), format = 1, "batch received");
    Ok(response)
}

/// A desk's push in format 2: its applications, then its audit upload, whose head the
/// portal acknowledges once the chain and the device's signature over it check out.
pub async fn receive_push(
    portal: &Portal,
    device: &Device,
    batch: PushBatchV2,
) -> Result<PushResponse, PortalError> {
    let applications = batch.applications.into_rows()?;
    let upload = batch.audit;
    let lines = upload.entries.into_lines()?;
    // Before the applications: one moved by a merge may be among them, under its survivor.
    let merges_recorded = crate::ops::citizen_merges::record(portal, device, &batch.merges).await?;
    let mut response = receive(portal, desk_sender(device), &applications).await?;
    response.merges_recorded = merges_recorded;
    let chain = DeskChain {
        after_seq: upload.after_seq,
        after_hash: &upload.after_hash,
        lines,
        newest_seq: Some(upload.newest_seq),
        head_signature: Some(&upload.head_signature),
        claimed: None,
    };
    match receive_desk_chain(portal, device, &chain).await? {
        ChainOutcome::Stored(head) => {
            response.audit_stored_to = Some(head.seq);
            response.audit_head = Some(head);
        }
        ChainOutcome::Refused(refusal) => response.audit_refused = Some(refusal),
    }
    tracing::info!(device = %device.id, count = response.results.len(), format = 2, "batch received");
    Ok(response)
}

fn desk_sender(device: &Device) -> Sender<'_> {
    Sender {
        center_code: &device.center_code,
        device_id: Some(device.id),
        channel: Channel::InPerson,
        received_at: None,
    }
}
