//! Desk releases for desks: whether there is a newer one (Tauri's updater endpoint shape,
//! `/{target}/{arch}/{current_version}`) and its package. Anyone may ask: a package is no
//! secret, and nothing is installed without its signature checking out on the desk.

use ariza_core::wire::{ApiError, DeskUpdate};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::{Portal, PortalError, ops};

/// Tauri's `{{target}}/{{arch}}/{{current_version}}`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct UpdatePath {
    /// Operating system, as Tauri names it: `linux`.
    target: String,
    /// Architecture, as Rust names it: `x86_64`.
    arch: String,
    /// The desk's version (semver: `0.1.0`; a leading `v` is accepted).
    #[param(pattern = r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")]
    current_version: String,
}

/// The newest release for this platform if it is newer than the desk's, or 204.
#[utoipa::path(
    get,
    path = "/api/v1/desk/update/{target}/{arch}/{current_version}",
    params(UpdatePath),
    responses(
        (status = 200, description = "a newer release", body = DeskUpdate),
        (status = 204, description = "the desk is up to date"),
        (status = 400, description = "current_version is not a version", body = ApiError),
        (status = 429, description = "too many requests from this address", body = ApiError,
            headers(("retry-after" = u64, description = "seconds to wait"))),
        (status = 503, description = "the portal's database is unavailable", body = ApiError)
    )
)]
pub(crate) async fn update(
    State(portal): State<Portal>,
    Path(path): Path<UpdatePath>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> Result<Response, PortalError> {
    // HTTP/1.1 names the host in its header, HTTP/2 in the request's authority.
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()));
    Ok(
        match ops::releases::update_for(
            &portal,
            host,
            &path.target,
            &path.arch,
            &path.current_version,
        )
        .await?
        {
            Some(update) => Json(update).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    )
}

/// A release's package (`.deb`), as published.
#[utoipa::path(
    get,
    path = "/api/v1/desk/releases/{version}/{arch}/package",
    params(
        ("version" = String, Path, description = "the release's version"),
        ("arch" = String, Path, description = "Debian architecture: amd64")
    ),
    responses(
        (status = 200, description = "the package", content_type = "application/vnd.debian.binary-package", body = Vec<u8>),
        (status = 400, description = "a path segment that is not text", body = ApiError),
        (status = 404, description = "no such release", body = ApiError),
        (status = 429, description = "too many requests from this address", body = ApiError,
            headers(("retry-after" = u64, description = "seconds to wait"))),
        (status = 503, description = "the portal's database is unavailable", body = ApiError)
    )
)]
pub(crate) async fn package(
    State(portal): State<Portal>,
    Path((version, arch)): Path<(String, String)>,
) -> Result<Response, PortalError> {
    let (file_name, bytes) = ops::releases::release_package(&portal, &version, &arch).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.debian.binary-package".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
