//! A desk for tests: a real store, set up for a center, with a citizen and filed applications.

// Test support: a failure here is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ariza_core::application::FileRequest;
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::SystemClock;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::staff::{Actor, NewStaff, Role};
use ariza_store::{SetupRequest, Store};
use chrono::NaiveDate;

pub fn desk(dir: &tempfile::TempDir, center: &str) -> (Store, Actor) {
    let store = Store::open(&dir.path().join("desk.db")).unwrap();
    let admin = store
        .setup(
            &SetupRequest {
                center_code: center.into(),
                center_name: "Test DXM".into(),
                region: "1726".into(),
                district: "1726294".into(),
                admin: NewStaff {
                    username: "admin".into(),
                    full_name: "Admin".into(),
                    role: Role::Admin,
                    password: "admin-pass-1".into(),
                },
            },
            &SystemClock,
        )
        .unwrap();
    (store, admin)
}

pub fn file(store: &Store, actor: &Actor, n: usize) -> Vec<String> {
    file_with_clock(store, actor, n, &SystemClock)
}

pub fn file_with_clock(
    store: &Store,
    actor: &Actor,
    n: usize,
    clock: &dyn ariza_core::clock::Clock,
) -> Vec<String> {
    let birth = NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let citizen = match store.find_citizens("Karimov", 1).unwrap().first() {
        Some(c) => c.id,
        None => {
            store
                .register_citizen(
                    actor,
                    &CitizenInput {
                        pinfl: Pinfl::compose(Sex::Male, birth, 26, 1).to_string(),
                        document_kind: Some(DocumentKind::Passport),
                        document_number: "AA1234567".into(),
                        surname: "Karimov".into(),
                        given_name: "Sherzod".into(),
                        patronymic: String::new(),
                        birth_date: "1990-05-12".into(),
                        sex: Some(Sex::Male),
                        phone: String::new(),
                        region: "1726".into(),
                        district: "1726294".into(),
                        street: String::new(),
                    },
                    &SystemClock,
                )
                .unwrap()
                .id
        }
    };
    let form: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(serde_json::json!({"reason": "expired"})).unwrap();
    (0..n)
        .map(|_| {
            store
                .file_application(
                    actor,
                    &FileRequest {
                        citizen_id: citizen,
                        service_code: "id-card".into(),
                        form: form.clone(),
                    },
                    clock,
                )
                .unwrap()
                .id
                .to_string()
        })
        .collect()
}

/// A desk of a new center on `portal`, enrolled: the start of most portal-side tests.
pub fn enrolled_desk(
    portal: &crate::portal::TestPortal,
    dir: &tempfile::TempDir,
    center: &str,
) -> (Store, Actor, ariza_sync::Engine) {
    let code = portal.center_and_code(center);
    let (store, admin) = desk(dir, center);
    let engine = ariza_sync::Engine::new().unwrap();
    engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    (store, admin, engine)
}
