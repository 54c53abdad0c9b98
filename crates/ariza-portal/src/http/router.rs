//! The routes, their layers, and the answers for an unknown route or method.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::decode::MAX_BODY;
use super::{agencies, devices, health, online, reports};
use crate::{Portal, PortalError};

pub fn router(portal: Portal) -> Router {
    Router::new()
        .route("/api/openapi.json", get(health::openapi))
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/enroll", post(devices::enroll))
        .route("/api/v1/applications/batch", post(devices::push_v1))
        .route("/api/v2/applications/batch", post(devices::push))
        .route("/api/v1/changes", get(devices::changes))
        .route("/api/v1/online/applications", post(online::online))
        .route("/api/v1/decisions", post(agencies::decide))
        .route("/api/v1/agency/applications", get(agencies::queue))
        .route("/api/v1/reports/regional", get(reports::regional))
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
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}
