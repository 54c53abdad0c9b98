//! USB bundles at the portal. Importing a desk's bundle takes the same path as its network
//! push (`ingest::receive_push`: each application once by id and digest, the audit chain
//! checked against its signed head) and stores its documents once by SHA-256; so whatever
//! arrives by both routes, in either order, is stored once, and a bundle replayed adds
//! nothing. Exporting writes a center's feed from the cursor its desks acknowledged, with
//! what the portal holds of the center's applications, for each of its devices.

use ariza_bundle::{BundleError, DeskBundle, PortalBundle};
use ariza_core::wire::{BundleKeys, ItemResult, Outcome};
use uuid::Uuid;

use crate::ops::devices::Device;
use crate::{Portal, PortalError, db};

/// How far back a return bundle lists what the portal received: longer than any center
/// goes between two trips with a stick.
const RECEIVED_DAYS: i32 = 90;

/// Why a bundle was refused; nothing of it was stored.
#[derive(Debug, thiserror::Error)]
pub enum BundleRefusal {
    #[error(
        "the bundle cannot be opened: damaged, cut short, or not encrypted to this portal's key"
    )]
    Unreadable,
    #[error("the bundle's signature does not match: it was changed after it was written")]
    BadSignature,
    #[error("the bundle is signed by a device this portal does not know")]
    UnknownDevice,
    #[error("the bundle comes from a revoked device")]
    Revoked,
    #[error("the bundle says it is from center {claimed}, but its device belongs to {actual}")]
    ForeignCenter { claimed: String, actual: String },
    #[error("center {0} has no device that can read a bundle (enroll a desk of this version)")]
    NoReader(String),
    #[error(transparent)]
    Portal(#[from] PortalError),
}

impl From<tokio_postgres::Error> for BundleRefusal {
    fn from(e: tokio_postgres::Error) -> Self {
        BundleRefusal::Portal(e.into())
    }
}

impl From<deadpool_postgres::PoolError> for BundleRefusal {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        BundleRefusal::Portal(e.into())
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub bundle_id: Uuid,
    pub center_code: String,
    /// The bundle was imported before: nothing new was stored.
    pub replayed: bool,
    pub accepted: usize,
    pub duplicates: usize,
    pub refused: usize,
    pub documents_new: usize,
    pub audit_refused: bool,
}

/// The current bundle keys, made at first need.
pub(crate) async fn current_keys(
    portal: &Portal,
) -> Result<db::bundles::BundleKeyRow, PortalError> {
    let mut client = portal.pool.get().await?;
    if let Some(key) = db::bundles::current_key(&client).await? {
        return Ok(key);
    }
    let tx = client.transaction().await?;
    let (reader_secret, reader_recipient) = ariza_bundle::new_reader_key();
    let (signing_secret, signing_public) = ariza_bundle::new_signing_key();
    // Another process may have made one meanwhile: `rotate` takes the table's lock, and the
    // check is repeated under it.
    tx.batch_execute("LOCK TABLE bundle_key IN EXCLUSIVE MODE")
        .await?;
    if db::bundles::current_key(&tx).await?.is_none() {
        db::bundles::rotate(
            &tx,
            (&reader_secret, &reader_recipient),
            (&signing_secret, &signing_public),
        )
        .await?;
    }
    tx.commit().await?;
    db::bundles::current_key(&client)
        .await?
        .ok_or(PortalError::NotFound)
}

/// The public half of the current keys, for enrollment and the change feed.
pub async fn published_keys(portal: &Portal) -> Result<BundleKeys, PortalError> {
    let key = current_keys(portal).await?;
    Ok(BundleKeys {
        recipient: key.reader_recipient,
        signing_key: key.signing_public,
    })
}

/// A new current key; the old ones still open bundles written before, until forgotten.
pub async fn rotate_keys(portal: &Portal) -> Result<BundleKeys, PortalError> {
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let (reader_secret, reader_recipient) = ariza_bundle::new_reader_key();
    let (signing_secret, signing_public) = ariza_bundle::new_signing_key();
    db::bundles::rotate(
        &tx,
        (&reader_secret, &reader_recipient),
        (&signing_secret, &signing_public),
    )
    .await?;
    db::audit::append(&tx, "portal", "bundle.rotate_key", "", &reader_recipient).await?;
    tx.commit().await?;
    Ok(BundleKeys {
        recipient: reader_recipient,
        signing_key: signing_public,
    })
}

/// Forgets the retired keys: bundles sealed to them open nothing any more.
pub async fn forget_retired_keys(portal: &Portal) -> Result<u64, PortalError> {
    Ok(db::bundles::forget_retired(&portal.pool.get().await?).await?)
}

/// Verifies and ingests a desk's bundle.
pub async fn import(portal: &Portal, bytes: &[u8]) -> Result<ImportSummary, BundleRefusal> {
    let refusal = |e: BundleError| match e {
        BundleError::Unreadable | BundleError::BadKey => BundleRefusal::Unreadable,
        BundleError::BadSignature => BundleRefusal::BadSignature,
        BundleError::UnknownSigner => BundleRefusal::UnknownDevice,
    };
    let client = portal.pool.get().await?;
    let secrets = db::bundles::reader_secrets(&client).await?;
    let opened = ariza_bundle::open_desk_bundle(bytes, &secrets).map_err(refusal)?;
    let device_id = opened.device_id();
    let row = db::devices::key(&client, device_id)
        .await?
        .ok_or(BundleRefusal::UnknownDevice)?;
    let key = row
        .public_key
        .as_deref()
        .and_then(|k| ariza_bundle::verifying_key(k).ok())
        .ok_or(BundleRefusal::UnknownDevice)?;
    let bundle: DeskBundle = opened.verify(&key).map_err(refusal)?;
    if row.revoked_at.is_some() {
        return Err(BundleRefusal::Revoked);
    }
    if bundle.center_code != row.center_code {
        return Err(BundleRefusal::ForeignCenter {
            claimed: bundle.center_code,
            actual: row.center_code,
        });
    }
    let device = Device {
        id: device_id,
        center_code: row.center_code.clone(),
        key,
    };
    drop(client);
    let mut summary = ImportSummary {
        bundle_id: bundle.bundle_id,
        center_code: bundle.center_code.clone(),
        ..ImportSummary::default()
    };
    let response = crate::ops::ingest::receive_push(portal, &device, bundle.push).await?;
    for r in &response.results {
        match r.outcome {
            Outcome::Accepted => summary.accepted += 1,
            Outcome::Duplicate => summary.duplicates += 1,
            Outcome::Conflict | Outcome::Rejected => summary.refused += 1,
        }
    }
    summary.audit_refused = response.audit_refused.is_some();
    summary.documents_new = store_documents(portal, &device, &bundle.documents).await?;
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let detail = format!(
        "accepted={} duplicates={} refused={} documents={}",
        summary.accepted, summary.duplicates, summary.refused, summary.documents_new
    );
    summary.replayed =
        !db::bundles::record_import(&tx, bundle.bundle_id, device.id, &detail).await?;
    db::audit::append(
        &tx,
        &device.id.to_string(),
        ariza_core::audit::AuditAction::BundleImport.as_str(),
        &bundle.bundle_id.to_string(),
        &detail,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(device = %device.id, accepted = summary.accepted, duplicates = summary.duplicates, documents = summary.documents_new, "bundle imported");
    Ok(summary)
}

/// Stores a bundle's documents whose bytes match their SHA-256, each once, under the
/// references of the device's center's applications; returns how many were new.
async fn store_documents(
    portal: &Portal,
    device: &Device,
    documents: &[ariza_bundle::BundleDocument],
) -> Result<usize, PortalError> {
    let catalog = crate::ops::catalog::in_force(portal).await?;
    let mut new = 0;
    for d in documents {
        if crate::ops::sha256_hex(&d.bytes) != d.sha256 {
            tracing::warn!("a bundle's document does not match its SHA-256; skipped");
            continue;
        }
        crate::ops::documents::check_reference(
            &d.requirement_key,
            &d.sha256,
            d.bytes.len() as i64,
            &d.media_type,
        )?;
        let mut client = portal.pool.get().await?;
        let owner = db::applications::stored_identity(&client, d.application_id).await?;
        if owner.is_none_or(|o| o.center_code != device.center_code) {
            continue;
        }
        let tx = client.transaction().await?;
        db::documents::insert_reference(
            &tx,
            d.application_id,
            &d.requirement_key,
            &d.sha256,
            d.bytes.len() as i64,
            &d.media_type,
        )
        .await?;
        let changed = db::documents::store_whole(&tx, &d.sha256, &d.media_type, &d.bytes).await?;
        if !changed.is_empty() {
            new += 1;
        }
        for (application, service) in changed {
            crate::ops::documents::refresh_complete(&tx, &catalog, application, &service).await?;
        }
        tx.commit().await?;
    }
    Ok(new)
}

/// A center's return bundle: its feed from the lowest cursor its devices acknowledged, what
/// the portal holds of their applications and documents, sealed for one device of the
/// center (the first that can read bundles, unless `device` names one).
pub async fn export(
    portal: &Portal,
    center: &str,
    device: Option<Uuid>,
) -> Result<Vec<u8>, BundleRefusal> {
    let client = portal.pool.get().await?;
    let devices = db::bundles::center_devices(&client, center).await?;
    let (reader, recipient, cursor) = devices
        .iter()
        .filter(|(id, _, _)| device.is_none_or(|d| d == *id))
        .find_map(|(id, r, c)| r.clone().map(|r| (*id, r, *c)))
        .ok_or_else(|| BundleRefusal::NoReader(center.to_string()))?;
    let key = current_keys(portal).await?;
    // The whole feed after the cursor, page by page.
    let mut changes = crate::ops::feed::changes_of_center(portal, center, cursor, 5000).await?;
    loop {
        let more =
            crate::ops::feed::changes_of_center(portal, center, changes.next_cursor, 5000).await?;
        if more.changes.is_empty() {
            break;
        }
        changes.next_cursor = more.next_cursor;
        changes.changes.extend(more.changes);
    }
    changes.bundle_keys = Some(BundleKeys {
        recipient: key.reader_recipient.clone(),
        signing_key: key.signing_public.clone(),
    });
    let received = db::bundles::received_from(&client, reader, RECEIVED_DAYS)
        .await?
        .into_iter()
        .map(|(id, due)| ItemResult {
            id,
            outcome: Outcome::Duplicate,
            code: None,
            message_key: None,
            due_date: due,
        })
        .collect();
    let documents_received = db::bundles::documents_from(&client, reader, RECEIVED_DAYS).await?;
    let merges_recorded = db::citizen_merges::recorded_from(&client, reader, RECEIVED_DAYS).await?;
    let audit_head = db::audit::desk_head(&client, reader)
        .await?
        .map(|(seq, hash)| ariza_core::wire::AuditHead { seq, hash });
    let bundle = PortalBundle {
        bundle_id: Uuid::now_v7(),
        center_code: center.to_string(),
        device_id: reader,
        created_at: db::now(&client).await?,
        changes,
        received,
        documents_received,
        audit_head,
        merges_recorded,
    };
    let sealed = ariza_bundle::seal_portal_bundle(&bundle, &key.signing_secret, &recipient)
        .map_err(|_| BundleRefusal::NoReader(center.to_string()))?;
    tracing::info!(center, "return bundle written");
    Ok(sealed)
}
