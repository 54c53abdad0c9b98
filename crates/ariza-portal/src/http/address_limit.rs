//! The per-address limits as middleware on the routes anyone can call (`ops::address_limits`).
//! The client's address is the TCP peer's (`ConnectInfo`, so the router must be served with
//! `into_make_service_with_connect_info::<SocketAddr>()`), or, from a configured trusted
//! reverse proxy, the one it names in `X-Forwarded-For`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::ops::address_limits::{Door, client_address};
use crate::{Portal, PortalError};

static WARNED_NO_PEER: AtomicBool = AtomicBool::new(false);

fn address_of(portal: &Portal, req: &Request) -> IpAddr {
    let peer = match req.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => peer.ip(),
        None => {
            // Served without connect info: every client shares one bucket. Said once, loudly,
            // rather than refusing every request.
            if !WARNED_NO_PEER.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "the router is served without client addresses; all clients share one rate limit"
                );
            }
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        }
    };
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    client_address(peer, forwarded, &portal.trusted_proxies)
}

async fn limited(
    door: Door,
    portal: &Portal,
    req: Request,
    next: Next,
) -> Result<Response, PortalError> {
    if let Err(refused) = portal.address_limits.check(door, address_of(portal, &req)) {
        // A person at a web page gets a page in their language (with the same status and
        // `Retry-After`); the API's callers get `{code, message}`.
        if !req.uri().path().starts_with("/api/") {
            let (mut parts, _) = req.into_parts();
            let ctx = crate::web::Ctx::from_request_parts(&mut parts, portal)
                .await
                .unwrap_or_else(|never| match never {});
            let retry_after = match &refused {
                PortalError::AddressRateLimited { retry_after } => Some(*retry_after),
                _ => None,
            };
            let mut page = ctx.failure(None, refused);
            if let Some(secs) = retry_after {
                page.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, secs.into());
            }
            return Ok(page);
        }
        return Err(refused);
    }
    Ok(next.run(req).await)
}

/// Health, the OpenAPI document, enrollment, what the uploads speak (tus OPTIONS).
pub(crate) async fn public(
    State(portal): State<Portal>,
    req: Request,
    next: Next,
) -> Result<Response, PortalError> {
    limited(Door::Public, &portal, req, next).await
}

/// `POST /api/v1/session`.
pub(crate) async fn sign_in(
    State(portal): State<Portal>,
    req: Request,
    next: Next,
) -> Result<Response, PortalError> {
    limited(Door::SignIn, &portal, req, next).await
}
