//! Ariza Portal: the central server. Devices enroll with a one-time code, push applications in
//! compressed batches (stored exactly once, by application id and content digest), and read
//! the decisions for their own center from a cursor-based change feed.

mod admin;
mod api;
mod error;

use sqlx::PgPool;

pub use admin::{add_center, add_user, decide, new_enroll_code, publish_catalog, set_center_staff};
pub use api::{ApiDoc, router};
pub use error::PortalError;

/// The portal's shared state: a PostgreSQL pool.
#[derive(Clone)]
pub struct Portal {
    pub pool: PgPool,
}

/// Applies the portal's migrations (`migrations/portal`, embedded at build time).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../../migrations/portal").run(pool).await
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random secret as hex (tokens, enrollment codes).
pub(crate) fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
