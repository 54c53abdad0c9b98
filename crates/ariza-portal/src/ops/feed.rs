//! A center's change feed as its desks read it.

use ariza_core::application::Status;
use ariza_core::wire::{Change, ChangeKind, ChangesResponse};

use crate::ops::devices::Device;
use crate::{Portal, PortalError, db};

/// The device's center's changes after `after`, oldest first, at most `limit` (500 by
/// default), with the portal's current bundle keys. Asking after a cursor acknowledges it:
/// a center's return bundle starts from the lowest its devices acknowledged.
pub async fn changes(
    portal: &Portal,
    device: &Device,
    after: i64,
    limit: Option<i64>,
    backlog: Option<u32>,
) -> Result<ChangesResponse, PortalError> {
    let limit = limit.unwrap_or(500).clamp(1, 5000);
    let client = portal.pool.get().await?;
    db::bundles::record_feed_cursor(&client, device.id, after).await?;
    if let Some(backlog) = backlog {
        let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        db::devices::record_backlog(&client, device.id, backlog).await?;
    }
    drop(client);
    let mut response = changes_of_center(portal, &device.center_code, after, limit).await?;
    response.bundle_keys = Some(crate::ops::bundles::published_keys(portal).await?);
    Ok(response)
}

/// A center's changes after `after`, oldest first, at most `limit`.
pub async fn changes_of_center(
    portal: &Portal,
    center: &str,
    after: i64,
    limit: i64,
) -> Result<ChangesResponse, PortalError> {
    let rows = db::changes::since(&portal.pool.get().await?, center, after, limit).await?;
    let next_cursor = rows.last().map_or(after, |r| r.seq);
    let changes = rows
        .into_iter()
        .map(|r| {
            let kind = match r.kind.as_str() {
                "catalog" => ChangeKind::Catalog,
                "staff" => ChangeKind::Staff,
                _ => ChangeKind::Decision,
            };
            let catalog = (kind == ChangeKind::Catalog)
                .then(|| {
                    r.payload
                        .clone()
                        .and_then(|p| serde_json::from_value(p).ok())
                })
                .flatten();
            let staff = (kind == ChangeKind::Staff)
                .then(|| r.payload.and_then(|p| serde_json::from_value(p).ok()))
                .flatten();
            Change {
                seq: r.seq,
                kind,
                at: r.at,
                actor: r.actor,
                application_id: r.application_id,
                status: r.status.as_deref().and_then(Status::parse),
                reason: r.reason,
                catalog,
                staff,
            }
        })
        .collect();
    Ok(ChangesResponse {
        changes,
        next_cursor,
        bundle_keys: None,
    })
}
