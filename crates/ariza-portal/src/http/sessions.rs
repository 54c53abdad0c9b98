//! Portal users sign in and out: a name and password once, a bearer token after.

use ariza_core::wire::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::SessionCaller;
use super::decode::ApiJson;
use crate::{Portal, PortalError, ops};

/// A portal user's name and password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

/// A new session. Send the token as `Authorization: Bearer TOKEN`; it is shown only now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionResponse {
    pub token: String,
    /// The session's end at the latest, whatever its use.
    pub expires_at: DateTime<Utc>,
    /// It ends sooner if not used for this many seconds.
    pub idle_timeout_seconds: u64,
}

/// Signs a portal user in: the password is checked once, and the answer's token stands for
/// it until the session ends (idle too long, its maximum age, signed out, user deactivated).
#[utoipa::path(
    post,
    path = "/api/v1/session",
    request_body = SignInRequest,
    responses(
        (status = 200, body = SessionResponse),
        (status = 400, description = "malformed body", body = ApiError),
        (status = 401, description = "unknown name or wrong password (not told apart)", body = ApiError),
        (status = 413, body = ApiError),
        (status = 415, description = "not JSON", body = ApiError),
        (status = 429, description = "`rate_limited`: too many sign-ins from this address; `account_locked`: too many failures for this name", body = ApiError,
            headers(("retry-after" = u64, description = "seconds to wait"))),
        (status = 503, body = ApiError)
    )
)]
pub(crate) async fn sign_in(
    State(portal): State<Portal>,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SessionResponse>, PortalError> {
    let session = ops::sessions::sign_in(&portal, &req.username, &req.password).await?;
    Ok(Json(SessionResponse {
        token: session.token,
        expires_at: session.expires_at,
        idle_timeout_seconds: session.idle_timeout_seconds,
    }))
}

/// Signs out: the caller's token is refused from now on.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    responses(
        (status = 204, description = "signed out"),
        (status = 401, body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("portal_user" = []))
)]
pub(crate) async fn sign_out(
    State(portal): State<Portal>,
    caller: SessionCaller,
) -> Result<StatusCode, PortalError> {
    ops::sessions::sign_out(&portal, &caller.user, &caller.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
