//! Request rates per client address, for the routes anyone can call: the health probe, the
//! OpenAPI document, enrollment, and signing in (which has a stricter limit of its own, since
//! each try costs an Argon2 verification). Authenticated routes are limited per credential
//! instead (devices: `ops::devices`).
//!
//! `governor`'s keyed GCRA limiter, in memory per portal process: a limit only needs to hold
//! back one client, and a second process doubling it is acceptable. It is not an axum layer
//! (`tower_governor`), because the answer must be the portal's own `{code, message}` with
//! `Retry-After`, and the client address must come from a configured list of trusted proxies,
//! not from whatever `X-Forwarded-For` a client sends.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::clock::Clock as _;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::PortalError;

/// A token bucket: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRate {
    pub per_minute: u32,
    pub burst: u32,
}

/// The unauthenticated routes by default: 300 a minute, bursts of 100, per address. Every
/// desk probes `/api/v1/health` before each sync, and a center's desks usually share one
/// address behind its router.
pub const DEFAULT_PUBLIC_RATE: AddressRate = AddressRate {
    per_minute: 300,
    burst: 100,
};

/// Signing in by default: 20 a minute, bursts of 10, per address. An office's staff signing
/// in at nine o'clock fit; a guesser, or someone keeping the portal's cores busy with Argon2,
/// does not.
pub const DEFAULT_SIGN_IN_RATE: AddressRate = AddressRate {
    per_minute: 20,
    burst: 10,
};

/// Which limit a route counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Health, the OpenAPI document, enrollment.
    Public,
    /// `POST /api/v1/session`.
    SignIn,
}

/// The per-address limiters of one portal process.
pub struct AddressLimits {
    public: DefaultKeyedRateLimiter<IpAddr>,
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU32,
}

/// Forgetting addresses whose bucket is full again, every this many checks: memory stays
/// bounded by the addresses seen recently, not all addresses ever seen.
const SWEEP_EVERY: u32 = 4096;

fn quota(rate: AddressRate) -> Quota {
    let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(at_least_one(rate.per_minute)).allow_burst(at_least_one(rate.burst))
}

impl AddressLimits {
    pub fn new(public: AddressRate, sign_in: AddressRate) -> AddressLimits {
        AddressLimits {
            public: DefaultKeyedRateLimiter::keyed(quota(public)),
            sign_in: DefaultKeyedRateLimiter::keyed(quota(sign_in)),
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one request from `address` against `door`'s limit: `AddressRateLimited` with
    /// the whole seconds to wait once it is spent.
    pub fn check(&self, door: Door, address: IpAddr) -> Result<(), PortalError> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for limiter in [&self.public, &self.sign_in] {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let limiter = match door {
            Door::Public => &self.public,
            Door::SignIn => &self.sign_in,
        };
        limiter.check_key(&limit_key(address)).map_err(|not_until| {
            let wait = not_until.wait_time_from(limiter.clock().now());
            PortalError::AddressRateLimited {
                retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
        })
    }
}

/// The key an address is counted under: IPv4 as is; IPv6 by its /64, since one subscriber is
/// routinely given a whole /64 and could otherwise take a fresh address for every request.
pub fn limit_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// The client's address: the peer's, unless the peer is one of `trusted_proxies`; then the
/// right-most address in `X-Forwarded-For` that is not a trusted proxy (each proxy appends
/// the address it received from, so everything left of that could have been written by the
/// client itself). Every value of the header counts, in order.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted_proxies: &[IpAddr],
) -> IpAddr {
    let peer = peer.to_canonical();
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|t| t.to_canonical() == *ip);
    if !trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted(&ip.to_canonical()) => continue,
            Ok(ip) => return ip.to_canonical(),
            // A hop that is not an address: nothing left of it can be trusted either.
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_the_seconds_to_wait() {
        let limits = AddressLimits::new(
            AddressRate {
                per_minute: 1,
                burst: 2,
            },
            DEFAULT_SIGN_IN_RATE,
        );
        let a = ip("192.0.2.1");
        assert!(limits.check(Door::Public, a).is_ok());
        assert!(limits.check(Door::Public, a).is_ok());
        match limits.check(Door::Public, a) {
            Err(PortalError::AddressRateLimited { retry_after }) => {
                assert!((55..=60).contains(&retry_after), "{retry_after}")
            }
            other => panic!("{other:?}"),
        }
        // Another address, and another door, have their own buckets.
        assert!(limits.check(Door::Public, ip("192.0.2.2")).is_ok());
        assert!(limits.check(Door::SignIn, a).is_ok());
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_bucket() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.5");
        let trusted = [proxy];
        // A client that is not a proxy cannot pick its address.
        assert_eq!(
            client_address(ip("198.51.100.9"), ["1.2.3.4"].into_iter(), &trusted),
            ip("198.51.100.9")
        );
        // Through the proxy: the address the proxy saw, not what the client wrote before it.
        assert_eq!(
            client_address(proxy, ["6.6.6.6, 203.0.113.4"].into_iter(), &trusted),
            ip("203.0.113.4")
        );
        // Two trusted proxies in a row, the header split over two lines.
        assert_eq!(
            client_address(
                proxy,
                ["6.6.6.6", "203.0.113.4, 10.0.0.6"].into_iter(),
                &[proxy, ip("10.0.0.6")]
            ),
            ip("203.0.113.4")
        );
        // No header, or garbage: the proxy's own address.
        assert_eq!(client_address(proxy, std::iter::empty(), &trusted), proxy);
        assert_eq!(
            client_address(proxy, ["203.0.113.4, junk"].into_iter(), &trusted),
            proxy
        );
    }
}
