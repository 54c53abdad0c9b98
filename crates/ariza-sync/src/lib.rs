//! The sync engine. Push: the outbox goes to the portal in zstd-compressed batches; the answer
//! (one result per application) is applied in one local transaction. Pull: the change feed is
//! read from the stored cursor, applied, and the cursor advanced in the same transaction.
//! Every step can be killed and simply run again: the portal is idempotent by application id,
//! and the desk applies each answer at most once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ariza_core::error::{Code, Describe};
use ariza_core::i18n::MessageArgs;
use ariza_core::wire::{
    ApiError, ChangesResponse, EnrollRequest, EnrollResponse, PushBatch, PushResponse,
};
use ariza_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this desk is not enrolled with a portal")]
    NotEnrolled,
    #[error("the portal cannot be reached: {0}")]
    Offline(reqwest::Error),
    #[error("the portal answered {status}: {code}")]
    Portal {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the portal's answer could not be read: {0}")]
    BadAnswer(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// The Fluent key the desk shows for this failure.
    pub fn message_key(&self) -> &'static str {
        match self {
            SyncError::NotEnrolled => "err-not-enrolled",
            SyncError::Offline(_) => "err-sync-offline",
            SyncError::Portal { code, .. } if code == "enroll_code_invalid" => "err-enroll-code",
            SyncError::Portal { code, .. }
                if code == "device_revoked" || code == "unauthorized" =>
            {
                "err-sync-unauthorized"
            }
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
            SyncError::Portal { code, .. } if code == "enroll_code_invalid" => Code::Forbidden,
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
    client: reqwest::blocking::Client,
    /// Adapts to the link: doubles after a good batch, halves after a failure.
    batch_size: AtomicUsize,
}

const MIN_BATCH: usize = 10;
const MAX_BATCH: usize = 1000;

fn read_answer<T: serde::de::DeserializeOwned>(
    resp: reqwest::blocking::Response,
) -> Result<T, SyncError> {
    let status = resp.status();
    let bytes = resp.bytes().map_err(SyncError::Offline)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()));
    }
    let err: ApiError = serde_json::from_slice(&bytes).unwrap_or(ApiError {
        code: format!("http_{}", status.as_u16()),
        message: String::new(),
    });
    Err(SyncError::Portal {
        status: status.as_u16(),
        code: err.code,
        message: err.message,
    })
}

impl Engine {
    pub fn new() -> Result<Engine, SyncError> {
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(SyncError::Offline)?;
        Ok(Engine {
            client,
            batch_size: AtomicUsize::new(100),
        })
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size.load(Ordering::Relaxed)
    }

    /// Trades a one-time code for this device's credential and records it.
    pub fn enroll(
        &self,
        store: &Store,
        portal_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<EnrollResponse, SyncError> {
        let url = format!("{}/api/v1/enroll", portal_url.trim_end_matches('/'));
        let resp = self
            .client
            .post(url)
            .json(&EnrollRequest {
                code: code.to_string(),
                device_name: device_name.to_string(),
            })
            .send()
            .map_err(SyncError::Offline)?;
        let answer: EnrollResponse = read_answer(resp)?;
        store.save_enrollment(portal_url, &answer)?;
        Ok(answer)
    }

    /// Delivers everything waiting and brings back every decision; records the outcome for the
    /// desk's status line.
    pub fn sync_once(&self, store: &Store) -> Result<SyncReport, SyncError> {
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
        let auth = format!("Bearer {}", enrollment.token);
        let mut report = SyncReport::default();
        // A cheap probe first: on a dead link it fails in seconds instead of timing out on a
        // large batch.
        let probe = self
            .client
            .get(format!("{base}/api/v1/health"))
            .timeout(Duration::from_secs(15))
            .send();
        match probe {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => {
                return Err(SyncError::Portal {
                    status: r.status().as_u16(),
                    code: format!("http_{}", r.status().as_u16()),
                    message: String::new(),
                });
            }
            Err(e) => return Err(SyncError::Offline(e)),
        }
        loop {
            let batch = store.outbox_batch(self.batch_size())?;
            if batch.is_empty() {
                break;
            }
            let json = serde_json::to_vec(&PushBatch {
                applications: batch,
            })
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
            let body = zstd::encode_all(json.as_slice(), 9)
                .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
            let sent = self
                .client
                .post(format!("{base}/api/v1/applications/batch"))
                .header("authorization", &auth)
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
        }
        loop {
            let after = store.change_cursor()?;
            let resp = self
                .client
                .get(format!("{base}/api/v1/changes?after={after}&limit=500"))
                .header("authorization", &auth)
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

    /// Runs until `stop` is set: syncs, then waits; after failures waits longer (exponential
    /// backoff with full jitter, capped at five minutes).
    pub fn watch(&self, store: &Store, every: Duration, stop: &AtomicBool) {
        let mut failures: u32 = 0;
        while !stop.load(Ordering::Relaxed) {
            let wait = match self.sync_once(store) {
                Ok(_) => {
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
