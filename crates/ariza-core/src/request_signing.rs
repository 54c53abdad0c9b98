//! How a desk signs its requests to the portal, and what the portal checks.
//!
//! The signed text covers the method, the path with its query, the SHA-256 of the body as
//! sent (compressed), a timestamp and a random nonce. The portal refuses a bad signature, a
//! timestamp more than [`MAX_SKEW_SECS`] from its own clock, and a nonce it has seen — so a
//! captured request cannot be replayed, altered or sent to another endpoint.

use sha2::{Digest, Sha256};

pub const DEVICE_HEADER: &str = "x-ariza-device";
pub const TIMESTAMP_HEADER: &str = "x-ariza-timestamp";
pub const NONCE_HEADER: &str = "x-ariza-nonce";
pub const SIGNATURE_HEADER: &str = "x-ariza-signature";

/// How far a request's timestamp may be from the portal's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// The bytes that are signed.
pub fn signing_input(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp_ms: i64,
    nonce: &str,
) -> Vec<u8> {
    let digest = hex::encode(Sha256::digest(body));
    format!(
        "ariza-request-v1\n{}\n{path_and_query}\n{digest}\n{timestamp_ms}\n{nonce}",
        method.to_ascii_uppercase()
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

    #[test]
    fn every_part_changes_the_input() {
        let base = signing_input("POST", "/api/v1/x", b"body", 1, "00112233445566778899");
        for other in [
            signing_input("GET", "/api/v1/x", b"body", 1, "00112233445566778899"),
            signing_input("POST", "/api/v1/y", b"body", 1, "00112233445566778899"),
            signing_input("POST", "/api/v1/x", b"bodY", 1, "00112233445566778899"),
            signing_input("POST", "/api/v1/x", b"body", 2, "00112233445566778899"),
            signing_input("POST", "/api/v1/x", b"body", 1, "00112233445566778890"),
        ] {
            assert_ne!(base, other);
        }
    }
}
