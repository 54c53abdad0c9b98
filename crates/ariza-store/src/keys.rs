//! Encryption at rest: one random database key, wrapped once per holder (key slots).
//!
//! The database (and its WAL) is encrypted by SQLCipher with a random 256-bit key. That key
//! never sits on disk in the clear: the slots file beside the database (`ariza.db.keys`)
//! holds it wrapped (XChaCha20-Poly1305) once for every staff member — by a key derived from
//! that person's password with Argon2id — and once for the device itself, by a random device
//! secret kept in the OS keyring where one exists, else in a file only the desk's account
//! may read. Any staff member's password therefore opens the database; a password change
//! rewraps one slot; removing a person removes their slot. The device slot lets background
//! sync run with nobody signed in (the README's security section weighs that trade-off).

use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
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

    /// The `PRAGMA key` value: a raw key, so SQLCipher skips its own slow PBKDF2.
    /// A name as the sign-in lockout keeps it: keyed by this database's key, so the table never
    /// holds what someone typed (a password typed into the name field, say), and a copy of it
    /// cannot be matched against a list of names without the key.
    pub(crate) fn keyed_name(&self, name: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"ariza sign-in lockout v1\0");
        h.update(self.0.as_ref());
        h.update(name.as_bytes());
        hex::encode(h.finalize())
    }

    pub(crate) fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }
}

/// Who a slot belongs to. Bound into each slot's authentication tag, so a slot cannot be
/// copied onto another holder.
fn staff_holder(username: &str) -> String {
    format!("staff:{}", username.trim().to_lowercase())
}
const DEVICE_HOLDER: &str = "device";

/// Argon2id cost for password slots: the OWASP baseline also used for password hashes.
fn slot_kdf() -> Argon2<'static> {
    // These constant parameters are valid; `Params::new` only fails on out-of-range values.
    #[allow(clippy::expect_used)]
    let params = Params::new(19_456, 2, 1, Some(32)).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot {
    holder: String,
    /// Argon2id salt for password slots; empty for the device slot (its secret is random).
    salt: String,
    nonce: String,
    wrapped: String,
}

/// The slots file: every wrapped copy of the database key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySlots {
    format: u32,
    slots: Vec<Slot>,
}

impl Default for KeySlots {
    fn default() -> Self {
        KeySlots {
            format: 1,
            slots: Vec::new(),
        }
    }
}

fn wrap(kek: &[u8; 32], holder: &str, key: &DbKey, salt: String) -> Slot {
    let cipher = XChaCha20Poly1305::new(kek.into());
    let mut nonce = [0u8; 24];
    rand::rng().fill_bytes(&mut nonce);
    let payload = Payload {
        msg: key.0.as_ref(),
        aad: holder.as_bytes(),
    };
    // Encryption with a valid key and a fresh nonce cannot fail for a 32-byte message.
    let wrapped = cipher
        .encrypt(XNonce::from_slice(&nonce), payload)
        .unwrap_or_default();
    Slot {
        holder: holder.to_string(),
        salt,
        nonce: hex::encode(nonce),
        wrapped: hex::encode(wrapped),
    }
}

fn unwrap_slot(kek: &[u8; 32], slot: &Slot) -> Option<DbKey> {
    let nonce = hex::decode(&slot.nonce).ok().filter(|n| n.len() == 24)?;
    let wrapped = hex::decode(&slot.wrapped).ok()?;
    let cipher = XChaCha20Poly1305::new(kek.into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &wrapped,
                    aad: slot.holder.as_bytes(),
                },
            )
            .ok()?,
    );
    let bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
    Some(DbKey(Zeroizing::new(bytes)))
}

fn password_kek(password: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let mut kek = Zeroizing::new([0u8; 32]);
    slot_kdf()
        .hash_password_into(password.as_bytes(), salt, kek.as_mut())
        .map_err(|_| StoreError::Hash)?;
    Ok(kek)
}

impl KeySlots {
    pub fn load(path: &Path) -> Result<KeySlots> {
        let text = std::fs::read_to_string(path).map_err(StoreError::Io)?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Writes the file atomically (temporary file, fsync, rename), readable by the owner only.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_private_atomically(path, serde_json::to_string_pretty(self)?.as_bytes())
    }

    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(json: &str) -> Result<KeySlots> {
        Ok(serde_json::from_str(json)?)
    }

    /// Adds or replaces `username`'s slot.
    pub fn put_staff(&mut self, key: &DbKey, username: &str, password: &str) -> Result<()> {
        let holder = staff_holder(username);
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let kek = password_kek(password, &salt)?;
        let slot = wrap(&kek, &holder, key, hex::encode(salt));
        self.slots.retain(|s| s.holder != holder);
        self.slots.push(slot);
        Ok(())
    }

    pub fn remove_staff(&mut self, username: &str) {
        let holder = staff_holder(username);
        self.slots.retain(|s| s.holder != holder);
    }

    pub fn has_staff(&self, username: &str) -> bool {
        let holder = staff_holder(username);
        self.slots.iter().any(|s| s.holder == holder)
    }

    /// Opens the key with a staff member's password. A wrong password and an unknown
    /// username are the same error, and cost the same time.
    pub fn open_staff(&self, username: &str, password: &str) -> Result<DbKey> {
        let holder = staff_holder(username);
        let slot = self.slots.iter().find(|s| s.holder == holder);
        let salt = slot
            .and_then(|s| hex::decode(&s.salt).ok())
            .unwrap_or_else(|| vec![0u8; 16]);
        let kek = password_kek(password, &salt)?;
        slot.and_then(|s| unwrap_slot(&kek, s))
            .ok_or(StoreError::BadCredentials)
    }

    pub fn put_device(&mut self, key: &DbKey, secret: &DeviceSecret) {
        self.slots.retain(|s| s.holder != DEVICE_HOLDER);
        self.slots
            .push(wrap(&secret.0, DEVICE_HOLDER, key, String::new()));
    }

    pub fn open_device(&self, secret: &DeviceSecret) -> Option<DbKey> {
        let slot = self.slots.iter().find(|s| s.holder == DEVICE_HOLDER)?;
        unwrap_slot(&secret.0, slot)
    }

    /// The same slots without the device's: what a backup carries, so that a backup opens
    /// with a person's password and never with a secret left on this machine.
    pub fn without_device(&self) -> KeySlots {
        KeySlots {
            format: self.format,
            slots: self
                .slots
                .iter()
                .filter(|s| s.holder != DEVICE_HOLDER)
                .cloned()
                .collect(),
        }
    }

    pub fn staff_count(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.holder != DEVICE_HOLDER)
            .count()
    }
}

/// The device's own secret: 32 random bytes that open the device slot.
pub struct DeviceSecret(Zeroizing<[u8; 32]>);

impl DeviceSecret {
    pub fn random() -> DeviceSecret {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(k.as_mut());
        DeviceSecret(k)
    }

    fn from_hex(text: &str) -> Option<DeviceSecret> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).ok()?);
        let arr: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(DeviceSecret(Zeroizing::new(arr)))
    }

    fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
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
                            DeviceSecret::from_hex(&text).map(|s| (s, DeviceKeyLocation::Keyring))
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
                write_private_atomically(path, secret.to_hex().as_bytes())?;
                Ok(DeviceKeyLocation::File)
            }
            DeviceKeyStore::Keyring { fallback, .. } => {
                if self.save_in_keyring(secret) {
                    return Ok(DeviceKeyLocation::Keyring);
                }
                tracing::warn!("no OS keyring took the device key; keeping it in a file");
                write_private_atomically(fallback, secret.to_hex().as_bytes())?;
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
        match entry.set_password(&secret.to_hex()) {
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
        Ok(text) => Ok(DeviceSecret::from_hex(&text)),
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
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(StoreError::Io)?;
    file.write_all(bytes).map_err(StoreError::Io)?;
    file.sync_all().map_err(StoreError::Io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(StoreError::Io)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_slot_moved_to_another_holder_does_not_open() {
        let key = DbKey::random();
        let mut slots = KeySlots::default();
        slots.put_staff(&key, "admin", "same password").unwrap();
        slots.put_staff(&key, "clerk", "other password").unwrap();
        // Copy admin's slot (salt, nonce, ciphertext) onto clerk.
        let admin = slots.slots[0].clone();
        slots.slots[1] = Slot {
            holder: "staff:clerk".into(),
            ..admin
        };
        assert!(slots.open_staff("clerk", "same password").is_err());
    }

    #[test]
    fn device_slot_needs_the_device_secret() {
        let key = DbKey::random();
        let secret = DeviceSecret::random();
        let mut slots = KeySlots::default();
        slots.put_device(&key, &secret);
        assert_eq!(slots.open_device(&secret).unwrap().0, key.0);
        assert!(slots.open_device(&DeviceSecret::random()).is_none());
        assert_eq!(
            slots.without_device().open_device(&secret).map(|_| ()),
            None
        );
    }

    #[test]
    fn key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeviceKeyStore::beside(&dir.path().join("a.db"));
        let secret = DeviceSecret::random();
        assert_eq!(store.save(&secret).unwrap(), DeviceKeyLocation::File);
        let (loaded, found) = store.load().unwrap().unwrap();
        assert_eq!(loaded.0, secret.0);
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
