//! Where the device secret is kept, said out loud, and the administrator's rule that it must
//! be the OS keyring.
//!
//! The secret that opens the device's key slot (`keys.rs`) lives in the OS keyring when one
//! answers, else in a file beside the database. That fallback is never silent: the store keeps
//! where the secret was found or put ([`Store::device_key`]), the desk's status line and
//! `ariza doctor` show it, and an administrator may forbid the file altogether
//! ([`Store::set_require_os_keyring`]). With the rule on, a file secret is never used and
//! never written: the database then opens only with a staff member's password until a keyring
//! answers, and the first password opening it gives the device a slot in the keyring (or,
//! with none answering, no device slot at all).
//!
//! The rule is kept twice: in the database's settings (authoritative, travels with backups)
//! and as a marker file beside the database (`ariza.db.keyring-required`, no secret in it),
//! so that a desk whose database is locked can still say why. A deleted marker only changes
//! that message: the setting is read after every open and puts the marker back.

use std::path::{Path, PathBuf};

use ariza_core::audit::AuditAction;
use ariza_core::staff::{Action, Actor};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::{DeviceKeyStore, DeviceSecret};
use crate::{Result, Store, StoreError};

/// Where this device's secret is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeviceKeyLocation {
    /// The OS keyring (Secret Service, Keychain, Windows Credential Manager).
    Keyring,
    /// A file beside the database, because this store was told to use one (tests, scripts).
    File,
    /// A file beside the database because no OS keyring answered: readable by the desk's
    /// account only, and protected from a stolen disk only by full-disk encryption.
    FileBecauseNoKeyring,
}

impl DeviceKeyLocation {
    /// For log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKeyLocation::Keyring => "keyring",
            DeviceKeyLocation::File => "file",
            DeviceKeyLocation::FileBecauseNoKeyring => "file_because_no_keyring",
        }
    }
}

const REQUIRE_KEYRING_SETTING: &str = "require_os_keyring";

/// The marker beside the database saying the administrator requires the OS keyring.
pub fn keyring_required_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".keyring-required");
    PathBuf::from(name)
}

/// Whether the marker beside `db` says the OS keyring is required: readable without opening
/// the database, so a locked desk can say why it is locked.
pub fn keyring_required_marked(db: &Path) -> bool {
    keyring_required_path(db).exists()
}

fn mark_keyring_required(db: &Path, required: bool) -> Result<()> {
    let marker = keyring_required_path(db);
    if required {
        crate::keys::write_private_atomically(
            &marker,
            b"The administrator requires the device key in the OS keyring (ariza settings).\n",
        )
    } else {
        match std::fs::remove_file(&marker) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io(e)),
            _ => Ok(()),
        }
    }
}

fn remove_file_secret(device: &DeviceKeyStore) -> Result<()> {
    match std::fs::remove_file(device.file()) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::Io(e)),
        _ => Ok(()),
    }
}

impl Store {
    /// Where the device secret is kept now: `None` when the device keeps none (the database
    /// was opened with a password while the OS keyring is required and none answered; it
    /// will need a password again at the next start).
    pub fn device_key(&self) -> Option<DeviceKeyLocation> {
        *self
            .device_key
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn set_device_key(&self, location: Option<DeviceKeyLocation>) {
        *self
            .device_key
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = location;
    }

    /// Whether an administrator requires the device secret to be in the OS keyring.
    pub fn require_os_keyring(&self) -> Result<bool> {
        let value: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM setting WHERE key = ?1",
                [REQUIRE_KEYRING_SETTING],
                |r| r.get(0),
            )
            .optional()?;
        match value.as_deref() {
            None | Some("off") => Ok(false),
            Some("on") => Ok(true),
            Some(_) => Err(StoreError::corrupt("setting", REQUIRE_KEYRING_SETTING)),
        }
    }

    /// The rule as the database says, with the marker beside it brought in line (the
    /// database is authoritative: a marker deleted or left behind changes nothing).
    pub(crate) fn keyring_rule(&self) -> Result<bool> {
        let required = self.require_os_keyring()?;
        if required != keyring_required_marked(&self.path) {
            mark_keyring_required(&self.path, required)?;
        }
        Ok(required)
    }

    /// Sets the rule "the device secret must be in the OS keyring" (administrators only,
    /// recorded in the audit trail). Turning it on acts at once: a secret kept in a file is
    /// moved into the keyring, or, with no keyring answering, the file and the device slot are
    /// removed, so the desk opens only with a password from then on. Returns where the device
    /// secret is kept afterwards.
    pub fn set_require_os_keyring(
        &self,
        actor: &Actor,
        required: bool,
        device: &DeviceKeyStore,
        at: DateTime<Utc>,
    ) -> Result<Option<DeviceKeyLocation>> {
        actor.role.require(Action::ManageCenter)?;
        let value = if required { "on" } else { "off" };
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [REQUIRE_KEYRING_SETTING, value],
            )?;
            crate::audit::record(
                &tx,
                at,
                &actor.username,
                AuditAction::SettingsChange,
                REQUIRE_KEYRING_SETTING,
                value,
            )?;
            tx.commit()?;
        }
        mark_keyring_required(&self.path, required)?;
        if required && self.device_key() != Some(DeviceKeyLocation::Keyring) {
            self.renew_device_slot(device)?;
        }
        tracing::info!(required, "require-keyring rule changed");
        Ok(self.device_key())
    }

    /// After an open with the device secret `found` where `device` found it: moves a secret
    /// found in the file into a keyring that answers, then applies the administrator's rule. A
    /// file secret under the rule is refused ([`StoreError::KeyringRequired`]) and disarmed
    /// first — the file and the device slot are removed — so it cannot open the database for
    /// anyone else either.
    pub(crate) fn settle_device_key(
        &self,
        device: &DeviceKeyStore,
        secret: &DeviceSecret,
        found: DeviceKeyLocation,
    ) -> Result<()> {
        let mut location = found;
        if found == DeviceKeyLocation::File && matches!(device, DeviceKeyStore::Keyring { .. }) {
            // The keyring answered but held nothing: the secret was put in the file while no
            // keyring answered. Now one does, so the secret goes where it belongs.
            location = if device.save_in_keyring(secret) {
                tracing::info!("device key moved from its file into the OS keyring");
                DeviceKeyLocation::Keyring
            } else {
                DeviceKeyLocation::FileBecauseNoKeyring
            };
        }
        if location != DeviceKeyLocation::Keyring && self.keyring_rule()? {
            self.forget_device_secret(device)?;
            tracing::warn!(
                found = location.as_str(),
                "the OS keyring is required: the device key file was refused and removed"
            );
            return Err(StoreError::KeyringRequired);
        }
        if location == DeviceKeyLocation::FileBecauseNoKeyring {
            tracing::warn!("the device key is kept in a file beside the database: no OS keyring");
        }
        self.set_device_key(Some(location));
        Ok(())
    }

    /// Gives the device a fresh secret and key slot (after a password opened the database, or a
    /// restore). The secret is saved first: a crash then leaves the database locked, which a
    /// staff password opens again, never a slot without its secret on file. The secret goes
    /// in the keyring, else in the file — unless the administrator requires the keyring, when
    /// no keyring answering leaves the device with no slot and no file at all.
    pub(crate) fn renew_device_slot(&self, device: &DeviceKeyStore) -> Result<()> {
        let required = self.keyring_rule()?;
        let secret = DeviceSecret::random();
        let location = if required {
            device
                .save_in_keyring(&secret)
                .then_some(DeviceKeyLocation::Keyring)
        } else {
            Some(device.save(&secret)?)
        };
        match location {
            Some(_) => self.edit_slots(|slots, key| {
                slots.put_device(key, &secret)?;
                slots.drop_format_1_device();
                Ok(())
            })?,
            None => {
                self.forget_device_secret(device)?;
                tracing::warn!(
                    "the OS keyring is required and none answered: the device keeps no key"
                );
            }
        }
        self.set_device_key(location);
        Ok(())
    }

    /// Removes the device slot and the file secret: from then on only a staff member's
    /// password (or a secret the keyring will be given) opens the database.
    fn forget_device_secret(&self, device: &DeviceKeyStore) -> Result<()> {
        self.edit_slots(|slots, _| {
            slots.remove_device();
            Ok(())
        })?;
        remove_file_secret(device)?;
        self.set_device_key(None);
        Ok(())
    }
}
