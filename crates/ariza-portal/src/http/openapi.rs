//! The OpenAPI document, generated from the handlers and the shared wire types.

use super::{agencies, devices, health, online, releases, reports, sessions, uploads};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Ariza Portal API", description = "Applications from public service centers, exactly once; decisions back. Every error body is {code, message}; an unknown route answers 404, a method a route does not take 405. Portal users sign in with POST /api/v1/session and send the token as `Authorization: Bearer TOKEN`; the routes anyone can call are limited per client address (429 `rate_limited`, with Retry-After)."),
    paths(
        health::health,
        sessions::sign_in,
        sessions::sign_out,
        devices::enroll,
        devices::push,
        devices::push_v1,
        devices::changes,
        uploads::options,
        uploads::create,
        uploads::head,
        uploads::patch,
        online::online,
        agencies::decide,
        agencies::queue,
        agencies::documents,
        reports::regional,
        releases::update,
        releases::package
    ),
    components(schemas(ariza_core::error::PortalCode)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        // Device requests carry four headers (device id, timestamp, nonce and an Ed25519
        // signature over method, host, path, content encoding, body digest, timestamp and
        // nonce); OpenAPI has no scheme for request signing, so the signature header stands
        // for them.
        components.add_security_scheme(
            "device",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-ariza-signature",
                "Ed25519 request signature; see ariza_core::request_signing",
            ))),
        );
        // Operators and agency staff: the token from POST /api/v1/session.
        components.add_security_scheme(
            "portal_user",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "the token from POST /api/v1/session: 30 minutes idle, 8 hours at most by default",
                    ))
                    .build(),
            ),
        );
    }
}
