//! A desk in the field upgrades: the database, key slots and device key written by the release
//! before the SQLCipher upgrade (`tests/fixtures/release-2026-12-01`, made by that release's
//! own `ariza` CLI: see its README) open with today's code, keep every row, and every page
//! passes SQLCipher's own HMAC check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/scans.rs"]
mod scans;

use std::path::{Path, PathBuf};

use ariza_core::clock::FixedClock;
use ariza_store::{DeviceKeyStore, Store, device_key_path};

const TRACKING: [&str; 3] = [
    "AND01-261202-01-00001-I",
    "AND01-261202-01-00002-G",
    "AND01-261202-01-00003-E",
];

/// A copy of the fixture in a fresh folder: the committed files are never opened for writing.
fn copy_of_fixture() -> (tempfile::TempDir, PathBuf) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/release-2026-12-01");
    let dir = tempfile::tempdir().unwrap();
    for name in ["ariza.db", "ariza.db.keys", "ariza.db.device-key"] {
        std::fs::copy(fixture.join(name), dir.path().join(name)).unwrap();
    }
    let db = dir.path().join("ariza.db");
    (dir, db)
}

fn assert_every_row_is_there(store: &Store) {
    for number in TRACKING {
        let app = store.application(number).unwrap();
        assert_eq!(app.tracking_number.to_string(), number);
        assert_eq!(app.service_code, "eri-key");
    }
    let staff: Vec<String> = store
        .list_staff()
        .unwrap()
        .into_iter()
        .map(|s| s.username)
        .collect();
    assert_eq!(staff, ["admin", "dilnoza"]);
    // The citizen's name, written in Cyrillic, is found in Latin: the search index came along.
    let found = store.find_citizens("Sherzod Gʻulomov", 10).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].pinfl, "31205900260129");
    let audit = store.verify_audit().unwrap();
    assert!(audit.broken_at.is_none(), "audit chain intact: {audit:?}");
    assert!(audit.entries >= 6, "audit entries kept: {audit:?}");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(
        store.cipher_integrity_check().unwrap(),
        Vec::<String>::new(),
        "every page passes SQLCipher's HMAC check"
    );
}

#[test]
fn a_database_from_the_previous_release_opens_with_every_row_and_clean_pages() {
    let (_dir, db) = copy_of_fixture();
    let store = Store::open(&db).unwrap();
    let (version, provider) = store.cipher_version().unwrap();
    // SQLCipher's own provider (OpenSSL on Linux and Windows builds), 4.6 or later.
    assert_eq!(provider, "openssl");
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().unwrap().parse().unwrap();
    let minor: u32 = parts.next().unwrap().parse().unwrap();
    assert!((major, minor) >= (4, 6), "SQLCipher {version}");
    assert_every_row_is_there(&store);

    // Today's code writes to it, and it reopens clean.
    let clock = FixedClock::at_tashkent(2026, 12, 2, 11, 0);
    let admin = store.sign_in("admin", "admin-pass-1", &clock).unwrap();
    let citizen = store.find_citizens("31205900260129", 1).unwrap()[0].id;
    let req = ariza_core::application::FileRequest {
        citizen_id: citizen,
        service_code: "eri-key".into(),
        form: serde_json::from_value(
            serde_json::json!({"holder_type": "individual", "phone": "+998901234567"}),
        )
        .unwrap(),
        documents: scans::required_documents(&store, "eri-key", &clock),
        receipt_locale: None,
    };
    let filed = store.file_application(&admin, &req, &clock).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    let store = Store::open(&db).unwrap();
    assert_every_row_is_there(&store);
    store
        .application(&filed.tracking_number.to_string())
        .unwrap();
}

#[test]
fn the_previous_release_s_staff_slots_still_open_the_database() {
    let (_dir, db) = copy_of_fixture();
    // The device key is gone (a new machine): a staff member's password opens it.
    std::fs::remove_file(device_key_path(&db)).unwrap();
    let device = DeviceKeyStore::beside(&db);
    assert!(matches!(
        Store::open_with(&db, &device),
        Err(ariza_store::StoreError::Locked)
    ));
    assert!(Store::unlock(&db, &device, "dilnoza", "not-her-password").is_err());
    let store = Store::unlock(&db, &device, "dilnoza", "clerk-pass-1").unwrap();
    assert_every_row_is_there(&store);
    drop(store);
    // The device slot was renewed: it opens on its own again.
    let store = Store::open_with(&db, &device).unwrap();
    assert_every_row_is_there(&store);
}
