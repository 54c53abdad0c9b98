//! The documents lane: each scan an application refers to arrives as a resumable upload in
//! checked chunks (tus 1.0 core, creation and checksum; docs/sync.md, "Documents"), is
//! assembled and checked against its SHA-256, and is stored once. An application's documents
//! are complete when every reference has arrived and its service's required documents are
//! among them.

use ariza_core::catalog::Catalog;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::documents::Upload;
use crate::ops::devices::Device;
use crate::{Portal, PortalError, db};

/// The largest document the portal takes (the desk's own limits are lower: 15 MiB for a PDF,
/// and a normalized image is far smaller).
pub const MAX_DOCUMENT_BYTES: i64 = 32 * 1024 * 1024;
/// The largest chunk of one `PATCH` (desks send 256 KiB).
pub const MAX_CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Creating an upload: which application's document it is. Sent as the signed JSON body of
/// the creation request rather than tus's `Upload-Metadata` header, because a device's
/// signature covers the body and not the headers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub application_id: Uuid,
    pub requirement_key: String,
    pub sha256: String,
    #[schema(minimum = 1)]
    pub size: i64,
    pub media_type: String,
}

/// Where an upload is: its id (its address is `/api/v1/uploads/{id}`), how much the portal
/// holds, and its whole length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadState {
    pub id: Uuid,
    pub offset: i64,
    pub length: i64,
}

impl From<&Upload> for UploadState {
    fn from(u: &Upload) -> UploadState {
        UploadState {
            id: u.id,
            offset: u.received,
            length: u.size,
        }
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

const MEDIA_TYPES: [&str; 2] = ["image/jpeg", "application/pdf"];

/// Checks a reference before it is stored, from an application's record or an upload.
pub(crate) fn check_reference(
    requirement_key: &str,
    sha256: &str,
    size: i64,
    media_type: &str,
) -> Result<(), PortalError> {
    if !is_sha256_hex(sha256) {
        return Err(PortalError::BadRequest(
            "sha256 is 64 lowercase hex digits".into(),
        ));
    }
    if size < 1 {
        return Err(PortalError::BadRequest("size is at least 1".into()));
    }
    if size > MAX_DOCUMENT_BYTES {
        return Err(PortalError::TooLarge);
    }
    if !MEDIA_TYPES.contains(&media_type) {
        return Err(PortalError::BadRequest(format!(
            "media_type is one of {}",
            MEDIA_TYPES.join(", ")
        )));
    }
    if requirement_key.is_empty() || requirement_key.len() > 64 {
        return Err(PortalError::BadRequest(
            "requirement_key is 1 to 64 characters".into(),
        ));
    }
    Ok(())
}

/// Whether an application's documents are complete, recomputed and stored.
pub(crate) async fn refresh_complete(
    db: &impl db::GenericClient,
    catalog: &Catalog,
    application_id: Uuid,
    service_code: &str,
) -> Result<bool, PortalError> {
    let (keys, all_arrived) = db::documents::references(db, application_id).await?;
    let required_referred = catalog.service(service_code).is_none_or(|s| {
        s.documents
            .iter()
            .filter(|d| d.required)
            .all(|d| keys.contains(&d.key))
    });
    let complete = all_arrived && required_referred;
    db::documents::set_complete(db, application_id, complete).await?;
    Ok(complete)
}

/// An upload of the device's center: another center's is as unknown as a missing one.
fn of_center(upload: Option<Upload>, device: &Device) -> Result<Upload, PortalError> {
    upload
        .filter(|u| u.center_code == device.center_code)
        .ok_or(PortalError::NotFound)
}

/// Creates the upload of an application's document, or finds it: creating it again (the
/// answer was lost) answers with the same upload and how far it is. A document the portal
/// already holds (another application referred to the same bytes) is whole at once.
pub async fn create_upload(
    portal: &Portal,
    device: &Device,
    req: &UploadRequest,
) -> Result<UploadState, PortalError> {
    check_reference(&req.requirement_key, &req.sha256, req.size, &req.media_type)?;
    let catalog = crate::ops::catalog::in_force(portal).await?;
    let client = portal.pool.get().await?;
    // Another center's application is as unknown as a missing one.
    db::applications::stored_identity(&client, req.application_id)
        .await?
        .filter(|a| a.center_code == device.center_code)
        .ok_or(PortalError::NotFound)?;
    let service = db::applications::service_of(&client, req.application_id)
        .await?
        .ok_or(PortalError::NotFound)?;
    let known = catalog
        .service(&service)
        .is_none_or(|s| s.documents.iter().any(|d| d.key == req.requirement_key));
    if !known {
        return Err(PortalError::BadRequest(format!(
            "the service has no document {}",
            req.requirement_key
        )));
    }
    db::documents::insert_reference(
        &client,
        req.application_id,
        &req.requirement_key,
        &req.sha256,
        req.size,
        &req.media_type,
    )
    .await?;
    let upload = db::documents::by_reference(
        &client,
        req.application_id,
        &req.requirement_key,
        &req.sha256,
    )
    .await?
    .ok_or(PortalError::NotFound)?;
    if upload.size != req.size {
        return Err(PortalError::BadRequest(
            "this document was referred to with another size".into(),
        ));
    }
    refresh_complete(
        &client,
        &catalog,
        upload.application_id,
        &upload.service_code,
    )
    .await?;
    Ok(UploadState::from(&upload))
}

/// Where an upload is (`HEAD`).
pub async fn upload_state(
    portal: &Portal,
    device: &Device,
    id: Uuid,
) -> Result<UploadState, PortalError> {
    let client = portal.pool.get().await?;
    let upload = of_center(db::documents::by_id(&client, id).await?, device)?;
    Ok(UploadState::from(&upload))
}

/// The digest of a `Upload-Checksum` header: `sha256 <base64>` (the only algorithm offered).
fn checksum_digest(header: &str) -> Result<Vec<u8>, PortalError> {
    let (algorithm, value) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| PortalError::BadRequest("Upload-Checksum is `sha256 <base64>`".into()))?;
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return Err(PortalError::BadRequest(
            "Upload-Checksum: only sha256 is supported".into(),
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| PortalError::BadRequest("Upload-Checksum is not base64".into()))
}

/// Appends one chunk (`PATCH`) at `offset`, which must be where the upload is; its checksum
/// must match. The last chunk assembles the document: its SHA-256 must be the reference's,
/// or the upload starts again from nothing. Returns the new offset.
pub async fn append_chunk(
    portal: &Portal,
    device: &Device,
    id: Uuid,
    offset: i64,
    checksum: &str,
    bytes: &[u8],
) -> Result<i64, PortalError> {
    use sha2::{Digest, Sha256};
    let digest = checksum_digest(checksum)?;
    if Sha256::digest(bytes).as_slice() != digest.as_slice() {
        return Err(PortalError::ChecksumMismatch);
    }
    let catalog = crate::ops::catalog::in_force(portal).await?;
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let upload = of_center(db::documents::lock(&tx, id).await?, device)?;
    if offset != upload.received {
        return Err(PortalError::UploadOffset {
            current: upload.received,
        });
    }
    if upload.arrived_at.is_some() {
        // Whole already: an empty chunk at its end is the client asking to finish.
        return Ok(upload.size);
    }
    let end = offset + bytes.len() as i64;
    if end > upload.size {
        return Err(PortalError::BadRequest(
            "the chunk goes past the upload's length".into(),
        ));
    }
    if bytes.is_empty() {
        return Ok(offset);
    }
    db::documents::append_chunk(&tx, id, offset, bytes).await?;
    if end < upload.size {
        tx.commit().await?;
        return Ok(end);
    }
    let whole = db::documents::assembled(&tx, id).await?;
    if crate::ops::sha256_hex(&whole) != upload.sha256 {
        db::documents::restart(&tx, id).await?;
        tx.commit().await?;
        tracing::warn!(upload = %id, "an upload did not match its SHA-256; it starts again");
        return Err(PortalError::DocumentMismatch);
    }
    let mut complete = false;
    for (application, service) in db::documents::complete(&tx, &upload, &whole).await? {
        let done = refresh_complete(&tx, &catalog, application, &service).await?;
        if application == upload.application_id {
            complete = done;
        }
    }
    db::audit::append(
        &tx,
        &device.id.to_string(),
        ariza_core::audit::AuditAction::DocumentReceive.as_str(),
        &upload.application_id.to_string(),
        &format!(
            "{} {} complete={complete}",
            upload.requirement_key, upload.sha256
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(upload = %id, bytes = upload.size, "document received");
    Ok(end)
}

/// One document of an application as its agency sees it: arrived, or how much of it is here.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyDocument {
    pub requirement_key: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub received: i64,
    pub arrived_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The documents of an application in the caller's scope (`only_services`: an agency's;
/// `None`: an operator, every service).
pub async fn of_application(
    portal: &Portal,
    only_services: Option<&[String]>,
    application_id: Uuid,
) -> Result<Vec<AgencyDocument>, PortalError> {
    let client = portal.pool.get().await?;
    let service = db::applications::service_of(&client, application_id)
        .await?
        .is_some_and(|s| only_services.is_none_or(|only| only.contains(&s)));
    if !service {
        return Err(PortalError::NotFound);
    }
    Ok(db::documents::of_application(&client, application_id)
        .await?
        .into_iter()
        .map(|u| AgencyDocument {
            requirement_key: u.requirement_key,
            sha256: u.sha256,
            size: u.size,
            media_type: u.media_type,
            received: u.received,
            arrived_at: u.arrived_at,
        })
        .collect())
}
