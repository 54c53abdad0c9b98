//! Citizen merges from desks: two records of one person made one by a supervisor. Each is
//! recorded once by its id, before the push's applications; the applications it moved that the
//! portal holds then name the survivor, and one that arrives again under the survivor is the
//! same application if undoing the merges gives back what was first received.

use ariza_core::pinfl::Pinfl;
use ariza_core::wire::{CitizenMerge, WireApplication};
use uuid::Uuid;

use crate::ops::devices::Device;
use crate::{Portal, PortalError, db};

/// A merge names at most this many applications: one person's, not a center's.
const MAX_APPLICATIONS: usize = 10_000;

/// Records a push's merges in one transaction; the ids the portal now holds for this device
/// (recorded now or before), which the desk stops sending. One that cannot be a merge is not
/// acknowledged and is logged: the desk keeps it, and IT can see it was refused.
pub async fn record(
    portal: &Portal,
    device: &Device,
    merges: &[CitizenMerge],
) -> Result<Vec<Uuid>, PortalError> {
    if merges.is_empty() {
        return Ok(Vec::new());
    }
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let mut recorded = Vec::with_capacity(merges.len());
    for merge in merges {
        let readable = Pinfl::parse(&merge.survivor.pinfl).is_ok()
            && Pinfl::parse(&merge.merged.pinfl).is_ok()
            && merge.survivor != merge.merged
            && merge.applications.len() <= MAX_APPLICATIONS;
        if !readable {
            tracing::warn!(device = %device.id, merge = %merge.id, "citizen merge refused");
            continue;
        }
        let body =
            serde_json::to_value(merge).map_err(|e| PortalError::BadRequest(e.to_string()))?;
        let inserted =
            db::citizen_merges::insert(&tx, merge, device.id, &device.center_code, &body).await?;
        if !inserted {
            // The same id from another device is not this device's merge to acknowledge.
            if db::citizen_merges::sender(&tx, merge.id).await? == Some(device.id) {
                recorded.push(merge.id);
            }
            continue;
        }
        let as_json =
            |c| serde_json::to_value(c).map_err(|e| PortalError::BadRequest(e.to_string()));
        let updated = db::citizen_merges::apply(
            &tx,
            &device.center_code,
            &merge.applications,
            &as_json(&merge.merged)?,
            &as_json(&merge.survivor)?,
        )
        .await?;
        db::audit::append(
            &tx,
            &device.id.to_string(),
            ariza_core::audit::AuditAction::CitizenMerge.as_str(),
            &merge.id.to_string(),
            &format!("applications={} stored={updated}", merge.applications.len()),
        )
        .await?;
        recorded.push(merge.id);
    }
    tx.commit().await?;
    tracing::info!(device = %device.id, count = recorded.len(), "citizen merges recorded");
    Ok(recorded)
}

/// Whether `app`, whose content differs from what is stored under its id, is the stored
/// application moved by recorded merges.
pub(crate) async fn same_before_merges(
    db: &impl db::GenericClient,
    app: &WireApplication,
    stored_digest: &str,
) -> Result<bool, PortalError> {
    let bodies = db::citizen_merges::for_application(db, app.id).await?;
    if bodies.is_empty() {
        return Ok(false);
    }
    let merges = bodies
        .into_iter()
        .map(serde_json::from_value::<CitizenMerge>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| PortalError::Corrupt("citizen_merge.body"))?;
    Ok(app
        .digests_before_merges(&merges)
        .iter()
        .any(|d| d == stored_digest))
}
