//! Where the device secret lives, said out loud: the store reports the keyring, the file, or
//! the file because no keyring answered; moves a file secret into a keyring that answers; and
//! under the administrator's "require the OS keyring" rule never uses or writes a file.
//!
//! The OS keyring is replaced, for this test binary only, by an in-memory one whose accounts
//! (one per database path) can be made not to answer, as a locked or missing Secret Service
//! does. Nothing here touches the real keyring of the machine running the tests.

// Tests: a panic is the failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, Once};

use ariza_core::clock::{Clock, FixedClock};
use ariza_core::error::{Code, Describe};
use ariza_core::staff::Role;
use ariza_store::{
    DeviceKeyLocation, DeviceKeyStore, Store, StoreError, device_key_path, keyring_required_path,
    slots_path,
};
use chrono::TimeZone;

/// The fake keyring: secrets by account, and the accounts whose keyring does not answer.
static SECRETS: LazyLock<Mutex<HashMap<String, Vec<u8>>>> = LazyLock::new(Default::default);
static DOWN: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

#[derive(Debug)]
struct FakeEntry {
    account: String,
}

fn no_answer() -> keyring::Error {
    keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("keyring locked")))
}

impl keyring::credential::CredentialApi for FakeEntry {
    fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
        if DOWN.lock().unwrap().contains(&self.account) {
            return Err(no_answer());
        }
        SECRETS
            .lock()
            .unwrap()
            .insert(self.account.clone(), secret.to_vec());
        Ok(())
    }

    fn get_secret(&self) -> keyring::Result<Vec<u8>> {
        if DOWN.lock().unwrap().contains(&self.account) {
            return Err(no_answer());
        }
        SECRETS
            .lock()
            .unwrap()
            .get(&self.account)
            .cloned()
            .ok_or(keyring::Error::NoEntry)
    }

    fn delete_credential(&self) -> keyring::Result<()> {
        SECRETS
            .lock()
            .unwrap()
            .remove(&self.account)
            .map(|_| ())
            .ok_or(keyring::Error::NoEntry)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct FakeKeyring;

impl keyring::credential::CredentialBuilderApi for FakeKeyring {
    fn build(
        &self,
        _target: Option<&str>,
        _service: &str,
        user: &str,
    ) -> keyring::Result<Box<keyring::credential::Credential>> {
        Ok(Box::new(FakeEntry {
            account: user.to_string(),
        }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A database path in a fresh folder, its keyring answering or not.
fn desk(dir: &Path, keyring_answers: bool) -> (PathBuf, DeviceKeyStore) {
    static FAKE: Once = Once::new();
    FAKE.call_once(|| keyring::set_default_credential_builder(Box::new(FakeKeyring)));
    let db = dir.join("desk.db");
    set_keyring(&db, keyring_answers);
    (db.clone(), DeviceKeyStore::os_keyring(&db))
}

fn account(db: &Path) -> String {
    std::path::absolute(db).unwrap().display().to_string()
}

fn set_keyring(db: &Path, answers: bool) {
    let mut down = DOWN.lock().unwrap();
    if answers {
        down.remove(&account(db));
    } else {
        down.insert(account(db));
    }
}

fn in_keyring(db: &Path) -> bool {
    SECRETS.lock().unwrap().contains_key(&account(db))
}

/// Whether the slots file holds a device slot (its holder is named in the clear).
fn has_device_slot(db: &Path) -> bool {
    std::fs::read_to_string(slots_path(db))
        .unwrap()
        .contains("\"device\"")
}

fn clock() -> FixedClock {
    FixedClock::new(chrono::Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap())
}

fn set_up(db: &Path, device: &DeviceKeyStore) -> (Store, ariza_core::staff::Actor) {
    let store = Store::open_with(db, device).unwrap();
    let admin = support::set_up_open(&store, "TSH07", &clock());
    (store, admin)
}

#[test]
fn a_key_kept_in_a_file_because_no_keyring_answered_says_so_and_moves_in_when_one_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (db, device) = desk(dir.path(), false);

    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(
        store.device_key(),
        Some(DeviceKeyLocation::FileBecauseNoKeyring)
    );
    // What the desk's status line reads.
    assert_eq!(
        store.sync_status().unwrap().device_key,
        Some(DeviceKeyLocation::FileBecauseNoKeyring)
    );
    assert!(device_key_path(&db).exists());
    assert!(!in_keyring(&db));
    drop(store);

    // Still no keyring: the same answer, never a silent one.
    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(
        store.device_key(),
        Some(DeviceKeyLocation::FileBecauseNoKeyring)
    );
    drop(store);

    // A keyring answers now: the secret moves into it and the file goes.
    set_keyring(&db, true);
    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));
    assert!(in_keyring(&db));
    assert!(!device_key_path(&db).exists(), "no second copy in a file");
    drop(store);
    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));
}

#[test]
fn with_a_keyring_no_file_is_written_and_a_file_store_says_file() {
    let dir = tempfile::tempdir().unwrap();
    let (db, device) = desk(dir.path(), true);
    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));
    assert!(!device_key_path(&db).exists());

    let other = dir.path().join("file.db");
    let store = Store::open(&other).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::File));
}

#[test]
fn only_an_administrator_requires_the_keyring_and_then_no_file_is_used_or_written() {
    let dir = tempfile::tempdir().unwrap();
    let (db, device) = desk(dir.path(), false);
    let (store, admin) = set_up(&db, &device);
    let clerk = support::add_staff(
        &store,
        &admin,
        "clerk1",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );

    // A clerk may not; nothing changes.
    let refused = store
        .set_require_os_keyring(&clerk, true, &device, clock().now())
        .unwrap_err();
    assert_eq!(refused.code(), Code::Forbidden);
    assert!(!store.require_os_keyring().unwrap());
    assert!(device_key_path(&db).exists());

    // The administrator may. No keyring answers: the file secret and the device slot go at
    // once, so the file cannot open the database for anyone.
    let kept = store
        .set_require_os_keyring(&admin, true, &device, clock().now())
        .unwrap();
    assert_eq!(kept, None);
    assert_eq!(store.device_key(), None);
    assert_eq!(store.sync_status().unwrap().device_key, None);
    assert!(store.require_os_keyring().unwrap());
    assert!(!device_key_path(&db).exists());
    assert!(!has_device_slot(&db));
    assert!(keyring_required_path(&db).exists());
    drop(store);

    // The desk starts locked, saying why.
    assert!(matches!(
        Store::open_with(&db, &device),
        Err(StoreError::KeyringRequired)
    ));
    // A staff password opens it (the desk's sign-in), and still no file is written.
    let store = Store::unlock(&db, &device, "clerk1", "clerk-pass-1").unwrap();
    assert_eq!(store.device_key(), None);
    assert!(!device_key_path(&db).exists());
    assert!(!has_device_slot(&db));
    drop(store);
    assert!(matches!(
        Store::open_with(&db, &device),
        Err(StoreError::KeyringRequired)
    ));

    // Once a keyring answers, the next password gives the device its slot there.
    set_keyring(&db, true);
    let store = Store::unlock(&db, &device, "admin", support::ADMIN_PASSWORD).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));
    assert!(in_keyring(&db) && has_device_slot(&db));
    assert!(!device_key_path(&db).exists());
    drop(store);
    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));

    // Turned off, the marker goes; the key stays where it is.
    store
        .set_require_os_keyring(&admin, false, &device, clock().now())
        .unwrap();
    assert!(!keyring_required_path(&db).exists());
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));
}

#[test]
fn turning_the_rule_on_with_a_keyring_moves_the_key_out_of_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let (db, device) = desk(dir.path(), false);
    let (store, admin) = set_up(&db, &device);
    assert!(device_key_path(&db).exists());
    set_keyring(&db, true);
    let kept = store
        .set_require_os_keyring(&admin, true, &device, clock().now())
        .unwrap();
    assert_eq!(kept, Some(DeviceKeyLocation::Keyring));
    assert!(!device_key_path(&db).exists());
    drop(store);
    let store = Store::open_with(&db, &device).unwrap();
    assert_eq!(store.device_key(), Some(DeviceKeyLocation::Keyring));
}

#[test]
fn a_database_whose_rule_says_keyring_refuses_and_disarms_the_file_it_was_opened_with() {
    // The rule came with the database (set elsewhere, restored from a backup) and no marker
    // is beside it: the key file opens it once, the store reads the rule and refuses.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let store = Store::open(&db).unwrap();
    support::set_up_open(&store, "TSH07", &clock());
    drop(store);
    let conn = ariza_store::open_keyed_connection(&db).unwrap();
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('require_os_keyring', 'on')",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(!keyring_required_path(&db).exists());

    assert!(matches!(Store::open(&db), Err(StoreError::KeyringRequired)));
    assert!(
        !device_key_path(&db).exists(),
        "the refused key file is removed"
    );
    assert!(!has_device_slot(&db));
    assert!(keyring_required_path(&db).exists());
    // The message names the rule, in the reader's language.
    assert_eq!(
        StoreError::KeyringRequired.message().0,
        "err-keyring-required"
    );
    // Every staff slot still opens it; the File store has no keyring, so nothing is kept.
    let store = Store::unlock(
        &db,
        &DeviceKeyStore::beside(&db),
        "admin",
        support::ADMIN_PASSWORD,
    )
    .unwrap();
    assert_eq!(store.device_key(), None);
    assert!(!device_key_path(&db).exists());
}

#[test]
fn a_backup_restored_under_the_rule_writes_no_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let (db, device) = desk(dir.path(), true);
    let (store, admin) = set_up(&db, &device);
    store
        .set_require_os_keyring(&admin, true, &device, clock().now())
        .unwrap();
    let backup = dir.path().join("b.ariza");
    store.backup(&admin, &backup, &clock()).unwrap();
    drop(store);

    let target_dir = dir.path().join("elsewhere");
    std::fs::create_dir_all(&target_dir).unwrap();
    let (target, target_device) = desk(&target_dir, false);
    Store::restore(
        &backup,
        &target,
        &target_device,
        ariza_store::RestoreFrom::Staff {
            username: "admin",
            password: support::ADMIN_PASSWORD,
        },
        false,
        &clock(),
    )
    .unwrap();
    assert!(!device_key_path(&target).exists());
    assert!(!has_device_slot(&target));
    assert!(keyring_required_path(&target).exists());
    assert!(matches!(
        Store::open_with(&target, &target_device),
        Err(StoreError::KeyringRequired)
    ));
}
