//! Signing in on the web: the API's sessions (`ops::sessions`: only the token's digest is
//! stored, 30 minutes idle, 8 hours at most), carried in a cookie that script cannot read
//! (`HttpOnly`), that travels only over HTTPS or to localhost (`Secure`) and never with a
//! request another site starts (`SameSite=Strict`).
//!
//! Every state-changing form also carries a CSRF token derived from the session's own secret
//! ([`csrf_token`]), checked on the server before anything happens. The sign-in form, which
//! has no session yet, carries a random token that must match a cookie set with the form
//! (double submit), so another site cannot sign a browser in under its own account.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::form::WebForm;
use super::page::{Ctx, cookie, local_path, to_sign_in};
use crate::ops::users::PortalUser;
use crate::{Portal, PortalError, ops};

const SESSION_COOKIE: &str = "ariza_session";
const SIGN_IN_COOKIE: &str = "ariza_sign_in";

/// A signed-in reader: who they are, and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub user: PortalUser,
    pub csrf: String,
    token: String,
}

/// The CSRF token of a session: a digest of its secret, so it is known only to whoever holds
/// the session, and needs nothing stored.
fn csrf_token(session_token: &str) -> String {
    ops::sha256_hex(format!("ariza-web-csrf\0{session_token}").as_bytes())
}

impl SignedIn {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, form: &WebForm) -> Result<(), PortalError> {
        match form.get("csrf") {
            Some(token) if ops::same_secret(token, &self.csrf) => Ok(()),
            _ => {
                tracing::warn!("web form refused: CSRF token missing or wrong");
                Err(PortalError::Forbidden)
            }
        }
    }

    /// Refuses anyone whose role is not one of `roles`.
    pub fn require(&self, roles: &[&str]) -> Result<(), PortalError> {
        ops::users::require_role(&self.user, roles)
    }
}

async fn signed_in(parts: &Parts, portal: &Portal) -> Result<Option<SignedIn>, PortalError> {
    let Some(token) = cookie(parts, SESSION_COOKIE) else {
        return Ok(None);
    };
    match ops::sessions::authenticate(portal, token).await {
        Ok(user) => Ok(Some(SignedIn {
            user,
            csrf: csrf_token(token),
            token: token.to_string(),
        })),
        Err(PortalError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    }
}

impl FromRequestParts<Portal> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, Response> {
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        match signed_in(parts, portal).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(to_sign_in(&here)),
            Err(e) => {
                let ctx = Ctx::from_request_parts(parts, portal)
                    .await
                    .unwrap_or_else(|never| match never {});
                Err(ctx.failure(None, e))
            }
        }
    }
}

impl OptionalFromRequestParts<Portal> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        portal: &Portal,
    ) -> Result<Option<Self>, Response> {
        // A page anyone may open still opens when the database cannot say who is asking.
        Ok(signed_in(parts, portal).await.unwrap_or(None))
    }
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct Next {
    next: Option<String>,
}

fn sign_in_page(
    ctx: &Ctx,
    status: StatusCode,
    next: &str,
    error: Option<String>,
    username: &str,
) -> Response {
    let token = ops::random_hex(16);
    let title = ctx.t("web-sign-in-title");
    let mut response = ctx.page_with_status(
        status,
        None,
        &title,
        html! {
            @if let Some(error) = &error {
                div.banner.error role="alert" id="sign-in-error" { p { (error) } }
            }
            form.stack method="post" action="/sign-in" id="sign-in-form" {
                input type="hidden" name="sign_in_token" value=(token);
                input type="hidden" name="next" value=(next);
                label for="username" { (ctx.t("web-username")) }
                input id="username" name="username" type="text" autocomplete="username"
                    required autofocus value=(username)
                    aria-invalid=[error.is_some().then_some("true")]
                    aria-describedby=[error.is_some().then_some("sign-in-error")];
                label for="password" { (ctx.t("web-password")) }
                input id="password" name="password" type="password"
                    autocomplete="current-password" required
                    aria-invalid=[error.is_some().then_some("true")];
                button type="submit" id="sign-in-submit" { (ctx.t("web-sign-in")) }
            }
        },
    );
    set_cookie(
        &mut response,
        &format!("{SIGN_IN_COOKIE}={token}; Path=/sign-in; HttpOnly; Secure; SameSite=Strict"),
    );
    response
}

/// `GET /sign-in`.
pub(crate) async fn sign_in_form(
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<Next>,
) -> Response {
    let next = local_path(q.next.as_deref().unwrap_or("/")).to_string();
    sign_in_page(&ctx, StatusCode::OK, &next, None, "")
}

/// `POST /sign-in`: the same answer for an unknown name and a wrong password.
pub(crate) async fn sign_in(
    State(portal): State<Portal>,
    ctx: Ctx,
    parts: Parts,
    form: WebForm,
) -> Response {
    let next = local_path(form.get("next").unwrap_or("/")).to_string();
    let username = form.get("username").unwrap_or_default().to_string();
    let double_submit = match (cookie(&parts, SIGN_IN_COOKIE), form.get("sign_in_token")) {
        (Some(c), Some(f)) => ops::same_secret(c, f),
        _ => false,
    };
    if !double_submit {
        tracing::warn!("web sign-in refused: its form token does not match");
        return sign_in_page(
            &ctx,
            StatusCode::FORBIDDEN,
            &next,
            Some(ctx.t("web-err-form-expired")),
            &username,
        );
    }
    let password = form.get("password").unwrap_or_default();
    match ops::sessions::sign_in(&portal, &username, password).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            set_cookie(
                &mut response,
                &format!(
                    "{SESSION_COOKIE}={}; Path=/; HttpOnly; Secure; SameSite=Strict",
                    session.token
                ),
            );
            set_cookie(
                &mut response,
                &format!(
                    "{SIGN_IN_COOKIE}=; Path=/sign-in; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
                ),
            );
            response
        }
        Err(PortalError::Unauthorized) => sign_in_page(
            &ctx,
            StatusCode::UNAUTHORIZED,
            &next,
            Some(ctx.t("web-err-sign-in")),
            &username,
        ),
        Err(PortalError::AccountLocked { retry_after }) => sign_in_page(
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some(ctx.ta(
                "web-err-account-locked-for",
                &[("minutes", retry_after.div_ceil(60).to_string())],
            )),
            &username,
        ),
        Err(e) => ctx.failure(None, e),
    }
}

/// `POST /sign-out`: ends the session on the server and forgets the cookie.
pub(crate) async fn sign_out(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    form: WebForm,
) -> Response {
    let result = async {
        user.check_csrf(&form)?;
        ops::sessions::sign_out(&portal, &user.user, &user.token).await
    }
    .await;
    match result {
        Ok(()) => {
            let mut response = Redirect::to("/").into_response();
            set_cookie(
                &mut response,
                &format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"),
            );
            response
        }
        Err(e) => ctx.failure(Some(&user), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_is_the_sessions_own_and_reveals_nothing() {
        let (a, b) = (csrf_token("token-a"), csrf_token("token-b"));
        assert_ne!(a, b);
        assert_eq!(a, csrf_token("token-a"));
        assert!(!a.contains("token-a"));
        assert!(ops::same_secret(&a, &a.clone()));
        assert!(!ops::same_secret(&a, &b));
    }
}
