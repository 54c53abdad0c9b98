//! How a desk signs its requests to the portal, and what the portal checks.
//!
//! The signed text covers the method, the host the request was sent to, the path with its
//! query, the content encoding, the SHA-256 of the body as sent (compressed), a timestamp and
//! a random nonce. The portal refuses a bad signature, a timestamp more than
//! [`MAX_SKEW_SECS`] from its own clock, and a nonce it has seen — so a captured request
//! cannot be replayed, altered, sent to another endpoint or another portal, or have its body
//! read under another encoding.

use sha2::{Digest, Sha256};

pub const DEVICE_HEADER: &str = "x-ariza-device";
pub const TIMESTAMP_HEADER: &str = "x-ariza-timestamp";
pub const NONCE_HEADER: &str = "x-ariza-nonce";
pub const SIGNATURE_HEADER: &str = "x-ariza-signature";

/// How far a request's timestamp may be from the portal's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// What a request signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedParts<'a> {
    pub method: &'a str,
    /// The `Host` the request is addressed to (`host` or `host:port`, as the client sends it).
    pub host: &'a str,
    pub path_and_query: &'a str,
    /// The `Content-Encoding` header, empty when there is none.
    pub content_encoding: &'a str,
    /// The body as sent (compressed).
    pub body: &'a [u8],
}

/// The bytes that are signed (`ariza-request-v2`). Host and encoding are compared without
/// regard to case, as HTTP does.
pub fn signing_input(parts: &SignedParts<'_>, timestamp_ms: i64, nonce: &str) -> Vec<u8> {
    let digest = hex::encode(Sha256::digest(parts.body));
    format!(
        "ariza-request-v2\n{}\n{}\n{}\n{}\n{digest}\n{timestamp_ms}\n{nonce}",
        parts.method.to_ascii_uppercase(),
        parts.host.trim().to_ascii_lowercase(),
        parts.path_and_query,
        parts.content_encoding.trim().to_ascii_lowercase(),
    )
    .into_bytes()
}

/// What desks before host and encoding were signed (`ariza-request-v1`) signed: still
/// accepted from them. Its prefix differs, so a v2 signature never verifies as v1 or the
/// other way round: a request signed by a current desk cannot be passed off without its host.
pub fn legacy_signing_input(parts: &SignedParts<'_>, timestamp_ms: i64, nonce: &str) -> Vec<u8> {
    let digest = hex::encode(Sha256::digest(parts.body));
    format!(
        "ariza-request-v1\n{}\n{}\n{digest}\n{timestamp_ms}\n{nonce}",
        parts.method.to_ascii_uppercase(),
        parts.path_and_query,
    )
    .into_bytes()
}

/// A nonce is 16 to 64 hex digits.
pub fn valid_nonce(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "00112233445566778899";

    fn parts<'a>(
        method: &'a str,
        host: &'a str,
        path: &'a str,
        encoding: &'a str,
        body: &'a [u8],
    ) -> SignedParts<'a> {
        SignedParts {
            method,
            host,
            path_and_query: path,
            content_encoding: encoding,
            body,
        }
    }

    #[test]
    fn every_part_changes_the_input() {
        let base = signing_input(
            &parts("POST", "p:1", "/api/v1/x", "zstd", b"body"),
            1,
            NONCE,
        );
        for other in [
            signing_input(&parts("GET", "p:1", "/api/v1/x", "zstd", b"body"), 1, NONCE),
            signing_input(
                &parts("POST", "q:1", "/api/v1/x", "zstd", b"body"),
                1,
                NONCE,
            ),
            signing_input(
                &parts("POST", "p:2", "/api/v1/x", "zstd", b"body"),
                1,
                NONCE,
            ),
            signing_input(
                &parts("POST", "p:1", "/api/v1/y", "zstd", b"body"),
                1,
                NONCE,
            ),
            signing_input(
                &parts("POST", "p:1", "/api/v1/x", "gzip", b"body"),
                1,
                NONCE,
            ),
            signing_input(&parts("POST", "p:1", "/api/v1/x", "", b"body"), 1, NONCE),
            signing_input(
                &parts("POST", "p:1", "/api/v1/x", "zstd", b"bodY"),
                1,
                NONCE,
            ),
            signing_input(
                &parts("POST", "p:1", "/api/v1/x", "zstd", b"body"),
                2,
                NONCE,
            ),
            signing_input(
                &parts("POST", "p:1", "/api/v1/x", "zstd", b"body"),
                1,
                "00112233445566778890",
            ),
            legacy_signing_input(
                &parts("POST", "p:1", "/api/v1/x", "zstd", b"body"),
                1,
                NONCE,
            ),
        ] {
            assert_ne!(base, other);
        }
        // HTTP compares hosts and encodings without case.
        assert_eq!(
            base,
            signing_input(
                &parts("POST", "P:1", "/api/v1/x", "ZSTD", b"body"),
                1,
                NONCE
            )
        );
    }
}
