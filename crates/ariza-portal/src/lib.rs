//! Ariza Portal: the central server. Devices enroll with a one-time code, push applications in
//! compressed batches (stored exactly once, by application id and content digest), and read
//! the decisions for their own center from a cursor-based change feed.

mod admin;
mod api;
pub mod audit;
pub mod demo;
mod device_auth;
mod error;
pub mod reports;

use std::sync::Arc;

use sqlx::PgPool;

pub use device_auth::RateLimiter;

pub use admin::{
    DeviceInfo, add_center, add_user, decide, list_devices, new_enroll_code, publish_catalog,
    revoke_device, set_center_staff,
};
pub use api::{ApiDoc, router};
pub use error::PortalError;

/// The portal's shared state: a PostgreSQL pool and the per-device rate limits.
#[derive(Clone)]
pub struct Portal {
    pub pool: PgPool,
    pub limiter: Arc<RateLimiter>,
}

/// Per device by default: 120 signed requests a minute, bursts of 60. A desk syncing every
/// 30 s makes two or three; a backlog after a week offline goes in batches of up to 1000.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 120;
pub const DEFAULT_RATE_BURST: u32 = 60;

impl Portal {
    pub fn new(pool: PgPool) -> Portal {
        Portal::with_rate(pool, DEFAULT_RATE_PER_MINUTE, DEFAULT_RATE_BURST)
    }

    pub fn with_rate(pool: PgPool, per_minute: u32, burst: u32) -> Portal {
        Portal {
            pool,
            limiter: Arc::new(RateLimiter::new(per_minute, burst)),
        }
    }
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
