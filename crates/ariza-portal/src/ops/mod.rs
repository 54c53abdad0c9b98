//! What the portal does, as rules over `db`: receiving applications, decisions, enrollment,
//! the catalog in force, devices, centers and users, reports, the audit trail. Called by the
//! HTTP handlers and by the `ariza-portal` binary alike; every failure is a [`PortalError`].

pub mod address_limits;
pub mod agency;
pub mod audit;
pub mod bundles;
pub mod catalog;
pub mod centers;
pub mod decisions;
pub mod devices;
pub mod documents;
pub mod enrollment;
mod error;
pub mod feed;
pub mod ingest;
pub mod reports;
pub mod sessions;
pub mod status;
pub mod users;

pub use error::PortalError;

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// A random secret as hex (tokens, enrollment codes).
pub(crate) fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}
