//! The sync engine. Push: the outbox goes to the portal in zstd-compressed batches; the answer
//! (one result per application) is applied in one local transaction. Pull: the change feed is
//! read from the stored cursor, applied, and the cursor advanced in the same transaction.
//! Every step can be killed and simply run again: the portal is idempotent by application id,
//! and the desk applies each answer at most once.

pub mod bundle;
pub mod documents;
pub mod transport;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ariza_core::audit::{AuditLine, head_signing_input};
use ariza_core::clock::{Clock, SystemClock};
use ed25519_dalek::Signer;
use transport::{PortalClient, TlsVerdict, Trust};
pub use transport::{SpkiPin, check_portal_url, new_device_key, parse_pins};

use ariza_core::error::{Code, Describe, PortalCode};
use ariza_core::i18n::MessageArgs;
use ariza_core::staff::Actor;
use ariza_core::wire::{
    ApiError, ApplicationColumns, AuditColumns, AuditUpload, ChangesResponse, EnrollRequest,
    EnrollResponse, Health, PushBatchV2, PushResponse,
};
use ariza_store::health::PortalClock;
use ariza_store::{Store, StoreError};

/// Where the desk asks for its releases: see [`Engine::update_link`].
#[derive(Debug, Clone)]
pub struct UpdateLink {
    /// The portal's address, without a trailing `/`.
    pub portal: String,
    pub tls: rustls::ClientConfig,
    /// What the pinned verifier of `tls` last decided: a refused certificate is then said
    /// as such, not as a link that is down.
    pub watch: transport::TlsWatch,
}

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
    #[error(
        "a pin is the SHA-256 of the portal's public key: 44 base64 characters or 64 hex digits, at most two"
    )]
    BadPin,
    /// The portal's certificate carries neither pinned key.
    #[error("the portal's certificate does not match the pinned key")]
    PinMismatch,
    /// The pinned certificate is outside its validity dates by this desk's clock.
    #[error("the portal's pinned certificate has expired or is not valid yet")]
    CertificateExpired,
    /// The portal address answered with a redirect, which the desk never follows.
    #[error("the portal answered with a redirect ({status}); give its final address")]
    Redirected { status: u16 },
    /// A USB bundle that does not open, or whose signature does not match.
    #[error("bundle: {0}")]
    Bundle(ariza_bundle::BundleError),
    /// The desk has no bundle keys: enrolled with a portal from before bundles.
    #[error("this desk has no keys for USB bundles; enroll it again, or sync it once")]
    BundleKeysMissing,
    #[error("the bundle is for another center")]
    BundleForeignCenter,
    #[error("the bundle is for another desk of this center")]
    BundleOtherDesk,
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
            SyncError::PinMismatch => "err-portal-pin-mismatch",
            SyncError::CertificateExpired => "err-portal-cert-expired",
            SyncError::Redirected { .. } => "err-portal-redirect",
            SyncError::Portal { .. } | SyncError::BadAnswer(_) => "err-sync-portal",
            SyncError::Bundle(ariza_bundle::BundleError::BadSignature) => "err-bundle-signature",
            SyncError::Bundle(ariza_bundle::BundleError::UnknownSigner) => "err-bundle-signer",
            SyncError::Bundle(_) => "err-bundle-unreadable",
            SyncError::BundleKeysMissing => "err-bundle-no-keys",
            SyncError::BundleForeignCenter => "err-bundle-foreign-center",
            SyncError::BundleOtherDesk => "err-bundle-other-desk",
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
            SyncError::Bundle(_)
            | SyncError::BundleForeignCenter
            | SyncError::BundleOtherDesk
            | SyncError::BundleKeysMissing => Code::Validation,
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
    /// Scans the documents lane delivered whole.
    pub documents: usize,
}

pub struct Engine {
    /// The client for the enrolled portal, rebuilt when the pins change.
    client: Mutex<Option<(Trust, PortalClient)>>,
    /// Adapts to the link: doubles after a good batch, halves after a failure.
    batch_size: AtomicUsize,
    /// Signs with the portal's time (below) and checks a pinned certificate's dates.
    clock: Arc<dyn Clock + Send + Sync>,
    /// Portal clock minus ours (ms), learned from each probe: signatures carry the portal's
    /// time, so a desk with a wrong clock still signs fresh requests.
    offset_ms: AtomicI64,
    /// One sync at a time per engine: the desk's background loop and its "Sync now" share
    /// one engine, and two runs at once would push the same outbox twice over.
    one_at_a_time: Mutex<()>,
    /// The key pair made for an enrollment that has not been answered yet, by portal and
    /// code: a retry (the answer was lost) sends the same public key, which the portal
    /// answers the same way instead of refusing the used code.
    pending_enrollment: Mutex<Option<PendingEnrollment>>,
    /// Sees each push as sent (the batch and its body's length): how the 2G benchmark
    /// accounts for the bytes of applications and of audit entries.
    push_observer: Option<PushObserver>,
    /// Sees each chunk of the documents lane as sent (tests and the 2G benchmark).
    chunk_observer: Option<documents::ChunkObserver>,
}

/// A function shown each push batch and the length of its compressed body.
pub type PushObserver = Box<dyn Fn(&PushBatchV2, usize) + Send + Sync>;

struct PendingEnrollment {
    portal_url: String,
    code: String,
    private_key: String,
    public_key: String,
}

const MIN_BATCH: usize = 10;
const MAX_BATCH: usize = 1000;
/// Audit entries per push: small rows, so many fit.
const AUDIT_BATCH: usize = 2000;
/// How often one enrollment is sent before giving up on a link that keeps failing.
const ENROLL_ATTEMPTS: u32 = 3;
/// The push route of the wire format this engine speaks (format 2, see docs/sync.md).
pub const PUSH_PATH: &str = "/api/v2/applications/batch";
/// zstd level of push bodies: measured on the 2G benchmark (docs/benchmarks.md).
pub const PUSH_ZSTD_LEVEL: i32 = 9;

/// The body of a push as the engine sends it: JSON, then zstd.
pub fn encode_push(batch: &PushBatchV2) -> Result<Vec<u8>, SyncError> {
    let json = serde_json::to_vec(batch).map_err(|e| SyncError::BadAnswer(e.to_string()))?;
    zstd::encode_all(json.as_slice(), PUSH_ZSTD_LEVEL)
        .map_err(|e| SyncError::BadAnswer(e.to_string()))
}

/// The audit part of a push, its head signed with the device's key.
pub fn signed_upload(
    upload: &ariza_store::AuditUpload,
    device_id: &str,
    signing_key_hex: &str,
) -> Result<AuditUpload, SyncError> {
    let key = transport::signing_key(signing_key_hex)?;
    let signature = key.sign(&head_signing_input(
        device_id,
        upload.head_seq,
        &upload.head_hash,
    ));
    Ok(AuditUpload {
        after_seq: upload.after_seq,
        after_hash: upload.after_hash.clone(),
        entries: AuditColumns::from_lines(upload.entries.iter().map(AuditLine::from)),
        newest_seq: upload.newest_seq,
        head_signature: hex::encode(signature.to_bytes()),
    })
}

fn read_answer<T: serde::de::DeserializeOwned>(
    resp: reqwest::blocking::Response,
) -> Result<T, SyncError> {
    let status = resp.status();
    if status.is_redirection() {
        return Err(SyncError::Redirected {
            status: status.as_u16(),
        });
    }
    if status.is_success() {
        let bytes = resp.bytes().map_err(SyncError::Offline)?;
        return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()));
    }
    Err(error_answer(resp))
}

/// An answer that is not the one asked for, as an error: the portal's `{code, message}` when
/// the body is one.
pub(crate) fn error_answer(resp: reqwest::blocking::Response) -> SyncError {
    let status = resp.status();
    if status.is_redirection() {
        return SyncError::Redirected {
            status: status.as_u16(),
        };
    }
    let bytes = match resp.bytes() {
        Ok(b) => b,
        Err(e) => return SyncError::Offline(e),
    };
    let (code, message) = match serde_json::from_slice::<ApiError>(&bytes) {
        Ok(err) => (Some(err.code), err.message),
        Err(_) => (None, String::new()),
    };
    SyncError::Portal {
        status: status.as_u16(),
        code,
        message,
    }
}

impl Engine {
    pub fn new() -> Result<Engine, SyncError> {
        Ok(Engine::with_clock(Box::new(SystemClock)))
    }

    pub fn with_clock(clock: Box<dyn Clock + Send + Sync>) -> Engine {
        Engine {
            client: Mutex::new(None),
            batch_size: AtomicUsize::new(100),
            clock: Arc::from(clock),
            offset_ms: AtomicI64::new(0),
            one_at_a_time: Mutex::new(()),
            pending_enrollment: Mutex::new(None),
            push_observer: None,
            chunk_observer: None,
        }
    }

    /// Shows every chunk of the documents lane to `observer` before it is sent.
    pub fn observe_chunks(&mut self, observer: documents::ChunkObserver) {
        self.chunk_observer = Some(observer);
    }

    /// Shows every push to `observer` before it is sent (measurements).
    pub fn observe_pushes(&mut self, observer: PushObserver) {
        self.push_observer = Some(observer);
    }

    fn client(&self, trust: &Trust) -> Result<PortalClient, SyncError> {
        let mut cached = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_trust, client)) = cached.as_ref()
            && cached_trust == trust
        {
            return Ok(client.clone());
        }
        let client = transport::client(trust, Arc::clone(&self.clock))?;
        *cached = Some((trust.clone(), client.clone()));
        Ok(client)
    }

    /// The key pair for enrolling with `code` at `portal_url`: the one made for the same
    /// enrollment before, if its answer never came, else a new one.
    fn enrollment_key(&self, portal_url: &str, code: &str) -> (String, String) {
        let mut pending = self
            .pending_enrollment
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let code = code.trim().to_uppercase();
        if let Some(p) = pending.as_ref()
            && p.portal_url == portal_url
            && p.code == code
        {
            return (p.private_key.clone(), p.public_key.clone());
        }
        let (private_key, public_key) = new_device_key();
        *pending = Some(PendingEnrollment {
            portal_url: portal_url.to_string(),
            code,
            private_key: private_key.clone(),
            public_key: public_key.clone(),
        });
        (private_key, public_key)
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
    /// database, the public half to the portal. With `pins` (one or two public-key pins,
    /// see [`parse_pins`]), the portal's certificate must carry one of those keys now and on
    /// every later sync.
    ///
    /// A lost answer is not a lost code: the request is sent again (up to three times) with
    /// the same key, and so is a later call for the same portal and code, and the portal
    /// answers a used code with the key it enrolled as it did the first time.
    pub fn enroll(
        &self,
        store: &Store,
        actor: &Actor,
        portal_url: &str,
        code: &str,
        device_name: &str,
        pins: Option<&str>,
    ) -> Result<EnrollResponse, SyncError> {
        store.authorize_enrollment(actor)?;
        let portal_url = portal_url.trim().trim_end_matches('/');
        check_portal_url(portal_url)?;
        let trust = Trust {
            pins: parse_pins(pins.unwrap_or_default())?,
            legacy_certificate: None,
        };
        let client = self.client(&trust)?;
        let (private_key, public_key) = self.enrollment_key(portal_url, code);
        // The desk's key for the bundles the portal writes it: one per desk, kept in its
        // encrypted database, so a retried enrollment sends the same recipient.
        let bundle_secret = match store.bundle_identity()? {
            Some(secret) => secret,
            None => {
                let (secret, _) = ariza_bundle::new_reader_key();
                store.save_bundle_identity(&secret)?;
                secret
            }
        };
        let request = EnrollRequest {
            code: code.to_string(),
            device_name: device_name.to_string(),
            public_key,
            bundle_recipient: ariza_bundle::recipient_of(&bundle_secret).ok(),
        };
        let mut attempt = 0;
        let answer: EnrollResponse = loop {
            attempt += 1;
            let sent = client
                .http
                .post(format!("{portal_url}/api/v1/enroll"))
                .json(&request)
                .send()
                .map_err(|e| client.failure(e))
                .and_then(read_answer);
            match sent {
                Err(SyncError::Offline(e)) if attempt < ENROLL_ATTEMPTS => {
                    tracing::warn!(error = %e, attempt, "enrollment not answered; sending again");
                    std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
                }
                other => break other?,
            }
        };
        let pins: Vec<String> = trust.pins.iter().map(|p| p.to_base64()).collect();
        store.save_enrollment(
            actor,
            portal_url,
            &answer,
            &private_key,
            &pins,
            self.clock.now(),
        )?;
        if let Some(keys) = &answer.bundle_keys {
            store.save_portal_bundle_keys(keys)?;
        }
        *self
            .pending_enrollment
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
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
        let client = self.client(&trust_of(&enrollment)?)?;
        let device_id = enrollment.device_id.to_string();
        let send_signed = |request: reqwest::blocking::RequestBuilder| {
            let mut request = request.build().map_err(SyncError::Offline)?;
            transport::sign(
                &mut request,
                &device_id,
                &enrollment.signing_key,
                self.portal_now_ms(),
            )?;
            client.http.execute(request).map_err(|e| client.failure(e))
        };
        let mut report = SyncReport::default();
        let mut audit_refused = false;
        // A cheap probe first: on a dead link it fails in seconds instead of timing out on a
        // large batch. It also tells the portal's time.
        let probe = client
            .http
            .get(format!("{base}/api/v1/health"))
            .timeout(Duration::from_secs(15))
            .send()
            .map_err(|e| client.failure(e))?;
        let health: Health = read_answer(probe)?;
        let offset = health.now.timestamp_millis() - self.clock.now().timestamp_millis();
        self.offset_ms.store(offset, Ordering::Relaxed);
        // A desk enrolled before key pinning matched the whole certificate: now that it did,
        // pin that certificate's key instead, so its renewal with the same key is accepted.
        if let Some(TlsVerdict::Accepted {
            key,
            by_legacy: true,
        }) = client.last_verdict()
        {
            store.adopt_key_pin(&key.to_base64())?;
        }
        // Records first, then the feed, then documents; documents give way as soon as a
        // record is filed, and the run goes round again.
        loop {
            loop {
                let batch = store.outbox_batch(self.batch_size())?;
                // While more applications wait, the audit entries go up to this batch's last
                // filing: they name its applications, which zstd then finds in the same body.
                let through = (batch.len() == self.batch_size())
                    .then(|| batch.last().map(|a| a.id))
                    .flatten();
                let mut upload = store.audit_upload(AUDIT_BATCH, through)?;
                // Found here before anything is sent: the alert is itself an entry of the trail,
                // so the portal hears of it at this push even if nothing else happened.
                if upload.diverged && store.record_audit_alert(self.clock.now(), "diverged")? {
                    upload = store.audit_upload(AUDIT_BATCH, through)?;
                }
                // A refused trail is sent once a run (the portal has recorded it), not again with
                // every batch that follows.
                // Merges go with every push until acknowledged, ahead of the applications
                // they moved (the portal records them first).
                let merges = store.merges_waiting()?;
                if batch.is_empty()
                    && merges.is_empty()
                    && (upload.entries.is_empty() || audit_refused)
                {
                    break;
                }
                let ids: Vec<uuid::Uuid> = batch.iter().map(|a| a.id).collect();
                let push = PushBatchV2 {
                    applications: ApplicationColumns::from_rows(batch),
                    audit: signed_upload(&upload, &device_id, &enrollment.signing_key)?,
                    merges,
                };
                let body = encode_push(&push)?;
                if let Some(observe) = &self.push_observer {
                    observe(&push, body.len());
                }
                let answer: Result<PushResponse, SyncError> = send_signed(
                    client
                        .http
                        .post(format!("{base}{PUSH_PATH}"))
                        .header("content-type", "application/json")
                        .header("content-encoding", "zstd")
                        .body(body),
                )
                .and_then(read_answer);
                let answer = match answer {
                    Ok(a) => a,
                    Err(e) => {
                        self.batch_size
                            .store((self.batch_size() / 2).max(MIN_BATCH), Ordering::Relaxed);
                        let _ = store.record_push_failure(&ids, e.message_key());
                        return Err(e);
                    }
                };
                audit_refused |= answer.audit_refused.is_some();
                let applied = store.apply_push(&answer)?;
                report.delivered += applied.delivered;
                report.conflicts += applied.conflicts;
                report.rejected += applied.rejected;
                report.batches += 1;
                self.batch_size
                    .store((self.batch_size() * 2).min(MAX_BATCH), Ordering::Relaxed);
                let audit_moved = answer
                    .audit_head
                    .as_ref()
                    .is_some_and(|h| h.seq > upload.after_seq);
                if answer.results.is_empty() && answer.merges_recorded.is_empty() && !audit_moved {
                    // Nothing moved (nothing left, or the portal refuses the audit): do not spin.
                    break;
                }
            }
            // What is still not delivered after the push, for the operators' centers' health
            // page: a desk that reaches the portal but keeps a backlog needs a look.
            let status = store.sync_status()?;
            let backlog = (status.backlog + status.quarantined).max(0);
            loop {
                let after = store.change_cursor()?;
                let resp = send_signed(client.http.get(format!(
                    "{base}/api/v1/changes?after={after}&limit=500&backlog={backlog}"
                )))?;
                let changes: ChangesResponse = read_answer(resp)?;
                if let Some(keys) = &changes.bundle_keys {
                    store.save_portal_bundle_keys(keys)?;
                }
                let n = changes.changes.len();
                report.decisions += store.apply_changes(&changes)?;
                if n < 500 {
                    break;
                }
            }
            let lane = documents::Lane {
                base: &base,
                http: &client.http,
                send_signed: &send_signed,
                observer: self.chunk_observer.as_ref(),
                clock: self.clock.as_ref(),
            };
            let (delivered, end) = lane.run(store)?;
            report.documents += delivered;
            if end == documents::LaneEnd::Done {
                break;
            }
        }
        tracing::info!(
            delivered = report.delivered,
            decisions = report.decisions,
            documents = report.documents,
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
        let client = self.client(&trust_of(&enrollment)?)?;
        let sent_at = self.clock.now();
        let answer = client
            .http
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

    /// Where and how to ask the enrolled portal for desk releases, for Tauri's updater: the
    /// portal's address (HTTPS, or plain HTTP to loopback only) and the TLS every sync speaks
    /// to it, pinned to its keys. A release is no secret, so nothing is signed; nothing
    /// downloaded is trusted either: `ariza_release` checks the package before any install.
    pub fn update_link(&self, store: &Store) -> Result<UpdateLink, SyncError> {
        let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
        let portal = enrollment.portal_url.trim_end_matches('/').to_string();
        check_portal_url(&portal)?;
        let (tls, watch) = transport::tls_config(&trust_of(&enrollment)?, Arc::clone(&self.clock))?;
        Ok(UpdateLink { portal, tls, watch })
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

/// What the portal's certificate must carry, as the enrollment recorded it.
fn trust_of(enrollment: &ariza_store::Enrollment) -> Result<Trust, SyncError> {
    Ok(Trust {
        pins: enrollment
            .pins
            .iter()
            .map(|p| SpkiPin::parse(p))
            .collect::<Result<_, _>>()?,
        legacy_certificate: enrollment
            .legacy_cert_pin
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| b.try_into().ok()),
    })
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
