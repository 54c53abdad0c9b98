//! What desks call: enrollment, delivering the outbox, and the change feed.

use ariza_core::wire::{
    ApiError, ChangesResponse, EnrollRequest, EnrollResponse, PushBatch, PushBatchV2, PushResponse,
};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::auth::{DeviceCaller, SignedJson};
use super::decode::{ApiJson, ApiQuery};
use crate::{Portal, PortalError, ops};

/// Trades a one-time enrollment code for a device credential and the device's center.
#[utoipa::path(
    post,
    path = "/api/v1/enroll",
    request_body = EnrollRequest,
    responses(
        (status = 200, body = EnrollResponse),
        (status = 400, description = "malformed body or public key", body = ApiError),
        (status = 403, description = "unknown, used or expired code (a used code with the key it enrolled answers as the first time)", body = ApiError),
        (status = 413, body = ApiError),
        (status = 415, description = "not JSON", body = ApiError),
        (status = 429, description = "too many requests from this address", body = ApiError,
            headers(("retry-after" = u64, description = "seconds to wait"))),
        (status = 503, body = ApiError)
    )
)]
pub(crate) async fn enroll(
    State(portal): State<Portal>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, PortalError> {
    Ok(Json(ops::enrollment::enroll(&portal, &req).await?))
}

/// A desk delivers its outbox in format 2: a batch, compressed with zstd or gzip, one result
/// per application, and its audit entries with one signature over their head, which the
/// portal recomputes, checks against the head it acknowledged and acknowledges again.
#[utoipa::path(
    post,
    path = "/api/v2/applications/batch",
    request_body(content = PushBatchV2, description = "JSON; Content-Encoding zstd, gzip or none"),
    responses(
        (status = 200, description = "one result per application; the audit head acknowledged, or why the audit entries were refused (`audit_chain_broken`)", body = PushResponse),
        (status = 400, body = ApiError),
        (status = 401, description = "unsigned, badly signed or unknown device (all `bad_signature`/`unauthorized`); once signed: revoked, replayed, stale", body = ApiError),
        (status = 413, body = ApiError),
        (status = 415, description = "not JSON, or an unknown content encoding", body = ApiError),
        (status = 429, body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("device" = []))
)]
pub(crate) async fn push(
    State(portal): State<Portal>,
    SignedJson { device, body }: SignedJson<PushBatchV2>,
) -> Result<Json<PushResponse>, PortalError> {
    Ok(Json(
        ops::ingest::receive_push(&portal, &device, body).await?,
    ))
}

/// Format 1 of a push, as desks from before format 2 send it (audit entries with their
/// hashes, no signed head): still accepted, checked the same way.
#[utoipa::path(
    post,
    path = "/api/v1/applications/batch",
    request_body(content = PushBatch, description = "JSON; Content-Encoding zstd, gzip or none"),
    responses(
        (status = 200, body = PushResponse),
        (status = 400, body = ApiError),
        (status = 401, description = "unsigned, badly signed or unknown device; once signed: revoked, replayed, stale", body = ApiError),
        (status = 413, body = ApiError),
        (status = 415, description = "not JSON, or an unknown content encoding", body = ApiError),
        (status = 429, body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("device" = []))
)]
pub(crate) async fn push_v1(
    State(portal): State<Portal>,
    SignedJson { device, body }: SignedJson<PushBatch>,
) -> Result<Json<PushResponse>, PortalError> {
    Ok(Json(
        ops::ingest::receive_from_desk(&portal, &device, &body.applications, &body.audit).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
// A misspelt parameter is refused, not silently ignored: a script asking for `stauts=` must
// not get every application back as if it had asked for them.
#[serde(deny_unknown_fields)]
pub(crate) struct ChangesQuery {
    /// The cursor: the `next_cursor` of the previous answer (0 at first).
    #[serde(default)]
    after: i64,
    /// At most this many changes: 500 by default, taken as 1 to 5000.
    limit: Option<i64>,
    /// How many applications the desk still has waiting to deliver (shown to operators on
    /// the centers' health page). Desks from before it leave it out.
    backlog: Option<u32>,
}

/// Decisions, catalog versions and staff for the device's own center after `after`, oldest
/// first.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    params(ChangesQuery),
    responses(
        (status = 200, body = ChangesResponse),
        (status = 400, description = "a query parameter that does not parse", body = ApiError),
        (status = 401, body = ApiError),
        (status = 429, body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("device" = []))
)]
pub(crate) async fn changes(
    State(portal): State<Portal>,
    DeviceCaller(device): DeviceCaller,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesResponse>, PortalError> {
    Ok(Json(
        ops::feed::changes(&portal, &device, q.after, q.limit, q.backlog).await?,
    ))
}
