//! The routes, their layers, and the answers for an unknown route or method.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, head, options, post};

use super::decode::MAX_BODY;
use super::{
    address_limit, agencies, devices, health, online, releases, reports, sessions, uploads,
};
use crate::{Portal, PortalError};

/// The portal's routes. Serve it with `into_make_service_with_connect_info::<SocketAddr>()`:
/// the routes anyone can call are limited per client address.
pub fn router(portal: Portal) -> Router {
    let public = from_fn_with_state(portal.clone(), address_limit::public);
    let sign_in = from_fn_with_state(portal.clone(), address_limit::sign_in);
    Router::new()
        .route(
            "/api/openapi.json",
            get(health::openapi).route_layer(public.clone()),
        )
        .route(
            "/api/v1/health",
            get(health::health).route_layer(public.clone()),
        )
        .route(
            "/api/v1/uploads",
            // Only OPTIONS is unsigned, so only it is limited by address; the layer covers
            // the methods added before it.
            options(uploads::options)
                .route_layer(public.clone())
                .post(uploads::create),
        )
        .route(
            "/api/v1/uploads/{id}",
            head(uploads::head).patch(uploads::patch),
        )
        .route(
            "/api/v1/desk/update/{target}/{arch}/{current_version}",
            get(releases::update).route_layer(public.clone()),
        )
        .route(
            "/api/v1/desk/releases/{version}/{arch}/package",
            get(releases::package).route_layer(public.clone()),
        )
        .route("/api/v1/enroll", post(devices::enroll).route_layer(public))
        // Signing out needs a session, so only signing in is limited by address.
        .route(
            "/api/v1/session",
            post(sessions::sign_in)
                .route_layer(sign_in)
                .delete(sessions::sign_out),
        )
        .route("/api/v1/applications/batch", post(devices::push_v1))
        .route("/api/v2/applications/batch", post(devices::push))
        .route("/api/v1/changes", get(devices::changes))
        .route("/api/v1/online/applications", post(online::online))
        .route("/api/v1/decisions", post(agencies::decide))
        .route("/api/v1/agency/applications", get(agencies::queue))
        .route(
            "/api/v1/agency/applications/{id}/documents",
            get(agencies::documents),
        )
        .route("/api/v1/reports/regional", get(reports::regional))
        .merge(crate::web::routes(&portal))
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_method)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(security_headers))
        // Answers are compressed for clients that ask (the desk's engine does): on a 2G link
        // the per-application results would otherwise outweigh the compressed batch.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(portal)
}

async fn unknown_route() -> PortalError {
    PortalError::NotFound
}

async fn unknown_method() -> PortalError {
    PortalError::MethodNotAllowed
}

/// Headers on every answer: nothing is cached, sniffed, framed or referred; HTTPS is
/// remembered by browsers that reach an operator's page over TLS.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::HeaderValue;
    let h = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("strict-transport-security", "max-age=31536000"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        // Web pages and documents set their own policy; everything else gets the strictest.
        if name == "content-security-policy" && h.contains_key(name) {
            continue;
        }
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}
