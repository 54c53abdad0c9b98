//! What agencies call: their queue, and their decisions.

use ariza_core::application::Status;
use ariza_core::wire::ApiError;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::AgencyCaller;
use super::decode::{ApiJson, ApiPath, ApiQuery};
use crate::ops::decisions::{AgencyApplication, QueueFilter};
use crate::{Portal, PortalError, ops};

/// The statuses an agency decides an application into (`ops::decisions::DECIDED_BY_AGENCIES`):
/// its own schema, so that the document says which statuses are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    InReview,
    Completed,
    Rejected,
    Returned,
}

impl From<Decision> for Status {
    fn from(d: Decision) -> Status {
        match d {
            Decision::InReview => Status::InReview,
            Decision::Completed => Status::Completed,
            Decision::Rejected => Status::Rejected,
            Decision::Returned => Status::Returned,
        }
    }
}

/// An agency's decision on one application.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    /// Application id or tracking number.
    pub application: String,
    pub status: Decision,
    /// Required to reject or return.
    pub reason: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecisionResponse {
    pub application_id: Uuid,
    pub status: Status,
}

#[utoipa::path(
    post,
    path = "/api/v1/decisions",
    request_body = DecisionRequest,
    responses(
        (status = 200, body = DecisionResponse),
        (status = 400, description = "malformed body, a status agencies do not set, or a missing reason", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, description = "no such application in this agency's scope", body = ApiError),
        (status = 409, description = "not a move the application can make", body = ApiError),
        (status = 413, body = ApiError),
        (status = 415, description = "not JSON", body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("portal_user" = []))
)]
pub(crate) async fn decide(
    State(portal): State<Portal>,
    caller: AgencyCaller,
    ApiJson(req): ApiJson<DecisionRequest>,
) -> Result<Json<DecisionResponse>, PortalError> {
    let status = Status::from(req.status);
    let id = ops::decisions::decide_within(
        &portal,
        &req.application,
        status,
        req.reason.as_deref(),
        &caller.user.username,
        caller.only_services.as_deref(),
    )
    .await?;
    Ok(Json(DecisionResponse {
        application_id: id,
        status,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
// A misspelt parameter is refused, not silently ignored: a script asking for `stauts=` must
// not get every application back as if it had asked for them.
#[serde(deny_unknown_fields)]
pub(crate) struct AgencyQuery {
    /// Only applications in this status.
    status: Option<Status>,
    /// Receive order to continue after (the last `receive_seq` seen).
    #[serde(default)]
    after: i64,
    /// At most this many: 500 by default, taken as 1 to 5000.
    limit: Option<i64>,
}

/// The applications an agency decides (operators see all), oldest received first.
#[utoipa::path(
    get,
    path = "/api/v1/agency/applications",
    params(AgencyQuery),
    responses(
        (status = 200, body = [AgencyApplication]),
        (status = 400, description = "a query parameter that does not parse", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("portal_user" = []))
)]
pub(crate) async fn queue(
    State(portal): State<Portal>,
    caller: AgencyCaller,
    ApiQuery(q): ApiQuery<AgencyQuery>,
) -> Result<Json<Vec<AgencyApplication>>, PortalError> {
    let filter = QueueFilter {
        status: q.status,
        after: q.after,
        limit: q.limit,
    };
    Ok(Json(
        ops::decisions::queue(&portal, caller.only_services.as_deref(), &filter).await?,
    ))
}

/// An application's documents: each one it refers to, arrived or still on its way.
#[utoipa::path(
    get,
    path = "/api/v1/agency/applications/{id}/documents",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = [ops::documents::AgencyDocument]),
        (status = 400, description = "not an application id", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, description = "no such application in this agency's scope", body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("portal_user" = []))
)]
pub(crate) async fn documents(
    State(portal): State<Portal>,
    caller: AgencyCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<ops::documents::AgencyDocument>>, PortalError> {
    Ok(Json(
        ops::documents::of_application(&portal, caller.only_services.as_deref(), id).await?,
    ))
}
