//! The sync engine. Push: the outbox goes to the portal in zstd-compressed batches; the answer
//! (one result per application) is applied in one local transaction. Pull: the change feed is
//! read from the stored cursor, applied, and the cursor advanced in the same transaction.
//! Every step can be killed and simply run again: the portal is idempotent by application id,
//! and the desk applies each answer at most once.

pub mod transport;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use ariza_core::clock::{Clock, SystemClock};
pub use transport::{check_portal_url, new_device_key, normalize_pin};

use ariza_core::error::{Code, Describe, PortalCode};
use ariza_core::i18n::MessageArgs;
use ariza_core::staff::Actor;
use ariza_core::wire::{
    ApiError, ChangesResponse, EnrollRequest, EnrollResponse, Health, PushBatch, PushResponse,
};
use ariza_store::health::PortalClock;
use ariza_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this desk is not enrolled with a portal")]
    NotEnrolled,
    #[error("the portal cannot be reached: {0}")]
    Offline(reqwest::Error),
    /// An error answer. `code` is `None` when the body was not a `{code, message}` this
    /// engine knows (a proxy's page, or a code added by a newer portal).
    #[error("the portal answered {status}: {}", code.map_or("?", PortalCode::as_str))]
    Portal {
        status: u16,
        code: Option<PortalCode>,
        message: String,
    },
    #[error("the portal's answer could not be read: {0}")]
    BadAnswer(String),
    #[error("not a portal address")]
    BadUrl,
    #[error("plain http is allowed only to this machine; use https")]
    InsecureUrl,
    #[error("a certificate pin is 64 hex digits (SHA-256)")]
    BadPin,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// The Fluent key the desk shows for this failure.
    pub fn message_key(&self) -> &'static str {
        match self {
            SyncError::NotEnrolled => "err-not-enrolled",
            SyncError::Offline(_) => "err-sync-offline",
            SyncError::Portal {
                code: Some(PortalCode::EnrollCodeInvalid),
                ..
            } => "err-enroll-code",
            SyncError::Portal {
                code: Some(PortalCode::DeviceRevoked | PortalCode::Unauthorized),
                ..
            } => "err-sync-unauthorized",
            SyncError::Portal {
                code: Some(PortalCode::RateLimited),
                ..
            } => "err-sync-rate-limited",
            SyncError::BadUrl => "err-portal-url",
            SyncError::InsecureUrl => "err-portal-url-insecure",
            SyncError::BadPin => "err-portal-pin",
            SyncError::Portal { .. } | SyncError::BadAnswer(_) => "err-sync-portal",
            SyncError::Store(_) => "err-storage",
        }
    }
}

impl Describe for SyncError {
    fn code(&self) -> Code {
        match self {
            SyncError::Store(e) => e.code(),
            SyncError::NotEnrolled => Code::SetupRequired,
            SyncError::Portal {
                code: Some(PortalCode::EnrollCodeInvalid),
                ..
            } => Code::Forbidden,
            SyncError::BadUrl | SyncError::InsecureUrl | SyncError::BadPin => Code::Validation,
            _ => Code::Unavailable,
        }
    }

    fn message(&self) -> (&'static str, MessageArgs) {
        match self {
            SyncError::Store(e) => e.message(),
            other => (other.message_key(), Vec::new()),
        }
    }
}

/// What one sync run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub delivered: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub decisions: usize,
    pub batches: usize,
}

pub struct Engine {
    /// The client for the enrolled portal, rebuilt when the pin changes.
    client: Mutex<Option<(Option<String>, reqwest::blocking::Client)>>,
    /// Adapts to the link: doubles after a good batch, halves after a failure.
    batch_size: AtomicUsize,
    clock: Box<dyn Clock + Send + Sync>,
    /// Portal clock minus ours (ms), learned from each probe: signatures carry the portal's
    /// time, so a desk with a wrong clock still signs fresh requests.
    offset_ms: AtomicI64,
    /// One sync at a time per engine: the desk's background loop and its "Sync now" share
    /// one engine, and two runs at once would push the same outbox twice over.
    one_at_a_time: Mutex<()>,
}

const MIN_BATCH: usize = 10;
const MAX_BATCH: usize = 1000;
/// Audit entries per push: small rows, so many fit.
const AUDIT_BATCH: usize = 2000;

fn read_answer<T: serde::de::DeserializeOwned>(
    resp: reqwest::blocking::Response,
) -> Result<T, SyncError> {
    let status = resp.status();
    let bytes = resp.bytes().map_err(SyncError::Offline)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()));
    }
    let (code, message) = match serde_json::from_slice::<ApiError>(&bytes) {
        Ok(err) => (Some(err.code), err.message),
        Err(_) => (None, String::new()),
    };
    Err(SyncError::Portal {
        status: status.as_u16(),
        code,
        message,
    })
}

impl Engine {
    pub fn new() -> Result<Engine, SyncError> {
        Ok(Engine::with_clock(Box::new(SystemClock)))
    }

    pub fn with_clock(clock: Box<dyn Clock + Send + Sync>) -> Engine {
        Engine {
            client: Mutex::new(None),
            batch_size: AtomicUsize::new(100),
            clock,
            offset_ms: AtomicI64::new(0),
            one_at_a_time: Mutex::new(()),
        }
    }

    fn client(&self, pin: Option<&str>) -> Result<reqwest::blocking::Client, SyncError> {
        let mut cached = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_pin, client)) = cached.as_ref()
            && cached_pin.as_deref() == pin
        {
            return Ok(client.clone());
        }
        let client = transport::client(pin)?;
        *cached = Some((pin.map(str::to_string), client.clone()));
        Ok(client)
    }

    /// Our clock corrected by the last probe's offset, in ms.
    fn portal_now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size.load(Ordering::Relaxed)
    }

    /// Trades a one-time code for this device's credential and records it, for `actor`, who
    /// must be an administrator (the store refuses anyone else before the code is spent).
    /// The device's key pair is made here; the private half goes only into the encrypted
    /// database, the public half to the portal. With `pin`, the portal's certificate must
    /// have that SHA-256 now and on every later sync.
    pub fn enroll(
        &self,
        store: &Store,
        actor: &Actor,
        portal_url: &str,
        code: &str,
        device_name: &str,
        pin: Option<&str>,
    ) -> Result<EnrollResponse, SyncError> {
        store.authorize_enrollment(actor)?;
        let portal_url = portal_url.trim().trim_end_matches('/');
        check_portal_url(portal_url)?;
        let pin = pin
            .filter(|p| !p.trim().is_empty())
            .map(normalize_pin)
            .transpose()?;
        let (private_key, public_key) = new_device_key();
        let resp = self
            .client(pin.as_deref())?
            .post(format!("{portal_url}/api/v1/enroll"))
            .json(&EnrollRequest {
                code: code.to_string(),
                device_name: device_name.to_string(),
                public_key,
            })
            .send()
            .map_err(SyncError::Offline)?;
        let answer: EnrollResponse = read_answer(resp)?;
        store.save_enrollment(
            actor,
            portal_url,
            &answer,
            &private_key,
            pin.as_deref(),
            self.clock.now(),
        )?;
        Ok(answer)
    }

    /// Delivers everything waiting and brings back every decision; records the outcome for the
    /// desk's status line.
    /// A run started while another is under way waits for it, then runs.
    pub fn sync_once(&self, store: &Store) -> Result<SyncReport, SyncError> {
        let _running = self.one_at_a_time.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.run(store);
        if let Err(e) = &result {
            tracing::warn!(error = %e, "sync failed");
            let _ = store.record_sync_error(e.message_key());
        }
        result
    }

    fn run(&self, store: &Store) -> Result<SyncReport, SyncError> {
        let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
        let base = enrollment.portal_url.trim_end_matches('/').to_string();
        check_portal_url(&base)?;
        let client = self.client(enrollment.pinned_cert.as_deref())?;
        let device_id = enrollment.device_id.to_string();
        let signed = |method: &str, path: &str, body: &[u8]| {
            let url = format!("{base}{path}");
            let request = match method {
                "POST" => client.post(url),
                _ => client.get(url),
            };
            transport::sign(
                request,
                &device_id,
                &enrollment.signing_key,
                method,
                path,
                body,
                self.portal_now_ms(),
            )
        };
        let mut report = SyncReport::default();
        // A cheap probe first: on a dead link it fails in seconds instead of timing out on a
        // large batch. It also tells the portal's time.
        let probe = client
            .get(format!("{base}/api/v1/health"))
            .timeout(Duration::from_secs(15))
            .send();
        match probe {
            Ok(r) if r.status().is_success() => {
                let health: Health = read_answer(r)?;
                let offset = health.now.timestamp_millis() - self.clock.now().timestamp_millis();
                self.offset_ms.store(offset, Ordering::Relaxed);
            }
            Ok(r) => {
                return Err(SyncError::Portal {
                    status: r.status().as_u16(),
                    code: None,
                    message: String::new(),
                });
            }
            Err(e) => return Err(SyncError::Offline(e)),
        }
        loop {
            let batch = store.outbox_batch(self.batch_size())?;
            let audit = store.audit_outbox(AUDIT_BATCH)?;
            if batch.is_empty() && audit.is_empty() {
                break;
            }
            let ids: Vec<uuid::Uuid> = batch.iter().map(|a| a.id).collect();
            let json = serde_json::to_vec(&PushBatch {
                applications: batch,
                audit,
            })
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
            let body = zstd::encode_all(json.as_slice(), 9)
                .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
            let path = "/api/v1/applications/batch";
            let sent = signed("POST", path, &body)?
                .header("content-type", "application/json")
                .header("content-encoding", "zstd")
                .body(body)
                .send();
            let answer: Result<PushResponse, SyncError> =
                sent.map_err(SyncError::Offline).and_then(read_answer);
            let answer = match answer {
                Ok(a) => a,
                Err(e) => {
                    self.batch_size
                        .store((self.batch_size() / 2).max(MIN_BATCH), Ordering::Relaxed);
                    let _ = store.record_push_failure(&ids, e.message_key());
                    return Err(e);
                }
            };
            let applied = store.apply_push(&answer)?;
            report.delivered += applied.delivered;
            report.conflicts += applied.conflicts;
            report.rejected += applied.rejected;
            report.batches += 1;
            self.batch_size
                .store((self.batch_size() * 2).min(MAX_BATCH), Ordering::Relaxed);
            if answer.results.is_empty() && answer.audit_stored_to.is_none() {
                // Nothing moved: do not spin on a portal that ignores the audit.
                break;
            }
        }
        loop {
            let after = store.change_cursor()?;
            let path = format!("/api/v1/changes?after={after}&limit=500");
            let resp = signed("GET", &path, b"")?
                .send()
                .map_err(SyncError::Offline)?;
            let changes: ChangesResponse = read_answer(resp)?;
            let n = changes.changes.len();
            report.decisions += store.apply_changes(&changes)?;
            if n < 500 {
                break;
            }
        }
        tracing::info!(
            delivered = report.delivered,
            decisions = report.decisions,
            "sync done"
        );
        Ok(report)
    }

    /// How far this machine's clock is from the portal's, for `ariza doctor`: one unsigned
    /// `GET /api/v1/health` with the enrollment's certificate pin, given at most `timeout`
    /// from connecting to the last byte, so a dead link cannot hold the check up. The
    /// portal's time is its answer's `now`, else its `Date` header; ours is taken halfway
    /// through the round trip.
    pub fn portal_clock(&self, store: &Store, timeout: Duration) -> Result<PortalClock, SyncError> {
        let Some(enrollment) = store.enrollment()? else {
            return Ok(PortalClock::NotEnrolled);
        };
        let portal = enrollment.portal_url.trim_end_matches('/').to_string();
        let unreachable = || PortalClock::Unreachable {
            portal: portal.clone(),
        };
        if check_portal_url(&portal).is_err() {
            return Ok(unreachable());
        }
        let client = self.client(enrollment.pinned_cert.as_deref())?;
        let sent_at = self.clock.now();
        let answer = client
            .get(format!("{portal}/api/v1/health"))
            .timeout(timeout)
            .send()
            .and_then(|r| r.error_for_status());
        let Ok(answer) = answer else {
            return Ok(unreachable());
        };
        let date_header = answer
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .map(|d| d.with_timezone(&chrono::Utc));
        let body = answer.bytes();
        let received_at = self.clock.now();
        let portal_now = body
            .ok()
            .and_then(|b| serde_json::from_slice::<Health>(&b).ok())
            .map(|h| h.now)
            .or(date_header);
        let Some(portal_now) = portal_now else {
            return Ok(unreachable());
        };
        let ours = sent_at + (received_at - sent_at) / 2;
        Ok(PortalClock::Offset {
            portal,
            ms: (portal_now - ours).num_milliseconds(),
        })
    }

    /// Runs until `stop` is set: syncs, then waits; after failures waits longer (exponential
    /// backoff with full jitter, capped at five minutes).
    pub fn watch(&self, store: &Store, every: Duration, stop: &AtomicBool) {
        let mut failures: u32 = 0;
        while !stop.load(Ordering::Relaxed) {
            let wait = match self.sync_once(store) {
                // Not enrolled yet is not a failing link: keep the usual pace, so the first
                // run after enrollment is not held back by a long backoff.
                Ok(_) | Err(SyncError::NotEnrolled) => {
                    failures = 0;
                    every
                }
                Err(_) => {
                    failures = failures.saturating_add(1);
                    backoff(failures)
                }
            };
            sleep_unless_stopped(wait, stop);
        }
    }
}

/// Full-jitter exponential backoff: a random wait up to 2^n seconds, capped at 300 s.
pub fn backoff(failures: u32) -> Duration {
    use rand::Rng;
    let cap = 2u64.saturating_pow(failures.min(9)).min(300);
    Duration::from_millis(rand::rng().random_range(500..=cap * 1000))
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(200);
    let mut waited = Duration::ZERO;
    while waited < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        waited += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for n in 1..20 {
            let d = backoff(n);
            assert!(d >= Duration::from_millis(500));
            assert!(d <= Duration::from_secs(300));
        }
        // After one failure the wait is at most 2 s.
        assert!(backoff(1) <= Duration::from_secs(2));
    }
}
