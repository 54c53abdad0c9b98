//! The USB bundle, for a center with no link at all. A desk writes everything not yet
//! delivered (applications, audit entries, documents) into one file; the portal writes a
//! center's feed (decisions, catalog, staff) and what it has received back. Each file is
//! signed by its sender (Ed25519: the device's enrollment key, or the portal's bundle key)
//! and encrypted to its one reader (age, X25519), so a lost stick gives nothing away and a
//! forged or altered one opens nothing. Exactly once is not this crate's business: whatever
//! a bundle carries is applied by the same idempotent paths as the network's.
//!
//! Layout: `age(recipient, zstd(json(Sealed)))`, where `Sealed` holds the signer, the payload
//! as JSON text and the signature over a context string and that text.

use std::str::FromStr;

use ariza_core::wire::{AuditHead, ChangesResponse, ItemResult, PushBatchV2};
use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a bundle from a desk is signed as: never valid as a request signature or an audit
/// head, and the other way round.
const DESK_CONTEXT: &[u8] = b"ariza desk bundle 1\n";
const PORTAL_CONTEXT: &[u8] = b"ariza portal bundle 1\n";
/// Larger than any bundle a week offline makes; a file beyond it is refused unread.
pub const MAX_BUNDLE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    /// Not encrypted to this reader's key, damaged, cut short or not a bundle.
    #[error("the bundle cannot be opened with this key (damaged, cut short, or for someone else)")]
    Unreadable,
    /// Opened, but its signature is not its signer's: it was changed after it was written.
    #[error("the bundle's signature does not match: it was changed after it was written")]
    BadSignature,
    /// Signed by a device the reader does not know (or the portal's key does not match).
    #[error("the bundle's signer is not known here")]
    UnknownSigner,
    #[error("a key is not in its expected form")]
    BadKey,
}

/// One scan a desk bundle carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleDocument {
    pub application_id: Uuid,
    pub requirement_key: String,
    pub sha256: String,
    pub media_type: String,
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

/// What a desk sends by USB: the push it would make over the network, and its documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeskBundle {
    pub bundle_id: Uuid,
    pub center_code: String,
    pub device_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub push: PushBatchV2,
    pub documents: Vec<BundleDocument>,
}

/// What the portal sends a center by USB: its feed after the cursor its desks acknowledged,
/// the applications of the center the portal holds (so a desk learns what arrived by either
/// route), and the documents it holds of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalBundle {
    pub bundle_id: Uuid,
    pub center_code: String,
    /// The device it is sealed for.
    pub device_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub changes: ChangesResponse,
    /// The device's applications the portal holds, as a push would have answered them.
    pub received: Vec<ItemResult>,
    /// (application, SHA-256) of each document the portal holds whole.
    pub documents_received: Vec<(Uuid, String)>,
    /// The newest of the device's audit entries the portal holds.
    pub audit_head: Option<AuditHead>,
    /// The device's citizen merges the portal holds.
    #[serde(default)]
    pub merges_recorded: Vec<Uuid>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    format: u32,
    /// The device's id, or `portal`.
    signer: String,
    payload: String,
    signature: String,
}

mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

fn signing_input(context: &[u8], payload: &str) -> Vec<u8> {
    let mut input = context.to_vec();
    input.extend_from_slice(payload.as_bytes());
    input
}

fn signing_key(hex_key: &str) -> Result<SigningKey, BundleError> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(BundleError::BadKey)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// An Ed25519 public key from its 64 hex digits.
pub fn verifying_key(hex_key: &str) -> Result<VerifyingKey, BundleError> {
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(BundleError::BadKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| BundleError::BadKey)
}

fn recipient(text: &str) -> Result<age::x25519::Recipient, BundleError> {
    age::x25519::Recipient::from_str(text.trim()).map_err(|_| BundleError::BadKey)
}

fn identity(text: &str) -> Result<age::x25519::Identity, BundleError> {
    age::x25519::Identity::from_str(text.trim()).map_err(|_| BundleError::BadKey)
}

/// A new reader's key pair for bundles: (the secret, to keep; the recipient, to publish).
pub fn new_reader_key() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    (
        identity.to_string().expose_secret().to_string(),
        identity.to_public().to_string(),
    )
}

/// The recipient (public half) of a reader's secret.
pub fn recipient_of(secret: &str) -> Result<String, BundleError> {
    Ok(identity(secret)?.to_public().to_string())
}

/// A new signer's key pair (Ed25519): (the secret as hex, the public key as hex).
pub fn new_signing_key() -> (String, String) {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    (
        hex::encode(key.to_bytes()),
        hex::encode(key.verifying_key().to_bytes()),
    )
}

fn seal<T: Serialize>(
    value: &T,
    context: &[u8],
    signer: &str,
    signing_key_hex: &str,
    to: &str,
) -> Result<Vec<u8>, BundleError> {
    let payload = serde_json::to_string(value).map_err(|_| BundleError::Unreadable)?;
    let signature = signing_key(signing_key_hex)?.sign(&signing_input(context, &payload));
    let sealed = Sealed {
        format: 1,
        signer: signer.to_string(),
        payload,
        signature: hex::encode(signature.to_bytes()),
    };
    let json = serde_json::to_vec(&sealed).map_err(|_| BundleError::Unreadable)?;
    let packed = zstd::encode_all(json.as_slice(), 3).map_err(|_| BundleError::Unreadable)?;
    age::encrypt(&recipient(to)?, &packed).map_err(|_| BundleError::Unreadable)
}

/// Decrypts with the first of `identities` that opens the file (the current key, or one
/// retired but not yet forgotten); the signer named inside and the payload still to verify.
fn open_sealed(bytes: &[u8], identities: &[String]) -> Result<Sealed, BundleError> {
    let packed = identities
        .iter()
        .filter_map(|i| identity(i).ok())
        .find_map(|i| age::decrypt(&i, bytes).ok())
        .ok_or(BundleError::Unreadable)?;
    let json = zstd::decode_all(packed.as_slice()).map_err(|_| BundleError::Unreadable)?;
    let sealed: Sealed = serde_json::from_slice(&json).map_err(|_| BundleError::Unreadable)?;
    if sealed.format != 1 {
        return Err(BundleError::Unreadable);
    }
    Ok(sealed)
}

fn verified<T: DeserializeOwned>(
    sealed: &Sealed,
    context: &[u8],
    key: &VerifyingKey,
) -> Result<T, BundleError> {
    let signature: [u8; 64] = hex::decode(&sealed.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(BundleError::BadSignature)?;
    key.verify(
        &signing_input(context, &sealed.payload),
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| BundleError::BadSignature)?;
    serde_json::from_str(&sealed.payload).map_err(|_| BundleError::Unreadable)
}

/// Seals a desk's bundle: signed with the device's key, encrypted to the portal's recipient.
pub fn seal_desk_bundle(
    bundle: &DeskBundle,
    device_signing_key: &str,
    portal_recipient: &str,
) -> Result<Vec<u8>, BundleError> {
    seal(
        bundle,
        DESK_CONTEXT,
        &bundle.device_id.to_string(),
        device_signing_key,
        portal_recipient,
    )
}

/// A desk's bundle decrypted but not yet trusted: its signer is named, its signature not
/// checked. Nothing of its payload is readable before [`UnverifiedDeskBundle::verify`].
pub struct UnverifiedDeskBundle {
    device_id: Uuid,
    sealed: Sealed,
}

impl UnverifiedDeskBundle {
    /// The device that says it signed the bundle: whose key to look up.
    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// The payload, if the device's key signed it (and it names that device).
    pub fn verify(self, device_key: &VerifyingKey) -> Result<DeskBundle, BundleError> {
        let bundle: DeskBundle = verified(&self.sealed, DESK_CONTEXT, device_key)?;
        if bundle.device_id != self.device_id {
            return Err(BundleError::BadSignature);
        }
        Ok(bundle)
    }
}

/// Opens a desk's bundle at the portal with one of the portal's keys (the current one, or
/// one retired but not forgotten). The signature is checked next, with the key of the
/// device named inside.
pub fn open_desk_bundle(
    bytes: &[u8],
    portal_identities: &[String],
) -> Result<UnverifiedDeskBundle, BundleError> {
    let sealed = open_sealed(bytes, portal_identities)?;
    let device_id = Uuid::parse_str(&sealed.signer).map_err(|_| BundleError::UnknownSigner)?;
    Ok(UnverifiedDeskBundle { device_id, sealed })
}

/// Seals the portal's bundle for a center: signed with the portal's key, encrypted to the
/// desk's recipient.
pub fn seal_portal_bundle(
    bundle: &PortalBundle,
    portal_signing_key: &str,
    desk_recipient: &str,
) -> Result<Vec<u8>, BundleError> {
    seal(
        bundle,
        PORTAL_CONTEXT,
        "portal",
        portal_signing_key,
        desk_recipient,
    )
}

/// Opens the portal's bundle at a desk with the desk's key, checked against the portal's
/// signing keys the desk learned at enrollment and since (the newest first).
pub fn open_portal_bundle(
    bytes: &[u8],
    desk_identity: &str,
    portal_keys: &[String],
) -> Result<PortalBundle, BundleError> {
    let sealed = open_sealed(bytes, &[desk_identity.to_string()])?;
    if sealed.signer != "portal" {
        return Err(BundleError::UnknownSigner);
    }
    let mut last = BundleError::UnknownSigner;
    for key in portal_keys {
        match verified(&sealed, PORTAL_CONTEXT, &verifying_key(key)?) {
            Ok(bundle) => return Ok(bundle),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ariza_core::wire::{ApplicationColumns, AuditColumns, AuditUpload};

    fn bundle(device: Uuid) -> DeskBundle {
        DeskBundle {
            bundle_id: Uuid::now_v7(),
            center_code: "TSH01".into(),
            device_id: device,
            created_at: Utc::now(),
            push: PushBatchV2 {
                applications: ApplicationColumns::default(),
                audit: AuditUpload {
                    after_seq: 0,
                    after_hash: String::new(),
                    entries: AuditColumns::default(),
                    newest_seq: 0,
                    head_signature: String::new(),
                },
                merges: Vec::new(),
            },
            documents: vec![BundleDocument {
                application_id: Uuid::now_v7(),
                requirement_key: "identity".into(),
                sha256: "ab".repeat(32),
                media_type: "application/pdf".into(),
                bytes: b"%PDF-1.4 the passport page %%EOF".to_vec(),
            }],
        }
    }

    #[test]
    fn a_desk_bundle_opens_only_for_the_portal_and_only_as_signed() {
        let (portal_secret, portal_recipient) = new_reader_key();
        let (device_key, device_public) = new_signing_key();
        let device = Uuid::now_v7();
        let b = bundle(device);
        let sealed = seal_desk_bundle(&b, &device_key, &portal_recipient).unwrap();
        // Nothing of it reads in the clear.
        assert!(!sealed.windows(8).any(|w| w == b"passport"));
        let key = verifying_key(&device_public).unwrap();
        let opened = open_desk_bundle(&sealed, std::slice::from_ref(&portal_secret)).unwrap();
        assert_eq!(opened.device_id(), device);
        assert_eq!(opened.verify(&key).unwrap(), b);

        // Another portal's key opens nothing; neither does a cut or changed file.
        let (other_secret, _) = new_reader_key();
        let refused =
            |bytes: &[u8], secret: &str| match open_desk_bundle(bytes, &[secret.to_string()]) {
                Ok(_) => panic!("opened"),
                Err(e) => e,
            };
        assert_eq!(refused(&sealed, &other_secret), BundleError::Unreadable);
        assert_eq!(
            refused(&sealed[..sealed.len() - 20], &portal_secret),
            BundleError::Unreadable
        );
        let mut changed = sealed.clone();
        let at = changed.len() / 2;
        changed[at] ^= 1;
        assert_eq!(refused(&changed, &portal_secret), BundleError::Unreadable);
        // Signed by a key that is not the device's: refused.
        let (impostor, _) = new_signing_key();
        let forged = seal_desk_bundle(&b, &impostor, &portal_recipient).unwrap();
        let opened = open_desk_bundle(&forged, &[portal_secret]).unwrap();
        assert_eq!(opened.verify(&key).unwrap_err(), BundleError::BadSignature);
    }

    #[test]
    fn a_portal_bundle_opens_only_for_its_desk_with_the_portal_s_key() {
        let (desk_secret, desk_recipient) = new_reader_key();
        let (portal_key, portal_public) = new_signing_key();
        let (old_key, old_public) = new_signing_key();
        let b = PortalBundle {
            bundle_id: Uuid::now_v7(),
            center_code: "TSH01".into(),
            device_id: Uuid::now_v7(),
            created_at: Utc::now(),
            changes: ChangesResponse {
                changes: Vec::new(),
                next_cursor: 7,
                bundle_keys: None,
            },
            received: Vec::new(),
            documents_received: Vec::new(),
            audit_head: None,
            merges_recorded: Vec::new(),
        };
        let sealed = seal_portal_bundle(&b, &portal_key, &desk_recipient).unwrap();
        let opened =
            open_portal_bundle(&sealed, &desk_secret, &[old_public, portal_public.clone()])
                .unwrap();
        assert_eq!(opened, b);
        let forged = seal_portal_bundle(&b, &old_key, &desk_recipient).unwrap();
        assert_eq!(
            open_portal_bundle(&forged, &desk_secret, &[portal_public]).unwrap_err(),
            BundleError::BadSignature
        );
    }
}
