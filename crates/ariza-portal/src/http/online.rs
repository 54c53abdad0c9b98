//! The online channel: applications filed on the government portal, posted by its
//! integration (an operator account), so the figures split in person and online.

use ariza_core::wire::{ApiError, PushResponse, WireApplication};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::auth::OperatorCaller;
use super::decode::ApiJson;
use crate::{Portal, PortalError, ops};

/// Applications filed online for one center.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OnlineBatch {
    /// The center the applications are assigned to.
    pub center_code: String,
    #[schema(max_items = 5000)]
    pub applications: Vec<WireApplication>,
}

#[utoipa::path(
    post,
    path = "/api/v1/online/applications",
    request_body = OnlineBatch,
    responses(
        (status = 200, body = PushResponse),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "not an operator", body = ApiError),
        (status = 413, description = "more than 5000 applications, or too many bytes", body = ApiError),
        (status = 415, description = "not JSON", body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("portal_user" = []))
)]
pub(crate) async fn online(
    State(portal): State<Portal>,
    _operator: OperatorCaller,
    ApiJson(batch): ApiJson<OnlineBatch>,
) -> Result<Json<PushResponse>, PortalError> {
    Ok(Json(
        ops::ingest::receive_online(&portal, &batch.center_code, &batch.applications).await?,
    ))
}
