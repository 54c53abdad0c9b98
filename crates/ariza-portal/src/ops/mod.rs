//! What the portal does, as rules over `db`: receiving applications, decisions, enrollment,
//! the catalog in force, devices, centers and users, reports, the audit trail. Called by the
//! HTTP handlers and by the `ariza-portal` binary alike; every failure is a [`PortalError`].

pub mod address_limits;
pub mod agency;
pub mod audit;
pub mod bundles;
pub mod catalog;
pub mod centers;
pub mod citizen_merges;
pub mod decisions;
pub mod devices;
pub mod documents;
pub mod enrollment;
mod error;
pub mod feed;
pub mod ingest;
pub mod releases;
pub mod reports;
pub mod sessions;
pub mod status;
pub mod users;

pub use error::PortalError;

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Whether two secrets (digests, tokens) are equal, in time that does not depend on where
/// they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A random secret as hex (tokens, enrollment codes).
pub(crate) fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(super::same_secret("ab12", "ab12"));
        assert!(!super::same_secret("ab12", "ab13"));
        assert!(!super::same_secret("ab12", "ab1"));
    }
}
