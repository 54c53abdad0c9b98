//! Set-up shared by the store's integration tests: a store set up for a center on a real file,
//! staff, citizens, and the electronic-signature application most tests file.

// Each test file is its own crate and uses only part of this module; the rest would be
// reported as dead code in that crate.
#![allow(dead_code)]
// Test support: a failure here is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod scans;

use std::collections::BTreeMap;
use std::path::Path;

use ariza_core::application::{DocumentRef, FileRequest};
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::Clock;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::staff::{Actor, NewStaff, Role};
use ariza_store::{SetupRequest, Store};
use chrono::NaiveDate;
use serde_json::json;

/// The first administrator's username and password on every test store.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-pass-1";

/// Opens a new store at `path` (creating it) and sets it up as center `center_code` in
/// Chilonzor, Tashkent, with the administrator [`ADMIN`], who is returned signed in.
pub fn set_up(path: &Path, center_code: &str, clock: &dyn Clock) -> (Store, Actor) {
    let store = Store::open(path).unwrap();
    let admin = set_up_open(&store, center_code, clock);
    (store, admin)
}

/// Sets up an open store as [`set_up`] does, with the test scans stored
/// ([`scans::IDENTITY_PDF`] is what [`eri_request`] files); returns the administrator, signed
/// in.
pub fn set_up_open(store: &Store, center_code: &str, clock: &dyn Clock) -> Actor {
    let admin = store
        .setup(
            &SetupRequest {
                center_code: center_code.into(),
                center_name: "Chilonzor DXM".into(),
                region: "1726".into(),
                district: "1726294".into(),
                admin: NewStaff {
                    username: ADMIN.into(),
                    full_name: "Aziza Karimova".into(),
                    role: Role::Admin,
                    password: ADMIN_PASSWORD.into(),
                },
            },
            clock,
        )
        .unwrap();
    scans::required_documents(store, "eri-key", clock);
    admin
}

/// Adds a staff member as `by` and signs them in.
pub fn add_staff(
    store: &Store,
    by: &Actor,
    username: &str,
    role: Role,
    password: &str,
    clock: &dyn Clock,
) -> Actor {
    store
        .add_staff(
            by,
            &NewStaff {
                username: username.into(),
                full_name: username.into(),
                role,
                password: password.into(),
            },
            clock,
        )
        .unwrap();
    store.sign_in(username, password, clock).unwrap()
}

/// A citizen of Chilonzor with a passport, whose PINFL is composed from `sex`, `birth` and
/// `seq` (so different `seq`s are different people).
pub fn citizen(
    sex: Sex,
    birth: NaiveDate,
    seq: u32,
    surname: &str,
    given_name: &str,
    document_number: &str,
) -> CitizenInput {
    CitizenInput {
        pinfl: Pinfl::compose(sex, birth, 26, seq).as_str().to_string(),
        document_kind: Some(DocumentKind::Passport),
        document_number: document_number.into(),
        surname: surname.into(),
        given_name: given_name.into(),
        patronymic: String::new(),
        birth_date: birth.format("%Y-%m-%d").to_string(),
        sex: Some(sex),
        phone: String::new(),
        region: "1726".into(),
        district: "1726294".into(),
        street: String::new(),
    }
}

/// The form of an electronic-signature key (`eri-key`, one working day) for an individual.
pub fn eri_form() -> BTreeMap<String, serde_json::Value> {
    serde_json::from_value(json!({"holder_type": "individual", "phone": "+998 90 123 45 67"}))
        .unwrap()
}

/// An electronic-signature key application for citizen `citizen_id`.
pub fn eri_request(citizen_id: i64) -> FileRequest {
    FileRequest {
        citizen_id,
        service_code: "eri-key".into(),
        form: eri_form(),
        documents: vec![identity_document()],
        receipt_locale: None,
    }
}

/// The identity document [`eri_request`] files: [`scans::IDENTITY_PDF`], which
/// [`set_up_open`] stored.
pub fn identity_document() -> DocumentRef {
    use sha2::Digest;
    DocumentRef {
        requirement_key: "identity".into(),
        sha256: hex::encode(sha2::Sha256::digest(scans::IDENTITY_PDF)),
    }
}

/// The files of a desk database: the database, its WAL, its slots file and its device key.
pub const DESK_FILES: [&str; 4] = ["", "-wal", ".keys", ".device-key"];

/// Copies a desk database with its WAL, slots file and device key to `to`, as a thief or a
/// crash would find them (files missing at `from` are skipped).
pub fn copy_desk(from: &Path, to: &Path) {
    for suffix in DESK_FILES {
        let src = format!("{}{suffix}", from.display());
        if Path::new(&src).exists() {
            std::fs::copy(&src, format!("{}{suffix}", to.display())).unwrap();
        }
    }
}

/// A connection to the database at `path` keyed with `key`, if that key opens it.
pub fn open_with_key(path: &Path, key: &ariza_store::DbKey) -> Option<rusqlite::Connection> {
    ariza_store::open_bare(path, Some(key)).ok()
}

/// `PRAGMA cipher_integrity_check` (every page's HMAC); empty when every page is sound.
pub fn cipher_integrity_failures(conn: &rusqlite::Connection) -> Vec<String> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// How SQLite plans `sql`: the plan's lines, joined.
pub fn query_plan(conn: &rusqlite::Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(|r| r.unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// The database key the device's secret opens (the newest listed).
pub fn device_key_of(path: &Path) -> ariza_store::DbKey {
    let slots = ariza_store::KeySlots::load(&ariza_store::slots_path(path)).unwrap();
    let (secret, _) = ariza_store::DeviceKeyStore::beside(path)
        .load()
        .unwrap()
        .unwrap();
    slots.open_device(&secret).into_iter().next().unwrap()
}

/// The database keys `username`'s `password` opens in the slots file at `slots` (none when it
/// opens nothing). One Argon2id run: test several databases against the same keys.
pub fn slot_keys(slots: &Path, username: &str, password: &str) -> Vec<ariza_store::DbKey> {
    ariza_store::KeySlots::load(slots)
        .unwrap()
        .open_staff_keys(username, password)
        .unwrap_or_default()
}

/// Whether any of `keys` opens the database at `db`.
pub fn any_opens(keys: &[ariza_store::DbKey], db: &Path) -> bool {
    keys.iter().any(|k| open_with_key(db, k).is_some())
}

/// Whether `username`'s `password` opens the slots file at `slots` and its key opens the
/// database at `db`.
pub fn password_opens(slots: &Path, db: &Path, username: &str, password: &str) -> bool {
    any_opens(&slot_keys(slots, username, password), db)
}
