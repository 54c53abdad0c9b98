//! USB bundles at the desk, for a center with no link: everything not yet delivered goes
//! out in one file (the push the engine would send, and the documents), and the portal's
//! file for the center comes back in (its feed, and what it holds of this desk's work). Both
//! travel signed and encrypted (`ariza_bundle`); both are applied by the same idempotent
//! paths as the network's, so whatever travels both ways is applied once.

use ariza_bundle::{BundleDocument, DeskBundle};
use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use ariza_core::wire::{ApplicationColumns, ChangesResponse, PushBatchV2};
use ariza_store::Store;
use uuid::Uuid;

use crate::SyncError;

/// Everything goes in one bundle: a stick holds a week of a center's work many times over.
const ALL: usize = 10_000_000;

/// What a bundle written by this desk holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExportSummary {
    pub applications: usize,
    pub audit_entries: usize,
    pub documents: usize,
    pub bytes: usize,
}

/// What reading the portal's bundle changed here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub decisions: usize,
    pub delivered: usize,
    pub documents: usize,
}

/// The bundle of everything this desk has not delivered, sealed for the portal, by `actor`
/// (a supervisor or administrator: the file carries the center's work). Nothing is marked
/// delivered: the portal's answer (by network or by its own bundle) does that.
pub fn export_bundle(
    store: &Store,
    actor: &Actor,
    clock: &dyn Clock,
) -> Result<(Vec<u8>, ExportSummary), SyncError> {
    actor
        .role
        .require(Action::Backup)
        .map_err(ariza_store::StoreError::from)?;
    let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
    let (recipient, _) = store
        .portal_bundle_keys()?
        .ok_or(SyncError::BundleKeysMissing)?;
    let center = store.require_center()?;
    let applications = store.outbox_batch(ALL)?;
    let upload = store.audit_upload(ALL, None)?;
    let device_id = enrollment.device_id.to_string();
    let documents: Vec<BundleDocument> = store
        .undelivered_scans()?
        .into_iter()
        .map(|(pending, bytes)| BundleDocument {
            application_id: pending.application_id,
            requirement_key: pending.requirement_key,
            sha256: pending.sha256,
            media_type: pending.media_type,
            bytes,
        })
        .collect();
    let summary_counts = (applications.len(), upload.entries.len(), documents.len());
    let bundle = DeskBundle {
        bundle_id: Uuid::now_v7(),
        center_code: center.code,
        device_id: enrollment.device_id,
        created_at: clock.now(),
        push: PushBatchV2 {
            applications: ApplicationColumns::from_rows(applications),
            audit: crate::signed_upload(&upload, &device_id, &enrollment.signing_key)?,
            merges: store.merges_waiting()?,
        },
        documents,
    };
    let sealed = ariza_bundle::seal_desk_bundle(&bundle, &enrollment.signing_key, &recipient)
        .map_err(SyncError::Bundle)?;
    let summary = ExportSummary {
        applications: summary_counts.0,
        audit_entries: summary_counts.1,
        documents: summary_counts.2,
        bytes: sealed.len(),
    };
    store.record_audit(
        actor,
        AuditAction::BundleExport,
        &bundle.bundle_id.to_string(),
        &format!(
            "applications={} audit={} documents={}",
            summary.applications, summary.audit_entries, summary.documents
        ),
        clock.now(),
    )?;
    tracing::info!(
        applications = summary.applications,
        documents = summary.documents,
        bytes = summary.bytes,
        "bundle written"
    );
    Ok((sealed, summary))
}

/// Reads the portal's bundle for this desk: checked (this desk's key opens it, the portal's
/// key signed it, it is for this center and this device), then its feed applied from where
/// this desk's cursor stands, and what the portal holds marked delivered. Reading it again
/// changes nothing.
pub fn import_bundle(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    clock: &dyn Clock,
) -> Result<ImportSummary, SyncError> {
    actor
        .role
        .require(Action::Backup)
        .map_err(ariza_store::StoreError::from)?;
    let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
    let identity = store
        .bundle_identity()?
        .ok_or(SyncError::BundleKeysMissing)?;
    let (_, signing_keys) = store
        .portal_bundle_keys()?
        .ok_or(SyncError::BundleKeysMissing)?;
    let bundle = ariza_bundle::open_portal_bundle(bytes, &identity, &signing_keys)
        .map_err(SyncError::Bundle)?;
    let center = store.require_center()?;
    if bundle.center_code != center.code {
        return Err(SyncError::BundleForeignCenter);
    }
    if bundle.device_id != enrollment.device_id {
        return Err(SyncError::BundleOtherDesk);
    }
    let mut summary = ImportSummary::default();
    let cursor = store.change_cursor()?;
    if bundle.changes.next_cursor > cursor {
        let newer = ChangesResponse {
            changes: bundle
                .changes
                .changes
                .into_iter()
                .filter(|c| c.seq > cursor)
                .collect(),
            next_cursor: bundle.changes.next_cursor,
            bundle_keys: None,
        };
        summary.decisions = store.apply_changes(&newer)?;
    }
    if let Some(keys) = &bundle.changes.bundle_keys {
        store.save_portal_bundle_keys(keys)?;
    }
    let before = store.sync_status()?.documents.waiting;
    let applied = store.apply_bundle_acknowledgement(
        &bundle.received,
        bundle.audit_head.as_ref(),
        &bundle.documents_received,
        &bundle.merges_recorded,
        bundle.created_at,
    )?;
    summary.delivered = applied.delivered;
    summary.documents = (before - store.sync_status()?.documents.waiting).max(0) as usize;
    store.record_audit(
        actor,
        AuditAction::BundleImport,
        &bundle.bundle_id.to_string(),
        &format!(
            "decisions={} delivered={} documents={}",
            summary.decisions, summary.delivered, summary.documents
        ),
        clock.now(),
    )?;
    Ok(summary)
}
