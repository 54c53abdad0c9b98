//! The OpenAPI document, generated from the handlers and the shared wire types.

use super::{agencies, devices, health, online, reports};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Ariza Portal API", description = "Applications from public service centers, exactly once; decisions back. Every error body is {code, message}; an unknown route answers 404, a method a route does not take 405."),
    paths(
        health::health,
        devices::enroll,
        devices::push,
        devices::push_v1,
        devices::changes,
        online::online,
        agencies::decide,
        agencies::queue,
        reports::regional
    ),
    components(schemas(ariza_core::error::PortalCode)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme,
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
        components.add_security_scheme(
            "portal_user",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}
