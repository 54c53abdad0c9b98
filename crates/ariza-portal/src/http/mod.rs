//! The HTTP API, versioned under `/api/v1`: the router, who is calling (one extractor per
//! kind of caller), body and query decoding, the OpenAPI document, and one file per group of
//! handlers. Handlers decode, call `ops`, and encode; every error body is `{code, message}`.

pub(crate) mod address_limit;
mod agencies;
mod auth;
mod decode;
mod devices;
pub(crate) mod error;
mod health;
mod online;
mod openapi;
mod releases;
mod reports;
mod router;
mod sessions;
mod uploads;

pub use openapi::ApiDoc;
pub use router::router;
