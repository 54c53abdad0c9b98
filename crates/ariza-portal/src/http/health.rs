//! The connectivity probe and the OpenAPI document.

use ariza_core::wire::Health;
use axum::Json;
use chrono::Utc;

/// Whether the portal is up, and its clock: the sync engine's connectivity probe.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    responses(
        (status = 200, description = "ok", body = Health),
        (status = 429, description = "too many requests from this address", body = ariza_core::wire::ApiError,
            headers(("retry-after" = u64, description = "seconds to wait")))
    )
)]
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        now: Utc::now(),
    })
}

pub(crate) async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    Json(super::ApiDoc::openapi())
}
