//! How the desk reaches the portal safely: HTTPS (rustls) with an optional pinned
//! certificate, plain HTTP only to this machine, and every device request signed with the
//! device's Ed25519 key.

use std::net::IpAddr;
use std::sync::Arc;

use ariza_core::request_signing::{
    DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signing_input,
};
use ed25519_dalek::{Signer, SigningKey};
use rand::RngCore;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
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

/// A pin is the SHA-256 of the portal's certificate (DER), 64 hex digits; colons and case
/// as `openssl x509 -fingerprint -sha256` prints them are accepted.
pub fn normalize_pin(pin: &str) -> Result<String, SyncError> {
    let hex: String = pin
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(SyncError::BadPin)
    }
}

/// Accepts exactly the pinned certificate, whatever signed it: the portal of a ministry
/// network often has a certificate from its own authority, and the pin is stronger than any
/// chain. Handshake signatures are still verified against that certificate's key.
#[derive(Debug)]
struct PinnedCert {
    sha256: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if Sha256::digest(end_entity.as_ref()).as_slice() == self.sha256.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            tracing::warn!("portal certificate does not match the pin");
            Err(rustls::Error::General(
                "certificate does not match the pin".into(),
            ))
        }
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

/// An HTTP client for the portal: pinned to one certificate when `pin` is given, else
/// validating the chain against the bundled web PKI roots.
pub fn client(pin: Option<&str>) -> Result<reqwest::blocking::Client, SyncError> {
    let builder = reqwest::blocking::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(120));
    let builder = match pin {
        None => builder.use_rustls_tls(),
        Some(pin) => {
            let sha256 = hex::decode(normalize_pin(pin)?).map_err(|_| SyncError::BadPin)?;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_safe_default_protocol_versions()
                .map_err(|e| SyncError::BadAnswer(e.to_string()))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedCert { sha256, provider }))
                .with_no_client_auth();
            builder.use_preconfigured_tls(config)
        }
    };
    builder.build().map_err(SyncError::Offline)
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

/// Adds the device's signature headers to a request.
pub fn sign(
    request: reqwest::blocking::RequestBuilder,
    device_id: &str,
    signing_key_hex: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp_ms: i64,
) -> Result<reqwest::blocking::RequestBuilder, SyncError> {
    let bytes: [u8; 32] = hex::decode(signing_key_hex)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SyncError::NotEnrolled)?;
    let key = SigningKey::from_bytes(&bytes);
    let mut nonce = [0u8; 16];
    rand::rng().fill_bytes(&mut nonce);
    let nonce = hex::encode(nonce);
    let signature = key.sign(&signing_input(
        method,
        path_and_query,
        body,
        timestamp_ms,
        &nonce,
    ));
    Ok(request
        .header(DEVICE_HEADER, device_id)
        .header(TIMESTAMP_HEADER, timestamp_ms.to_string())
        .header(NONCE_HEADER, nonce)
        .header(SIGNATURE_HEADER, hex::encode(signature.to_bytes())))
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
    fn pins_in_openssl_form_are_accepted() {
        let colons = "AB:".repeat(31) + "AB";
        assert_eq!(normalize_pin(&colons).unwrap(), "ab".repeat(32));
        assert!(normalize_pin("abc").is_err());
    }
}
