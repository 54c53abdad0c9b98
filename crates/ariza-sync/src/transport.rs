//! How the desk reaches the portal safely: HTTPS (rustls) validated against the web PKI roots
//! or pinned to the portal's public key, plain HTTP only to this machine, no redirects, and
//! every device request signed with the device's Ed25519 key.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ariza_core::clock::Clock;
use ariza_core::request_signing::{
    DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, SignedParts, TIMESTAMP_HEADER, signing_input,
};
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use rand::RngCore;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::SyncError;

/// Refuses a portal address that would send citizens' data in the clear: `https://`
/// anywhere, `http://` only to a loopback address (a portal on the same machine, tests).
pub fn check_portal_url(url: &str) -> Result<(), SyncError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| SyncError::BadUrl)?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(SyncError::InsecureUrl)
            }
        }
        _ => Err(SyncError::BadUrl),
    }
}

/// At most this many pins: the portal's current key and the next one (a backup pin), so a
/// planned key change does not cut desks off.
pub const MAX_PINS: usize = 2;

/// A pin: the SHA-256 of a certificate's SubjectPublicKeyInfo (DER), HPKP's `pin-sha256`. It
/// names the key, not the certificate, so a certificate renewed with the same key still
/// matches. Written as HPKP wrote it, 44 characters of standard base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpkiPin([u8; 32]);

impl SpkiPin {
    /// Reads a pin as base64 (`pin-sha256="…"` and OkHttp's `sha256/…` are accepted as they
    /// are printed) or as 64 hex digits (colons, spaces and case as `openssl dgst` prints them).
    pub fn parse(text: &str) -> Result<SpkiPin, SyncError> {
        let t = text.trim();
        let t = t.strip_prefix("pin-sha256=").unwrap_or(t);
        let t = t.strip_prefix("sha256/").unwrap_or(t).trim_matches('"');
        let hex_digits: String = t.chars().filter(|c| *c != ':').collect();
        let bytes = if hex_digits.len() == 64 && hex_digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(&hex_digits).ok()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(t)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(t))
                .ok()
        };
        bytes
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(SpkiPin)
            .ok_or(SyncError::BadPin)
    }

    /// The pin of a certificate (DER).
    pub fn of_certificate(der: &[u8]) -> Result<SpkiPin, CertificateError> {
        let (_, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|_| CertificateError::BadEncoding)?;
        Ok(SpkiPin(
            Sha256::digest(cert.tbs_certificate.subject_pki.raw).into(),
        ))
    }

    pub fn to_base64(self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

/// Reads the pins an administrator typed: one or two (the current key's and a backup),
/// separated by commas, semicolons or spaces. None typed is no pin.
pub fn parse_pins(text: &str) -> Result<Vec<SpkiPin>, SyncError> {
    let mut pins: Vec<SpkiPin> = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let pin = SpkiPin::parse(part)?;
        if !pins.contains(&pin) {
            pins.push(pin);
        }
    }
    if pins.len() > MAX_PINS {
        return Err(SyncError::BadPin);
    }
    Ok(pins)
}

/// How the desk decides to trust the portal's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trust {
    /// Public-key pins; empty means the web PKI roots decide.
    pub pins: Vec<SpkiPin>,
    /// The SHA-256 of a whole certificate (DER), as desks enrolled before key pinning stored
    /// it: still accepted, and replaced by that certificate's key pin after the first
    /// connection that matched it (see `Engine::run`).
    pub legacy_certificate: Option<[u8; 32]>,
}

impl Trust {
    fn pinned(&self) -> bool {
        !self.pins.is_empty() || self.legacy_certificate.is_some()
    }
}

/// What the pinned verifier decided about the last certificate it saw, for the engine to name
/// the failure in the clerk's language (a TLS failure reaches reqwest's caller as an opaque
/// connection error) and to convert a legacy pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVerdict {
    /// Accepted; `by_legacy` when only the legacy certificate digest matched.
    Accepted { key: SpkiPin, by_legacy: bool },
    /// Neither pin matches the certificate's key.
    Mismatch,
    /// A pinned certificate past its notAfter.
    Expired,
    /// A pinned certificate before its notBefore.
    NotYetValid,
    /// Not a certificate x509-parser can read.
    Unreadable,
}

/// Accepts a certificate whose public key is pinned, whatever signed it (the portal of a
/// ministry network often has a certificate from its own authority, and the pin is stronger
/// than any chain), within its validity dates by the desk's clock. Handshake signatures are
/// still verified against that certificate's key.
struct PinnedKey {
    trust: Trust,
    clock: Arc<dyn Clock + Send + Sync>,
    verdict: Arc<Mutex<Option<TlsVerdict>>>,
    provider: Arc<CryptoProvider>,
}

impl std::fmt::Debug for PinnedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinnedKey")
            .field("trust", &self.trust)
            .finish()
    }
}

impl PinnedKey {
    fn judge(&self, der: &[u8]) -> TlsVerdict {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return TlsVerdict::Unreadable;
        };
        let key = SpkiPin(Sha256::digest(cert.tbs_certificate.subject_pki.raw).into());
        let by_key = self.trust.pins.contains(&key);
        let by_legacy = self
            .trust
            .legacy_certificate
            .is_some_and(|digest| Sha256::digest(der).as_slice() == digest.as_slice());
        if !by_key && !by_legacy {
            return TlsVerdict::Mismatch;
        }
        let now = self.clock.now().timestamp();
        let validity = cert.validity();
        if now < validity.not_before.timestamp() {
            TlsVerdict::NotYetValid
        } else if now > validity.not_after.timestamp() {
            TlsVerdict::Expired
        } else {
            TlsVerdict::Accepted {
                key,
                by_legacy: !by_key,
            }
        }
    }
}

impl ServerCertVerifier for PinnedKey {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.judge(end_entity.as_ref());
        if let Ok(mut last) = self.verdict.lock() {
            *last = Some(verdict);
        }
        let refusal = match verdict {
            TlsVerdict::Accepted { .. } => return Ok(ServerCertVerified::assertion()),
            TlsVerdict::Mismatch => CertificateError::ApplicationVerificationFailure,
            TlsVerdict::Expired => CertificateError::Expired,
            TlsVerdict::NotYetValid => CertificateError::NotValidYet,
            TlsVerdict::Unreadable => CertificateError::BadEncoding,
        };
        tracing::warn!(?verdict, "portal certificate refused");
        Err(rustls::Error::InvalidCertificate(refusal))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What a pinned verifier last decided, shared with the client it verifies for, so that a
/// failed connection can be told apart from a certificate the pins refused.
#[derive(Debug, Clone, Default)]
pub struct TlsWatch(Arc<Mutex<Option<TlsVerdict>>>);

impl TlsWatch {
    /// What the pinned verifier decided last (None without pins, or before a handshake).
    pub fn last_verdict(&self) -> Option<TlsVerdict> {
        self.0.lock().ok().and_then(|v| *v)
    }

    /// The error to report when the last handshake ended in a refusal by the pins: the
    /// certificate's key is not pinned, or its dates are wrong by the desk's clock.
    pub fn refusal(&self) -> Option<SyncError> {
        match self.last_verdict()? {
            TlsVerdict::Mismatch | TlsVerdict::Unreadable => Some(SyncError::PinMismatch),
            TlsVerdict::Expired | TlsVerdict::NotYetValid => Some(SyncError::CertificateExpired),
            TlsVerdict::Accepted { .. } => None,
        }
    }
}

/// An HTTP client for the portal, and what its pinned verifier last decided.
#[derive(Clone)]
pub struct PortalClient {
    pub http: reqwest::blocking::Client,
    watch: TlsWatch,
}

impl PortalClient {
    /// What the pinned verifier decided last (None without pins, or before a handshake).
    pub fn last_verdict(&self) -> Option<TlsVerdict> {
        self.watch.last_verdict()
    }

    /// A failed request as the engine reports it: a certificate the pins refused is named as
    /// such, anything else is the link being down.
    pub fn failure(&self, e: reqwest::Error) -> SyncError {
        match self.watch.refusal() {
            Some(refusal) if e.is_connect() => refusal,
            _ => SyncError::Offline(e),
        }
    }
}

/// An HTTP client for the portal: pinned to its public keys when `trust` has pins, else
/// validating the chain against the bundled web PKI roots. It follows no redirect: a desk
/// signs each request for one host and path, and a 3xx to somewhere else is an error, not a
/// place to send citizens' data.
pub fn client(
    trust: &Trust,
    clock: Arc<dyn Clock + Send + Sync>,
) -> Result<PortalClient, SyncError> {
    let watch = TlsWatch::default();
    let builder = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(120));
    let builder = if trust.pinned() {
        builder.use_preconfigured_tls(pinned_config(trust, clock, watch.clone())?)
    } else {
        builder.use_rustls_tls()
    };
    Ok(PortalClient {
        http: builder.build().map_err(SyncError::Offline)?,
        watch,
    })
}

/// The TLS a desk speaks to its portal with, for a client other than the engine's own (Tauri's
/// updater): pinned to the portal's keys like every sync when `trust` has pins, else the web
/// PKI roots bundled with the desk (the same roots the engine's client uses). The watch tells
/// a refusal by the pins from a link that is down, as the engine's own client does.
pub fn tls_config(
    trust: &Trust,
    clock: Arc<dyn Clock + Send + Sync>,
) -> Result<(rustls::ClientConfig, TlsWatch), SyncError> {
    let watch = TlsWatch::default();
    if trust.pinned() {
        return Ok((pinned_config(trust, clock, watch.clone())?, watch));
    }
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SyncError::BadAnswer(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok((config, watch))
}

fn pinned_config(
    trust: &Trust,
    clock: Arc<dyn Clock + Send + Sync>,
    watch: TlsWatch,
) -> Result<rustls::ClientConfig, SyncError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(
        rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedKey {
                trust: trust.clone(),
                clock,
                verdict: watch.0,
                provider,
            }))
            .with_no_client_auth(),
    )
}

/// A new device key: 32 random bytes. Returns (private hex, public hex).
pub fn new_device_key() -> (String, String) {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    (
        hex::encode(key.to_bytes()),
        hex::encode(key.verifying_key().to_bytes()),
    )
}

/// The public key (hex) of a device's private key (hex), as it was sent at enrollment.
pub fn public_key_of(signing_key_hex: &str) -> Result<String, SyncError> {
    Ok(hex::encode(
        signing_key(signing_key_hex)?.verifying_key().to_bytes(),
    ))
}

/// The device's signing key from its stored hex form.
pub(crate) fn signing_key(hex_key: &str) -> Result<SigningKey, SyncError> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SyncError::NotEnrolled)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// The `Host` a client sends for `url`: the host, with the port when it is not the scheme's.
pub fn host_of(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The four signature headers for `parts`, signed now (`timestamp_ms`) with a fresh nonce.
pub fn signature_headers(
    device_id: &str,
    signing_key_hex: &str,
    parts: &SignedParts<'_>,
    timestamp_ms: i64,
) -> Result<[(&'static str, String); 4], SyncError> {
    let key = signing_key(signing_key_hex)?;
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    let nonce = hex::encode(nonce);
    let signature = key.sign(&signing_input(parts, timestamp_ms, &nonce));
    Ok([
        (DEVICE_HEADER, device_id.to_string()),
        (TIMESTAMP_HEADER, timestamp_ms.to_string()),
        (NONCE_HEADER, nonce),
        (SIGNATURE_HEADER, hex::encode(signature.to_bytes())),
    ])
}

/// Signs a built request as it will be sent: its method, host, path and query,
/// `Content-Encoding` and body are read from the request itself, so what is signed is what
/// goes out.
pub fn sign(
    request: &mut reqwest::blocking::Request,
    device_id: &str,
    signing_key_hex: &str,
    timestamp_ms: i64,
) -> Result<(), SyncError> {
    let url = request.url().clone();
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let encoding = request
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = request
        .body()
        .and_then(|b| b.as_bytes())
        .unwrap_or_default()
        .to_vec();
    let headers = signature_headers(
        device_id,
        signing_key_hex,
        &SignedParts {
            method: request.method().as_str(),
            host: &host_of(&url),
            path_and_query: &path_and_query,
            content_encoding: &encoding,
            body: &body,
        },
        timestamp_ms,
    )?;
    for (name, value) in headers {
        let value = reqwest::header::HeaderValue::from_str(&value)
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        request.headers_mut().insert(name, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://portal.gov.uz",
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(check_portal_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://portal.gov.uz",
            "http://10.0.0.5:8080",
            "ftp://x",
            "nonsense",
        ] {
            assert!(check_portal_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pins_are_read_as_base64_or_hex_and_at_most_two() {
        let bytes = [0xABu8; 32];
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let want = SpkiPin(bytes);
        for form in [
            b64.clone(),
            format!("pin-sha256=\"{b64}\""),
            format!("sha256/{b64}"),
            b64.trim_end_matches('=').to_string(),
            "AB:".repeat(31) + "AB",
            "ab".repeat(32),
        ] {
            assert_eq!(SpkiPin::parse(&form).unwrap(), want, "{form}");
        }
        assert_eq!(want.to_base64(), b64);
        assert!(SpkiPin::parse("abc").is_err());
        assert!(SpkiPin::parse(&"ab".repeat(31)).is_err(), "31 bytes");
        let other = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        assert_eq!(parse_pins(&format!("{b64}, {other}")).unwrap().len(), 2);
        assert_eq!(parse_pins(&format!("{b64} {b64}")).unwrap().len(), 1);
        assert!(parse_pins(&format!("{b64},{other},{}", "cd".repeat(32))).is_err());
        assert!(parse_pins("  ").unwrap().is_empty());
    }

    #[test]
    fn a_signed_request_covers_its_host_and_encoding() {
        let (key, public) = new_device_key();
        let client = reqwest::blocking::Client::new();
        let mut request = client
            .post("http://127.0.0.1:8080/api/v2/applications/batch?x=1")
            .header("content-encoding", "zstd")
            .body(b"body".to_vec())
            .build()
            .unwrap();
        sign(&mut request, "dev", &key, 5).unwrap();
        let h = |n: &str| request.headers()[n].to_str().unwrap().to_string();
        let signature: [u8; 64] = hex::decode(h(SIGNATURE_HEADER))
            .unwrap()
            .try_into()
            .unwrap();
        let verifying = ed25519_dalek::VerifyingKey::from_bytes(
            &hex::decode(public).unwrap().try_into().unwrap(),
        )
        .unwrap();
        let parts = |host, encoding| SignedParts {
            method: "POST",
            host,
            path_and_query: "/api/v2/applications/batch?x=1",
            content_encoding: encoding,
            body: b"body",
        };
        let check = |p: SignedParts<'_>| {
            verifying
                .verify_strict(
                    &signing_input(&p, 5, &h(NONCE_HEADER)),
                    &ed25519_dalek::Signature::from_bytes(&signature),
                )
                .is_ok()
        };
        assert!(check(parts("127.0.0.1:8080", "zstd")));
        assert!(!check(parts("127.0.0.1:8081", "zstd")));
        assert!(!check(parts("127.0.0.1:8080", "")));
    }
}
