//! The documents lane over HTTP: tus 1.0.0 core with the creation and checksum extensions
//! (https://tus.io/protocols/resumable-upload). Every request but `OPTIONS` is signed by the
//! device; creation carries its metadata as a signed JSON body (see
//! [`ops::documents::UploadRequest`]).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::auth::{DeviceCaller, SignedBytes, SignedJson};
use super::decode::ApiPath;
use crate::ops::documents::{MAX_CHUNK_BYTES, MAX_DOCUMENT_BYTES, UploadRequest, UploadState};
use crate::{Portal, PortalError, ops};

pub(crate) const TUS_VERSION: &str = "1.0.0";
pub(crate) const UPLOADS_PATH: &str = "/api/v1/uploads";

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn require_tus(headers: &HeaderMap) -> Result<(), PortalError> {
    match header_text(headers, "tus-resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(PortalError::TusVersion),
    }
}

fn number(headers: &HeaderMap, name: &str) -> Result<i64, PortalError> {
    header_text(headers, name)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| PortalError::BadRequest(format!("{name} is a non-negative integer")))
}

/// The headers every upload answer carries.
fn tus_answer(status: StatusCode, state: Option<UploadState>) -> Response {
    let mut response = status.into_response();
    let h = response.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    if let Some(state) = state {
        h.insert("upload-offset", state.offset.into());
        h.insert("upload-length", state.length.into());
        if let Ok(location) = HeaderValue::from_str(&format!("{UPLOADS_PATH}/{}", state.id)) {
            h.insert(header::LOCATION, location);
        }
    }
    response
}

/// What the portal speaks: the tus version, extensions, checksum algorithm, largest upload.
#[utoipa::path(
    options,
    path = "/api/v1/uploads",
    responses(
        (status = 204, description = "Tus-Version, Tus-Extension, Tus-Checksum-Algorithm, Tus-Max-Size"),
        (status = 429, description = "too many requests from this address", body = ariza_core::wire::ApiError,
            headers(("retry-after" = u64, description = "seconds to wait")))
    )
)]
pub(crate) async fn options() -> Response {
    let mut response = tus_answer(StatusCode::NO_CONTENT, None);
    let h = response.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    h.insert(
        "tus-extension",
        HeaderValue::from_static("creation,checksum"),
    );
    h.insert("tus-checksum-algorithm", HeaderValue::from_static("sha256"));
    h.insert("tus-max-size", MAX_DOCUMENT_BYTES.into());
    response
}

/// Creates the upload of one document of an application the portal has (or answers the
/// one created before for the same reference): `Location` is its address, `Upload-Offset`
/// how much the portal already holds (all of it for a document it has from elsewhere).
#[utoipa::path(
    post,
    path = "/api/v1/uploads",
    params(
        ("tus-resumable" = String, Header, description = "1.0.0"),
        ("upload-length" = i64, Header, description = "the document's size, as in the body")
    ),
    request_body = UploadRequest,
    responses(
        (status = 201, description = "created or found: Location, Upload-Offset, Upload-Length"),
        (status = 400, body = ariza_core::wire::ApiError),
        (status = 401, body = ariza_core::wire::ApiError),
        (status = 404, description = "no such application of the device's center", body = ariza_core::wire::ApiError),
        (status = 412, description = "Tus-Resumable is not 1.0.0", body = ariza_core::wire::ApiError),
        (status = 413, body = ariza_core::wire::ApiError),
        (status = 415, description = "the body is not application/json", body = ariza_core::wire::ApiError),
        (status = 429, body = ariza_core::wire::ApiError),
        (status = 503, body = ariza_core::wire::ApiError)
    ),
    security(("device" = []))
)]
pub(crate) async fn create(
    State(portal): State<Portal>,
    headers: HeaderMap,
    SignedJson { device, body }: SignedJson<UploadRequest>,
) -> Result<Response, PortalError> {
    require_tus(&headers)?;
    if number(&headers, "upload-length")? != body.size {
        return Err(PortalError::BadRequest(
            "Upload-Length is not the body's size".into(),
        ));
    }
    let state = ops::documents::create_upload(&portal, &device, &body).await?;
    Ok(tus_answer(StatusCode::CREATED, Some(state)))
}

/// How much of an upload the portal holds: where to go on after a cut.
#[utoipa::path(
    head,
    path = "/api/v1/uploads/{id}",
    params(("id" = Uuid, Path), ("tus-resumable" = String, Header, description = "1.0.0")),
    responses(
        (status = 200, description = "Upload-Offset, Upload-Length"),
        (status = 400, description = "not an upload id"),
        (status = 401, description = "unsigned or unknown device"),
        (status = 404, description = "no such upload of the device's center"),
        (status = 429, description = "too many requests"),
        (status = 503, description = "the portal cannot answer now")
    ),
    security(("device" = []))
)]
pub(crate) async fn head(
    State(portal): State<Portal>,
    DeviceCaller(device): DeviceCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, PortalError> {
    let state = ops::documents::upload_state(&portal, &device, id).await?;
    let mut response = tus_answer(StatusCode::OK, Some(state));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One chunk at `Upload-Offset`, checked by `Upload-Checksum: sha256 <base64>`.
#[utoipa::path(
    patch,
    path = "/api/v1/uploads/{id}",
    params(
        ("id" = Uuid, Path),
        ("tus-resumable" = String, Header, description = "1.0.0"),
        ("upload-offset" = i64, Header, description = "where this chunk starts"),
        ("upload-checksum" = String, Header, description = "sha256 <base64 of the chunk's SHA-256>")
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "kept: Upload-Offset is the new offset"),
        (status = 400, body = ariza_core::wire::ApiError),
        (status = 401, body = ariza_core::wire::ApiError),
        (status = 404, body = ariza_core::wire::ApiError),
        (status = 409, description = "not the upload's offset (`upload_offset_mismatch`; Upload-Offset says where it is)", body = ariza_core::wire::ApiError),
        (status = 412, body = ariza_core::wire::ApiError),
        (status = 413, body = ariza_core::wire::ApiError),
        (status = 415, description = "not application/offset+octet-stream", body = ariza_core::wire::ApiError),
        (status = 422, description = "the whole upload's SHA-256 is not the document's (`document_mismatch`): it starts again", body = ariza_core::wire::ApiError),
        (status = 460, description = "the chunk's checksum does not match (`checksum_mismatch`)", body = ariza_core::wire::ApiError),
        (status = 503, body = ariza_core::wire::ApiError)
    ),
    security(("device" = []))
)]
pub(crate) async fn patch(
    State(portal): State<Portal>,
    ApiPath(id): ApiPath<Uuid>,
    SignedBytes {
        device,
        headers,
        body,
    }: SignedBytes,
) -> Result<Response, PortalError> {
    require_tus(&headers)?;
    if header_text(&headers, header::CONTENT_TYPE.as_str())
        != Some("application/offset+octet-stream")
    {
        return Err(PortalError::UnsupportedMediaType(
            "a chunk is application/offset+octet-stream".into(),
        ));
    }
    if body.len() > MAX_CHUNK_BYTES {
        return Err(PortalError::TooLarge);
    }
    let offset = number(&headers, "upload-offset")?;
    let checksum = header_text(&headers, "upload-checksum")
        .ok_or_else(|| PortalError::BadRequest("Upload-Checksum is required".into()))?;
    let new_offset =
        ops::documents::append_chunk(&portal, &device, id, offset, checksum, &body).await?;
    let mut response = tus_answer(StatusCode::NO_CONTENT, None);
    response
        .headers_mut()
        .insert("upload-offset", new_offset.into());
    Ok(response)
}
