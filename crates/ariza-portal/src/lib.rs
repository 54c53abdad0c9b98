//! Ariza Portal: the central server. Devices enroll with a one-time code, push applications in
//! compressed batches (stored exactly once, by application id and content digest), and read
//! the decisions for their own center from a cursor-based change feed.
//!
//! Three layers: [`http`] (routes, callers, decoding, OpenAPI) calls [`ops`] (the rules),
//! which calls `db` (all SQL). The `ariza-portal` binary calls `ops` too, never a handler.

mod db;
pub mod http;
pub mod ops;
mod web;

use std::net::IpAddr;
use std::sync::Arc;

pub use deadpool_postgres::Pool;

pub use db::connect::{ConnectError, pool};
pub use db::migrate::{MIGRATIONS, MigrateError, Migration, migrate};
pub use http::{ApiDoc, router};
pub use ops::PortalError;
pub use ops::address_limits::{
    AddressLimits, AddressRate, DEFAULT_PUBLIC_RATE, DEFAULT_SIGN_IN_RATE,
};
pub use ops::catalog::{in_force as catalog_in_force, publish_catalog};
pub use ops::centers::{add_center, set_center_staff};
pub use ops::decisions::decide;
pub use ops::devices::{DeviceInfo, RateLimiter, list_devices, revoke_device};
pub use ops::enrollment::new_enroll_code;
pub use ops::sessions::{SessionPolicy, set_user_active, sign_in, sign_out_user};
pub use ops::users::add_user;
/// Kept at their old paths: `ariza_portal::audit::verify`, `ariza_portal::reports::regional`.
pub use ops::{audit, reports};

/// The portal's shared state: a PostgreSQL pool, the per-device rate limits and the catalog
/// in force as last read; how long portal users' sessions last, the per-address limits of the
/// routes anyone can call, and the reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Clone)]
pub struct Portal {
    pub pool: Pool,
    pub limiter: Arc<RateLimiter>,
    catalog: Arc<ops::catalog::CatalogCache>,
    pub sessions: SessionPolicy,
    pub address_limits: Arc<AddressLimits>,
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    pub public_address: PublicAddress,
}

/// Where desks reach this portal, for the absolute links in what it sends them (Tauri's
/// updater takes a package's address only whole).
#[derive(Clone, Debug)]
pub enum PublicAddress {
    /// `public_url` from the configuration: behind a proxy that ends TLS, the address desks use.
    Configured(Arc<str>),
    /// The host the request named, over the scheme the portal itself serves.
    FromRequest { scheme: &'static str },
}

impl PublicAddress {
    /// `path` made absolute for a request that named `host` (its `Host` header). A host that
    /// is not a plain authority (no path, no user) is not echoed back: the path stays relative.
    pub fn link(&self, host: Option<&str>, path: &str) -> String {
        match self {
            PublicAddress::Configured(base) => format!("{}{path}", base.trim_end_matches('/')),
            PublicAddress::FromRequest { scheme } => match host
                .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
                .filter(|a| !a.as_str().contains('@'))
            {
                Some(authority) => format!("{scheme}://{authority}{path}"),
                None => path.to_string(),
            },
        }
    }
}

/// Per device by default: 120 signed requests a minute, bursts of 60. A desk syncing every
/// 30 s makes two or three; a backlog after a week offline goes in batches of up to 1000.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 120;
pub const DEFAULT_RATE_BURST: u32 = 60;

impl Portal {
    pub fn new(pool: Pool) -> Portal {
        Portal::with_rate(pool, DEFAULT_RATE_PER_MINUTE, DEFAULT_RATE_BURST)
    }

    pub fn with_rate(pool: Pool, per_minute: u32, burst: u32) -> Portal {
        Portal {
            pool,
            limiter: Arc::new(RateLimiter::new(per_minute, burst)),
            catalog: Arc::default(),
            sessions: SessionPolicy::default(),
            address_limits: Arc::new(AddressLimits::new(
                DEFAULT_PUBLIC_RATE,
                DEFAULT_SIGN_IN_RATE,
            )),
            trusted_proxies: Arc::default(),
            public_address: PublicAddress::FromRequest { scheme: "http" },
        }
    }

    /// Where desks reach this portal (see [`PublicAddress`]).
    pub fn with_public_address(mut self, address: PublicAddress) -> Portal {
        self.public_address = address;
        self
    }

    /// Sessions of another length than [`SessionPolicy::default`].
    pub fn with_sessions(mut self, sessions: SessionPolicy) -> Portal {
        self.sessions = sessions;
        self
    }

    /// Per-address limits for the unauthenticated routes and for signing in.
    pub fn with_address_rates(mut self, public: AddressRate, sign_in: AddressRate) -> Portal {
        self.address_limits = Arc::new(AddressLimits::new(public, sign_in));
        self
    }

    /// Reverse proxies whose `X-Forwarded-For` names the client (see
    /// `ops::address_limits::client_address`); without any, every request is counted by
    /// its peer address.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> Portal {
        self.trusted_proxies = Arc::new(proxies);
        self
    }
}

#[cfg(test)]
mod public_address_tests {
    use super::PublicAddress;

    const PATH: &str = "/api/v1/desk/releases/0.2.0/amd64/package";

    #[test]
    fn a_link_is_made_absolute_on_the_host_the_request_named() {
        let https = PublicAddress::FromRequest { scheme: "https" };
        assert_eq!(
            https.link(Some("portal.example.uz"), PATH),
            format!("https://portal.example.uz{PATH}")
        );
        let http = PublicAddress::FromRequest { scheme: "http" };
        assert_eq!(
            http.link(Some("127.0.0.1:8443"), PATH),
            format!("http://127.0.0.1:8443{PATH}")
        );
    }

    #[test]
    fn a_configured_address_wins_and_a_host_that_is_not_one_is_not_echoed() {
        let configured = PublicAddress::Configured("https://portal.example.uz/".into());
        assert_eq!(
            configured.link(Some("evil.example"), PATH),
            format!("https://portal.example.uz{PATH}")
        );
        let from_request = PublicAddress::FromRequest { scheme: "https" };
        for bad in ["evil.example/x", "user@evil.example", "a b", ""] {
            assert_eq!(from_request.link(Some(bad), PATH), PATH, "{bad:?}");
        }
        assert_eq!(from_request.link(None, PATH), PATH);
    }
}
