//! Encryption at rest: one random database key, wrapped once per holder (key slots).
//!
//! The database (and its WAL) is encrypted by SQLCipher with a random 256-bit key K. K never
//! sits on disk in the clear: the slots file beside the database (`ariza.db.keys`) holds it
//! wrapped for every holder. Format 2 (this one) gives every holder an X25519 identity (age):
//! K is age-encrypted to each holder's public recipient, which sits in the clear, and a staff
//! member's identity is kept sealed (XChaCha20-Poly1305) under a key derived from their
//! password with Argon2id. So wrapping K for someone (adding a person, a rekey, a restore)
//! needs only public keys, and opening needs one password or the device's secret. The
//! device's secret is itself an age identity, kept in the OS keyring or a private file.
//!
//! Format-1 files (release 0.1: K wrapped directly under Argon2id(password) or the device's
//! 32 random bytes) keep opening. The device's slot is upgraded at the next start, a person's
//! at their next sign-in (the one moment their password is known); a format-1 staff slot
//! still there at a rekey cannot be rewrapped and is dropped, to be recreated at that person's
//! next sign-in.
//!
//! During a rekey a holder's entry lists the new and the old K (newest first), each tagged
//! with a fingerprint, so that a crash at any point leaves a database some listed key opens.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::device_key::DeviceKeyLocation;
use crate::{Result, StoreError};

/// The database key: 32 random bytes, wiped from memory when dropped.
#[derive(Clone)]
pub struct DbKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(..)")
    }
}

impl DbKey {
    pub fn random() -> DbKey {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(k.as_mut());
        DbKey(k)
    }

    fn from_slice(bytes: &[u8]) -> Option<DbKey> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(DbKey(Zeroizing::new(arr)))
    }

    /// A name as the sign-in lockout keeps it: keyed by this database's key, so the table never
    /// holds what someone typed (a password typed into the name field, say), and a copy of it
    /// cannot be matched against a list of names without the key.
    pub(crate) fn keyed_name(&self, name: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"ariza sign-in lockout v1\0");
        h.update(&self.0[..]);
        h.update(name.as_bytes());
        hex::encode(h.finalize())
    }

    /// The `PRAGMA key` value: a raw key, so SQLCipher skips its own slow PBKDF2.
    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(&self.0[..])))
    }

    /// The key as 64 hex digits: for IT staff repairing a database in the `sqlcipher` shell
    /// (`PRAGMA key = "x'…'"`), and for tests that scan files for it. Never log it.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    /// Which key this is, without revealing it: the first 16 bytes of a domain-separated
    /// SHA-256. Tags each wrapped copy so a file listing an old and a new key (a rekey in
    /// progress) can keep the one that opens the database and drop the other unopened.
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"ariza database key id v1\0");
        h.update(&self.0[..]);
        hex::encode(&h.finalize()[..16])
    }
}

/// Who a slot belongs to. Bound into each sealed identity's authentication tag, so a slot
/// cannot be copied onto another holder.
fn staff_holder(username: &str) -> String {
    format!("staff:{}", username.trim().to_lowercase())
}
const DEVICE_HOLDER: &str = "device";
/// The desk's recovery key: a holder only in backups, never in the live slots file.
const RECOVERY_HOLDER: &str = "recovery";

/// Argon2id cost of a password slot, stored in each slot so it can be raised later without
/// making older slots unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotKdf {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl SlotKdf {
    /// The cost of every new password slot. A slots file copied off a stolen disk can be
    /// attacked offline at leisure, unlike sign-in (throttled, and its hash sits inside the
    /// encrypted database), so this is far dearer than the sign-in hash: 64 MiB and 10 passes,
    /// 0.47 s of CPU on the reference machine (`cargo bench -p ariza-store --bench slots`;
    /// 128 MiB would need 4 passes for the same time, and less total memory traffic per
    /// guess; 64 MiB also keeps a district office's 4 GB laptop comfortable). One lane: the
    /// argon2 crate computes lanes one after another on one thread, so p = 2 costs the desk
    /// slightly more time for the same work (measured: 0.55 s against 0.47 s) and only lets an
    /// attacker's parallel hardware finish a guess sooner.
    pub const CURRENT: SlotKdf = SlotKdf {
        m_kib: 64 * 1024,
        t: 10,
        p: 1,
    };

    /// Format 1's fixed cost (the sign-in hash's OWASP baseline).
    const FORMAT_1: SlotKdf = SlotKdf {
        m_kib: 19_456,
        t: 2,
        p: 1,
    };

    /// Parameters read from a file are bounded: a damaged or hostile file must not make the
    /// desk allocate gigabytes or spin for minutes, nor offer a trivially cheap slot.
    fn plausible(&self) -> bool {
        (Self::FORMAT_1.m_kib..=1024 * 1024).contains(&self.m_kib)
            && (1..=64).contains(&self.t)
            && (1..=8).contains(&self.p)
    }

    /// Derives the 32-byte sealing key from a password (slow by design).
    pub fn derive(&self, password: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        if !self.plausible() {
            return Err(StoreError::KeySlotsDamaged);
        }
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|_| StoreError::KeySlotsDamaged)?;
        let mut kek = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(password.as_bytes(), salt, kek.as_mut())
            .map_err(|_| StoreError::Hash)?;
        Ok(kek)
    }
}

/// A copy of a database key age-encrypted to one holder's recipient.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WrappedKey {
    /// [`DbKey::id`] of the key inside.
    id: String,
    /// The age file (binary format), base64.
    age: String,
}

/// An age identity sealed under a password: XChaCha20-Poly1305 with a key from Argon2id.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SealedIdentity {
    kdf: SlotKdf,
    salt: String,
    nonce: String,
    sealed: String,
}

/// A format-2 holder: a public recipient, K wrapped to it, and (staff) the identity sealed
/// under the person's password.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Holder {
    holder: String,
    recipient: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity: Option<SealedIdentity>,
    /// Newest first; more than one only while a rekey is under way.
    keys: Vec<WrappedKey>,
}

/// A format-1 slot: K wrapped under Argon2id(password) (salt set) or the device's raw
/// secret (salt empty).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LegacySlot {
    holder: String,
    salt: String,
    nonce: String,
    wrapped: String,
}

const FORMAT: u32 = 2;

/// The slots file: every wrapped copy of the database key. Also the header of a backup,
/// where the key inside is that backup's own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySlots {
    format: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    holders: Vec<Holder>,
    /// Format-1 slots not yet upgraded (format 1 named this list `slots`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    slots: Vec<LegacySlot>,
}

impl Default for KeySlots {
    fn default() -> Self {
        KeySlots {
            format: FORMAT,
            holders: Vec::new(),
            slots: Vec::new(),
        }
    }
}

fn kek_bytes(kek: &[u8; 32]) -> &chacha20poly1305::Key {
    kek.into()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rng().fill_bytes(&mut b);
    b
}

/// The authenticated data of a sealed identity: its holder and its public recipient, so a
/// sealed identity moved to another holder, or paired with another recipient, does not open.
fn sealing_aad(holder: &str, recipient: &str) -> Vec<u8> {
    format!("ariza slot v2\0{holder}\0{recipient}").into_bytes()
}

fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text).map_err(|_| StoreError::KeySlotsDamaged)
}

fn wrap_to(recipient: &age::x25519::Recipient, key: &DbKey) -> Result<WrappedKey> {
    let bytes = age::encrypt(recipient, key.0.as_ref()).map_err(|_| StoreError::KeyWrap)?;
    Ok(WrappedKey {
        id: key.id(),
        age: BASE64.encode(bytes),
    })
}

fn unwrap_with(identity: &age::x25519::Identity, wrapped: &WrappedKey) -> Option<DbKey> {
    let bytes = BASE64.decode(&wrapped.age).ok()?;
    let plain = Zeroizing::new(age::decrypt(identity, &bytes).ok()?);
    // The tag must name what is inside: a mislabelled copy is damage, not a key to try.
    DbKey::from_slice(&plain).filter(|k| k.id() == wrapped.id)
}

impl SealedIdentity {
    fn seal(holder: &str, identity: &age::x25519::Identity, password: &str) -> Result<Self> {
        let kdf = SlotKdf::CURRENT;
        let salt: [u8; 16] = random_bytes();
        let nonce: [u8; 24] = random_bytes();
        let kek = kdf.derive(password, &salt)?;
        let recipient = identity.to_public().to_string();
        let secret = identity.to_string();
        let sealed = XChaCha20Poly1305::new(kek_bytes(&kek))
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose_secret().as_bytes(),
                    aad: &sealing_aad(holder, &recipient),
                },
            )
            .map_err(|_| StoreError::KeyWrap)?;
        Ok(SealedIdentity {
            kdf,
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        })
    }

    fn open(&self, holder: &str, recipient: &str, password: &str) -> Result<age::x25519::Identity> {
        let salt = hex::decode(&self.salt).map_err(|_| StoreError::KeySlotsDamaged)?;
        let kek = self.kdf.derive(password, &salt)?;
        let nonce = hex::decode(&self.nonce)
            .ok()
            .filter(|n| n.len() == 24)
            .ok_or(StoreError::KeySlotsDamaged)?;
        let sealed = hex::decode(&self.sealed).map_err(|_| StoreError::KeySlotsDamaged)?;
        let plain = Zeroizing::new(
            XChaCha20Poly1305::new(kek_bytes(&kek))
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: &sealing_aad(holder, recipient),
                    },
                )
                .map_err(|_| StoreError::BadCredentials)?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| StoreError::KeySlotsDamaged)?;
        let identity =
            age::x25519::Identity::from_str(text).map_err(|_| StoreError::KeySlotsDamaged)?;
        if identity.to_public().to_string() != recipient {
            return Err(StoreError::KeySlotsDamaged);
        }
        Ok(identity)
    }
}

/// A staff member's new identity, sealed under their password: the slow half of giving
/// someone a slot (Argon2id), done before any lock is taken. [`KeySlots::put_staff_identity`]
/// then wraps the key to it in microseconds.
pub struct StaffIdentity {
    holder: String,
    recipient: age::x25519::Recipient,
    sealed: SealedIdentity,
}

impl StaffIdentity {
    /// A fresh X25519 identity for `username`, sealed under `password` (new salt, current
    /// [`SlotKdf`]). About half a second: never call it on a window's thread.
    pub fn seal(username: &str, password: &str) -> Result<StaffIdentity> {
        let holder = staff_holder(username);
        let identity = age::x25519::Identity::generate();
        let sealed = SealedIdentity::seal(&holder, &identity, password)?;
        Ok(StaffIdentity {
            holder,
            recipient: identity.to_public(),
            sealed,
        })
    }
}

fn legacy_kek(password: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    SlotKdf::FORMAT_1.derive(password, salt)
}

fn legacy_unwrap(kek: &[u8; 32], slot: &LegacySlot) -> Option<DbKey> {
    let nonce = hex::decode(&slot.nonce).ok().filter(|n| n.len() == 24)?;
    let wrapped = hex::decode(&slot.wrapped).ok()?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new(kek.into())
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &wrapped,
                    aad: slot.holder.as_bytes(),
                },
            )
            .ok()?,
    );
    DbKey::from_slice(&plain)
}

impl KeySlots {
    pub fn load(path: &Path) -> Result<KeySlots> {
        let text = std::fs::read_to_string(path).map_err(StoreError::Io)?;
        KeySlots::from_json(&text)
    }

    /// Writes the file atomically (temporary file, fsync, rename), readable by the owner only.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_private_atomically(path, serde_json::to_string_pretty(self)?.as_bytes())
    }

    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Reads format 1 or 2; a newer format is refused (never rewritten by this version).
    pub fn from_json(json: &str) -> Result<KeySlots> {
        let mut slots: KeySlots = serde_json::from_str(json)?;
        if slots.format > FORMAT {
            return Err(StoreError::KeySlotsTooNew(slots.format));
        }
        // Whatever is written back is format 2 (format-1 slots ride along until upgraded).
        slots.format = FORMAT;
        Ok(slots)
    }

    fn holder(&self, holder: &str) -> Option<&Holder> {
        self.holders.iter().find(|h| h.holder == holder)
    }

    fn forget(&mut self, holder: &str) {
        self.holders.retain(|h| h.holder != holder);
        self.slots.retain(|s| s.holder != holder);
    }

    /// Gives a staff member their slot (replacing any, format 1 or 2): K wrapped to their new
    /// identity's recipient.
    pub fn put_staff_identity(&mut self, staff: &StaffIdentity, key: &DbKey) -> Result<()> {
        let wrapped = wrap_to(&staff.recipient, key)?;
        self.forget(&staff.holder);
        self.holders.push(Holder {
            holder: staff.holder.clone(),
            recipient: staff.recipient.to_string(),
            identity: Some(staff.sealed.clone()),
            keys: vec![wrapped],
        });
        Ok(())
    }

    /// Adds or replaces `username`'s slot: [`StaffIdentity::seal`] then
    /// [`KeySlots::put_staff_identity`].
    pub fn put_staff(&mut self, key: &DbKey, username: &str, password: &str) -> Result<()> {
        let staff = StaffIdentity::seal(username, password)?;
        self.put_staff_identity(&staff, key)
    }

    pub fn remove_staff(&mut self, username: &str) {
        self.forget(&staff_holder(username));
    }

    /// Whether `username` has a slot, of either format.
    pub fn has_staff(&self, username: &str) -> bool {
        let holder = staff_holder(username);
        self.holder(&holder).is_some() || self.slots.iter().any(|s| s.holder == holder)
    }

    /// Whether `username` has a format-2 slot (one a rekey can rewrap).
    pub fn has_staff_identity(&self, username: &str) -> bool {
        self.holder(&staff_holder(username))
            .is_some_and(|h| h.identity.is_some())
    }

    /// Every database key `username`'s password opens, newest first (two only while a rekey
    /// is under way). A wrong password and an unknown username are the same error, and cost
    /// the same time.
    pub fn open_staff_keys(&self, username: &str, password: &str) -> Result<Vec<DbKey>> {
        let holder = staff_holder(username);
        if let Some(h) = self.holder(&holder)
            && let Some(sealed) = &h.identity
        {
            let identity = sealed.open(&h.holder, &h.recipient, password)?;
            let keys: Vec<DbKey> = h
                .keys
                .iter()
                .filter_map(|w| unwrap_with(&identity, w))
                .collect();
            return if keys.is_empty() {
                Err(StoreError::BadCredentials)
            } else {
                Ok(keys)
            };
        }
        if let Some(slot) = self.slots.iter().find(|s| s.holder == holder) {
            let salt = hex::decode(&slot.salt).map_err(|_| StoreError::KeySlotsDamaged)?;
            let kek = legacy_kek(password, &salt)?;
            return legacy_unwrap(&kek, slot)
                .map(|k| vec![k])
                .ok_or(StoreError::BadCredentials);
        }
        // Nobody by that name: spend the same time as a real slot before saying no.
        let _ = SlotKdf::CURRENT.derive(password, &[0u8; 16]);
        Err(StoreError::BadCredentials)
    }

    /// The newest database key `username`'s password opens.
    pub fn open_staff(&self, username: &str, password: &str) -> Result<DbKey> {
        self.open_staff_keys(username, password)?
            .into_iter()
            .next()
            .ok_or(StoreError::BadCredentials)
    }

    /// The key wrapped to the holder whose identity this is (a backup's recovery key).
    pub fn open_with_identity(&self, identity: &age::x25519::Identity) -> Option<DbKey> {
        let recipient = identity.to_public().to_string();
        self.holders
            .iter()
            .filter(|h| h.recipient == recipient)
            .flat_map(|h| h.keys.iter())
            .find_map(|w| unwrap_with(identity, w))
    }

    /// Gives the device its slot (replacing its previous one).
    pub fn put_device(&mut self, key: &DbKey, secret: &DeviceSecret) -> Result<()> {
        match &secret.0 {
            SecretKind::Age(identity) => {
                let recipient = identity.to_public();
                let wrapped = wrap_to(&recipient, key)?;
                // A format-1 device slot stays until the new secret is on file
                // ([`KeySlots::drop_format_1_device`]).
                self.holders.retain(|h| h.holder != DEVICE_HOLDER);
                self.holders.push(Holder {
                    holder: DEVICE_HOLDER.into(),
                    recipient: recipient.to_string(),
                    identity: None,
                    keys: vec![wrapped],
                });
                Ok(())
            }
            // New secrets are always identities; a format-1 secret only ever opens.
            SecretKind::Legacy(_) => Err(StoreError::KeyWrap),
        }
    }

    /// Every database key the device's secret opens, newest first.
    pub fn open_device(&self, secret: &DeviceSecret) -> Vec<DbKey> {
        match &secret.0 {
            SecretKind::Age(identity) => self
                .holder(DEVICE_HOLDER)
                .map(|h| {
                    h.keys
                        .iter()
                        .filter_map(|w| unwrap_with(identity, w))
                        .collect()
                })
                .unwrap_or_default(),
            SecretKind::Legacy(raw) => self
                .slots
                .iter()
                .find(|s| s.holder == DEVICE_HOLDER)
                .and_then(|s| legacy_unwrap(raw, s))
                .into_iter()
                .collect(),
        }
    }

    /// Whether the device's slot is still format 1 (upgraded at the next start).
    pub fn device_is_format_1(&self) -> bool {
        self.slots.iter().any(|s| s.holder == DEVICE_HOLDER)
    }

    pub(crate) fn drop_format_1_device(&mut self) {
        self.slots.retain(|s| s.holder != DEVICE_HOLDER);
    }

    /// Removes the device's slots, both formats: then only a person's password opens the file.
    pub(crate) fn remove_device(&mut self) {
        self.holders.retain(|h| h.holder != DEVICE_HOLDER);
        self.drop_format_1_device();
    }

    /// The staff members' format-2 slots only, with `key` wrapped to each, and, when given,
    /// the recovery recipient: what a backup carries (never the device, never the live key).
    pub(crate) fn for_backup(
        &self,
        key: &DbKey,
        staff: &[String],
        recovery: Option<&str>,
    ) -> Result<KeySlots> {
        let mut out = KeySlots::default();
        for username in staff {
            let Some(h) = self
                .holder(&staff_holder(username))
                .filter(|h| h.identity.is_some())
            else {
                continue;
            };
            let wrapped = wrap_to(&parse_recipient(&h.recipient)?, key)?;
            out.holders.push(Holder {
                keys: vec![wrapped],
                ..h.clone()
            });
        }
        if let Some(recipient) = recovery {
            out.holders.push(Holder {
                holder: RECOVERY_HOLDER.into(),
                recipient: recipient.to_string(),
                identity: None,
                keys: vec![wrap_to(&parse_recipient(recipient)?, key)?],
            });
        }
        Ok(out)
    }

    /// The staff holders only, with `key` wrapped to each: a restored database's slots before
    /// its new device slot is added.
    pub(crate) fn restored_with(&self, key: &DbKey) -> Result<KeySlots> {
        let mut out = KeySlots::default();
        for h in self.holders.iter().filter(|h| h.identity.is_some()) {
            out.holders.push(Holder {
                keys: vec![wrap_to(&parse_recipient(&h.recipient)?, key)?],
                ..h.clone()
            });
        }
        Ok(out)
    }

    /// The slots of a rekey in progress: every format-2 holder gets `new` first and keeps its
    /// copy of `current` after it; format-1 slots are dropped (they cannot be rewrapped
    /// without the password; recreated at that person's next sign-in). Any older generation
    /// left by an interrupted rekey goes too.
    pub(crate) fn with_new_key(&self, new: &DbKey, current: &DbKey) -> Result<KeySlots> {
        let current_id = current.id();
        let mut out = KeySlots::default();
        for h in &self.holders {
            let mut keys = vec![wrap_to(&parse_recipient(&h.recipient)?, new)?];
            keys.extend(h.keys.iter().filter(|w| w.id == current_id).cloned());
            out.holders.push(Holder { keys, ..h.clone() });
        }
        Ok(out)
    }

    /// Keeps only the copies of `current` (the key the database opened with): drops what an
    /// interrupted or finished rekey left behind.
    pub(crate) fn settle(&mut self, current: &DbKey) {
        let id = current.id();
        for h in &mut self.holders {
            h.keys.retain(|w| w.id == id);
        }
    }

    /// Whether every holder lists `key` first: no rekey is ahead of it.
    pub(crate) fn lists_first_everywhere(&self, key: &DbKey) -> bool {
        let id = key.id();
        self.holders
            .iter()
            .all(|h| h.keys.first().is_some_and(|w| w.id == id))
    }

    /// Whether any holder lists a key other than `current`.
    pub(crate) fn has_other_keys(&self, current: &DbKey) -> bool {
        let id = current.id();
        self.holders
            .iter()
            .any(|h| h.keys.iter().any(|w| w.id != id))
    }

    pub fn staff_count(&self) -> usize {
        self.holders
            .iter()
            .map(|h| &h.holder)
            .chain(self.slots.iter().map(|s| &s.holder))
            .filter(|h| h.starts_with("staff:"))
            .count()
    }

    /// The usernames holding a slot in this file (a backup: who can restore it).
    pub fn staff_usernames(&self) -> Vec<String> {
        self.holders
            .iter()
            .filter_map(|h| h.holder.strip_prefix("staff:").map(str::to_string))
            .collect()
    }

    /// Whether the recovery key can open this (a backup made after it was registered).
    pub fn has_recovery(&self) -> bool {
        self.holder(RECOVERY_HOLDER).is_some()
    }
}

/// A recovery key pair: the private half goes to paper or a USB stick in a safe, the public
/// half is registered in the desk so every backup is also wrapped to it.
pub struct RecoveryKey(age::x25519::Identity);

impl RecoveryKey {
    pub fn generate() -> RecoveryKey {
        RecoveryKey(age::x25519::Identity::generate())
    }

    /// The public recipient (`age1…`).
    pub fn recipient(&self) -> String {
        self.0.to_public().to_string()
    }

    /// The key file as `age-keygen` writes one: comments (`note` first, in the reader's
    /// language), then `AGE-SECRET-KEY-1…`. The age tool itself can therefore use it too.
    pub fn file_text(&self, note: &str, created: &str) -> Zeroizing<String> {
        let note = note.replace(['\n', '\r'], " ");
        Zeroizing::new(format!(
            "# {note}\n# created: {created}\n# public key: {}\n{}\n",
            self.recipient(),
            self.0.to_string().expose_secret()
        ))
    }

    /// Reads a key file written by [`RecoveryKey::file_text`] (or by `age-keygen`).
    pub fn parse(text: &str) -> Option<RecoveryKey> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .and_then(|l| age::x25519::Identity::from_str(l).ok())
            .map(RecoveryKey)
    }

    pub(crate) fn identity(&self) -> &age::x25519::Identity {
        &self.0
    }
}

enum SecretKind {
    /// Format 2: an X25519 identity; K is wrapped to its recipient.
    Age(age::x25519::Identity),
    /// Format 1: 32 random bytes that decrypt the device's format-1 slot.
    Legacy(Zeroizing<[u8; 32]>),
}

/// The device's own secret: an age identity that opens the device's slot (or, until the next
/// start upgrades it, a format-1 secret).
pub struct DeviceSecret(SecretKind);

impl DeviceSecret {
    pub fn random() -> DeviceSecret {
        DeviceSecret(SecretKind::Age(age::x25519::Identity::generate()))
    }

    fn from_text(text: &str) -> Option<DeviceSecret> {
        let text = text.trim();
        if text.starts_with("AGE-SECRET-KEY-1") {
            return age::x25519::Identity::from_str(text)
                .ok()
                .map(|i| DeviceSecret(SecretKind::Age(i)));
        }
        let bytes = Zeroizing::new(hex::decode(text).ok()?);
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(DeviceSecret(SecretKind::Legacy(Zeroizing::new(arr))))
    }

    fn to_text(&self) -> Zeroizing<String> {
        match &self.0 {
            SecretKind::Age(identity) => {
                Zeroizing::new(identity.to_string().expose_secret().to_string())
            }
            SecretKind::Legacy(raw) => Zeroizing::new(hex::encode(&raw[..])),
        }
    }

    /// Whether this is a format-1 secret (replaced by an identity at the next start).
    pub fn is_format_1(&self) -> bool {
        matches!(self.0, SecretKind::Legacy(_))
    }

    /// Whether this secret opens the age file `bytes` (tests: a backup must not).
    pub fn opens_age_file(&self, bytes: &[u8]) -> bool {
        match &self.0 {
            SecretKind::Age(identity) => age::decrypt(identity, bytes).is_ok(),
            SecretKind::Legacy(_) => false,
        }
    }
}

/// Where the device secret is kept.
#[derive(Debug, Clone)]
pub enum DeviceKeyStore {
    /// A file readable only by the account the desk runs as (mode 0600 on Unix).
    File(PathBuf),
    /// The OS keyring (Secret Service, macOS Keychain, Windows Credential Manager), one
    /// entry per database path; falls back to the file when no keyring answers.
    Keyring { account: String, fallback: PathBuf },
}

pub fn slots_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".keys");
    PathBuf::from(name)
}

pub fn device_key_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".device-key");
    PathBuf::from(name)
}

const KEYRING_SERVICE: &str = "uz.ariza.desk";

impl DeviceKeyStore {
    /// The file beside the database: for tests, scripts and machines without a keyring.
    pub fn beside(db: &Path) -> DeviceKeyStore {
        DeviceKeyStore::File(device_key_path(db))
    }

    /// The OS keyring, with the file beside the database as the fallback.
    pub fn os_keyring(db: &Path) -> DeviceKeyStore {
        let account = std::path::absolute(db)
            .unwrap_or_else(|_| db.to_path_buf())
            .display()
            .to_string();
        DeviceKeyStore::Keyring {
            account,
            fallback: device_key_path(db),
        }
    }

    fn keyring_entry(account: &str) -> Option<keyring::Entry> {
        keyring::Entry::new(KEYRING_SERVICE, account).ok()
    }

    /// The secret and where it was found. From a `Keyring` store: [`DeviceKeyLocation::Keyring`],
    /// else the fallback file — [`DeviceKeyLocation::File`] when the keyring answered but holds
    /// no entry (the caller may move the secret into it), [`DeviceKeyLocation::FileBecauseNoKeyring`]
    /// when no keyring answered. Never a silent fallback: that case is logged as a warning.
    pub fn load(&self) -> Result<Option<(DeviceSecret, DeviceKeyLocation)>> {
        match self {
            DeviceKeyStore::File(path) => {
                Ok(load_file(path)?.map(|s| (s, DeviceKeyLocation::File)))
            }
            DeviceKeyStore::Keyring { account, fallback } => {
                let mut found_in = DeviceKeyLocation::FileBecauseNoKeyring;
                match Self::keyring_entry(account).map(|entry| entry.get_password()) {
                    Some(Ok(text)) => {
                        return Ok(
                            DeviceSecret::from_text(&text).map(|s| (s, DeviceKeyLocation::Keyring))
                        );
                    }
                    Some(Err(keyring::Error::NoEntry)) => found_in = DeviceKeyLocation::File,
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "no OS keyring answered; trying the key file")
                    }
                    None => tracing::warn!("no OS keyring on this system; trying the key file"),
                }
                Ok(load_file(fallback)?.map(|s| (s, found_in)))
            }
        }
    }

    /// Stores the secret; returns where it went (the keyring, else the file beside the
    /// database, logged as a warning).
    pub fn save(&self, secret: &DeviceSecret) -> Result<DeviceKeyLocation> {
        match self {
            DeviceKeyStore::File(path) => {
                write_private_atomically(path, secret.to_text().as_bytes())?;
                Ok(DeviceKeyLocation::File)
            }
            DeviceKeyStore::Keyring { fallback, .. } => {
                if self.save_in_keyring(secret) {
                    return Ok(DeviceKeyLocation::Keyring);
                }
                tracing::warn!("no OS keyring took the device key; keeping it in a file");
                write_private_atomically(fallback, secret.to_text().as_bytes())?;
                Ok(DeviceKeyLocation::FileBecauseNoKeyring)
            }
        }
    }

    /// Stores the secret in the OS keyring only (the administrator requires it); `false`, and
    /// nothing written anywhere, when this store has no keyring or no keyring took it.
    pub fn save_in_keyring(&self, secret: &DeviceSecret) -> bool {
        let DeviceKeyStore::Keyring { account, fallback } = self else {
            return false;
        };
        let Some(entry) = Self::keyring_entry(account) else {
            return false;
        };
        match entry.set_password(&secret.to_text()) {
            Ok(()) => {
                // A stale fallback file would be a second copy of the secret.
                let _ = std::fs::remove_file(fallback);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "the OS keyring refused the device key");
                false
            }
        }
    }

    /// The file the secret is kept in when it is not in the keyring.
    pub fn file(&self) -> &Path {
        match self {
            DeviceKeyStore::File(path) => path,
            DeviceKeyStore::Keyring { fallback, .. } => fallback,
        }
    }
}

fn load_file(path: &Path) -> Result<Option<DeviceSecret>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(DeviceSecret::from_text(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Io(e)),
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new file, never a
/// torn one, and only the owner may read it.
pub(crate) fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = private_options(true).open(&tmp).map_err(StoreError::Io)?;
    file.write_all(bytes).map_err(StoreError::Io)?;
    file.sync_all().map_err(StoreError::Io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(StoreError::Io)?;
    sync_dir(dir);
    Ok(())
}

/// Writes a new private file (mode 0600), refusing to replace one that exists: a recovery
/// key is never written over another.
pub(crate) fn write_private_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = private_options(false)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Duplicate("err-file-exists", "file"),
            _ => StoreError::Io(e),
        })?;
    file.write_all(bytes).map_err(StoreError::Io)?;
    file.sync_all().map_err(StoreError::Io)?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(dir);
    }
    Ok(())
}

fn private_options(truncate: bool) -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if truncate {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The format-1 writer of release 0.1, kept here to make format-1 slots for these tests.
    fn legacy_slot(kek: &[u8; 32], holder: &str, key: &DbKey, salt: String) -> LegacySlot {
        let nonce: [u8; 24] = random_bytes();
        let wrapped = XChaCha20Poly1305::new(kek.into())
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.0.as_ref(),
                    aad: holder.as_bytes(),
                },
            )
            .unwrap();
        LegacySlot {
            holder: holder.to_string(),
            salt,
            nonce: hex::encode(nonce),
            wrapped: hex::encode(wrapped),
        }
    }

    #[test]
    fn any_staff_slot_opens_the_same_key_and_wrong_passwords_do_not() {
        let key = DbKey::random();
        let mut slots = KeySlots::default();
        slots.put_staff(&key, "Admin", "correct horse").unwrap();
        slots.put_staff(&key, "clerk", "battery staple").unwrap();
        assert_eq!(slots.open_staff("admin", "correct horse").unwrap().0, key.0);
        assert_eq!(
            slots.open_staff("clerk", "battery staple").unwrap().0,
            key.0
        );
        assert!(slots.open_staff("admin", "battery staple").is_err());
        assert!(slots.open_staff("nobody", "correct horse").is_err());
        // A password change rewraps one slot; the other keeps working.
        slots.put_staff(&key, "admin", "new password").unwrap();
        assert!(slots.open_staff("admin", "correct horse").is_err());
        assert_eq!(slots.open_staff("admin", "new password").unwrap().0, key.0);
        slots.remove_staff("clerk");
        assert!(slots.open_staff("clerk", "battery staple").is_err());
    }

    #[test]
    fn a_sealed_identity_moved_to_another_holder_or_recipient_does_not_open() {
        let key = DbKey::random();
        let mut slots = KeySlots::default();
        slots.put_staff(&key, "admin", "same password").unwrap();
        slots.put_staff(&key, "clerk", "other password").unwrap();
        let admin = slots.holders[0].clone();
        let clerk = slots.holders[1].clone();
        // Admin's slot copied onto clerk.
        slots.holders[1] = Holder {
            holder: "staff:clerk".into(),
            ..admin.clone()
        };
        assert!(slots.open_staff("clerk", "same password").is_err());
        // Admin's sealed identity paired with clerk's recipient.
        slots.holders[1] = clerk;
        slots.holders[0] = Holder {
            recipient: slots.holders[1].recipient.clone(),
            ..admin
        };
        assert!(slots.open_staff("admin", "same password").is_err());
    }

    #[test]
    fn wrapping_needs_only_the_public_recipients_and_a_rekey_lists_both_keys() {
        let old = DbKey::random();
        let new = DbKey::random();
        let secret = DeviceSecret::random();
        let mut slots = KeySlots::default();
        slots.put_staff(&old, "admin", "admin password").unwrap();
        slots.put_device(&old, &secret).unwrap();
        let pending = slots.with_new_key(&new, &old).unwrap();
        let ids = |keys: Vec<DbKey>| keys.iter().map(DbKey::id).collect::<Vec<_>>();
        assert_eq!(ids(pending.open_device(&secret)), vec![new.id(), old.id()]);
        assert_eq!(
            ids(pending.open_staff_keys("admin", "admin password").unwrap()),
            vec![new.id(), old.id()]
        );
        let mut settled = pending.clone();
        settled.settle(&new);
        assert_eq!(ids(settled.open_device(&secret)), vec![new.id()]);
        assert!(!settled.has_other_keys(&new));
        // Rolled back: the old key stays, the new one goes.
        let mut back = pending;
        back.settle(&old);
        assert_eq!(ids(back.open_device(&secret)), vec![old.id()]);
    }

    #[test]
    fn format_1_slots_open_and_are_dropped_by_a_rekey() {
        let key = DbKey::random();
        let salt: [u8; 16] = random_bytes();
        let kek = legacy_kek("old password", &salt).unwrap();
        let raw = Zeroizing::new(random_bytes::<32>());
        let file = serde_json::json!({
            "format": 1,
            "slots": [
                legacy_slot(&kek, "staff:admin", &key, hex::encode(salt)),
                legacy_slot(&raw, "device", &key, String::new()),
            ]
        });
        let slots = KeySlots::from_json(&file.to_string()).unwrap();
        assert_eq!(slots.open_staff("admin", "old password").unwrap().0, key.0);
        assert!(slots.open_staff("admin", "wrong").is_err());
        let device = DeviceSecret::from_text(&hex::encode(&raw[..])).unwrap();
        assert!(device.is_format_1());
        assert_eq!(slots.open_device(&device)[0].0, key.0);
        assert!(slots.has_staff("admin") && !slots.has_staff_identity("admin"));
        let rekeyed = slots.with_new_key(&DbKey::random(), &key).unwrap();
        assert!(!rekeyed.has_staff("admin"));
        assert!(rekeyed.open_device(&device).is_empty());
        // Saved again, it is format 2.
        assert!(slots.to_json().unwrap().contains("\"format\":2"));
    }

    #[test]
    fn a_newer_format_and_absurd_kdf_parameters_are_refused() {
        assert!(matches!(
            KeySlots::from_json(r#"{"format": 3, "holders": []}"#),
            Err(StoreError::KeySlotsTooNew(3))
        ));
        let huge = SlotKdf {
            m_kib: 64 * 1024 * 1024,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            huge.derive("x", &[0; 16]),
            Err(StoreError::KeySlotsDamaged)
        ));
    }

    #[test]
    fn device_slot_needs_the_device_secret() {
        let key = DbKey::random();
        let secret = DeviceSecret::random();
        let mut slots = KeySlots::default();
        slots.put_device(&key, &secret).unwrap();
        assert_eq!(slots.open_device(&secret)[0].0, key.0);
        assert!(slots.open_device(&DeviceSecret::random()).is_empty());
        let backup = slots.for_backup(&DbKey::random(), &[], None).unwrap();
        assert!(backup.open_device(&secret).is_empty());
    }

    #[test]
    fn a_recovery_key_opens_only_what_was_wrapped_to_it() {
        let recovery = RecoveryKey::generate();
        let text = recovery.file_text("Keep it in a safe.\nReally.", "2026-11-20T05:00:00Z");
        assert_eq!(text.lines().next(), Some("# Keep it in a safe. Really."));
        let parsed = RecoveryKey::parse(&text).unwrap();
        assert_eq!(parsed.recipient(), recovery.recipient());
        let key = DbKey::random();
        let backup = KeySlots::default()
            .for_backup(&key, &[], Some(&recovery.recipient()))
            .unwrap();
        assert!(backup.has_recovery());
        assert_eq!(
            backup.open_with_identity(parsed.identity()).unwrap().0,
            key.0
        );
        let other = RecoveryKey::generate();
        assert!(backup.open_with_identity(other.identity()).is_none());
    }

    #[test]
    fn key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeviceKeyStore::beside(&dir.path().join("a.db"));
        let secret = DeviceSecret::random();
        assert_eq!(store.save(&secret).unwrap(), DeviceKeyLocation::File);
        let (loaded, found) = store.load().unwrap().unwrap();
        assert_eq!(&*loaded.to_text(), &*secret.to_text());
        assert_eq!(found, DeviceKeyLocation::File);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(device_key_path(&dir.path().join("a.db")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "group/other must not read the device key");
        }
    }
}
