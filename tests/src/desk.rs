//! A desk for tests: a real store, set up for a center, with a citizen and filed applications.

// Test support: a failure here is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ariza_core::application::{DocumentRef, FileRequest};
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
    // The sync, fault and kill tests and the 2G benchmark are about records: their filings
    // leave documents to follow, so the documents lane has nothing to do. The documents
    // tests (tests/documents.rs) attach real scans and set no rule.
    documents_to_follow_everywhere(&store, &admin);
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
                        documents: Vec::new(),
                        receipt_locale: None,
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

const SURNAMES: &[&str] = &[
    "Karimov",
    "Rahimova",
    "Yusupov",
    "Gʻulomova",
    "Toshmatov",
    "Ergasheva",
    "Qodirov",
    "Saidova",
    "Nazarov",
    "Mirzayeva",
];
const GIVEN: &[&str] = &[
    "Sherzod", "Dilnoza", "Jasur", "Malika", "Bekzod", "Nodira", "Sardor", "Feruza", "Akmal",
    "Kamola", "Rustam", "Sevara",
];
const REASONS: &[&str] = &["first", "expired", "lost", "changed_name"];
const PURPOSES: &[&str] = &[
    "viza uchun",
    "ishga kirish",
    "oʻqishga topshirish",
    "chet elga chiqish",
    "sudga taqdim etish",
];

/// `n` applications from many different citizens with varied forms, so compression meets
/// realistic variety rather than one record repeated.
pub fn file_varied(store: &Store, actor: &Actor, n: usize) {
    let mut citizens = Vec::new();
    for i in 0..(n / 5).max(1) {
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let birth = chrono::NaiveDate::from_ymd_opt(
            1950 + (i % 55) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        )
        .unwrap();
        let c = store
            .register_citizen(
                actor,
                &CitizenInput {
                    pinfl: Pinfl::compose(sex, birth, (i / 1000) as u32, (i % 1000) as u32)
                        .to_string(),
                    document_kind: Some(DocumentKind::Passport),
                    document_number: format!(
                        "A{}{:07}",
                        ["A", "B", "C", "D"][i % 4],
                        1_000_000 + i * 7919 % 8_999_999
                    ),
                    surname: SURNAMES[i % SURNAMES.len()].into(),
                    given_name: GIVEN[(i * 7) % GIVEN.len()].into(),
                    patronymic: format!("{}ovich", GIVEN[(i * 3) % GIVEN.len()]),
                    birth_date: birth.format("%Y-%m-%d").to_string(),
                    sex: Some(sex),
                    phone: format!("+99890{:07}", (i * 104_729) % 10_000_000),
                    region: "1726".into(),
                    district: "1726294".into(),
                    street: format!("{}-uy", i % 150),
                },
                &SystemClock,
            )
            .unwrap();
        citizens.push(c.id);
    }
    for i in 0..n {
        let (service, form) = match i % 3 {
            0 => ("id-card", serde_json::json!({"reason": REASONS[i % 4]})),
            1 => (
                "no-criminal-record",
                serde_json::json!({"purpose": PURPOSES[i % PURPOSES.len()], "copies": 1 + i % 3}),
            ),
            _ => (
                "eri-key",
                serde_json::json!({"holder_type": "individual", "phone": format!("+99893{:07}", (i * 7_919) % 10_000_000)}),
            ),
        };
        let req = FileRequest {
            citizen_id: citizens[i % citizens.len()],
            service_code: service.into(),
            form: serde_json::from_value(form).unwrap(),
            documents: Vec::new(),
            receipt_locale: None,
        };
        store.file_application(actor, &req, &SystemClock).unwrap();
    }
}

/// A PDF of about `size` bytes whose content is unique to `seed` (a scanned document of
/// several pages weighs this much).
pub fn large_pdf(size: usize, seed: u64) -> Vec<u8> {
    let mut body = vec![0u8; size];
    use rand::{RngCore, SeedableRng};
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut body);
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    pdf.extend_from_slice(&body);
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

/// Files an identity-card application for the desk's first citizen with `pdf` as its
/// identity document and the test photo as its birth certificate; returns the application's
/// id and the identity scan's SHA-256.
pub fn file_with_documents(store: &Store, actor: &Actor, pdf: &[u8]) -> (String, String) {
    // Filing none registers the citizen the first time.
    file(store, actor, 0);
    let citizen = store.find_citizens("Karimov", 1).unwrap()[0].id;
    let identity = store.store_scan(pdf, "pasport.pdf", &SystemClock).unwrap();
    let photo = store
        .store_scan(crate::scans::PHOTO_PNG, "tug'ilganlik.png", &SystemClock)
        .unwrap();
    let app = store
        .file_application(
            actor,
            &FileRequest {
                citizen_id: citizen,
                service_code: "id-card".into(),
                form: serde_json::from_value(serde_json::json!({"reason": "expired"})).unwrap(),
                documents: vec![
                    DocumentRef {
                        requirement_key: "identity".into(),
                        sha256: identity.sha256.clone(),
                    },
                    DocumentRef {
                        requirement_key: "birth-certificate".into(),
                        sha256: photo.sha256,
                    },
                ],
                receipt_locale: None,
            },
            &SystemClock,
        )
        .unwrap();
    (app.id.to_string(), identity.sha256)
}

/// Adds the clerk `dilnoza` (password `clerk-pass-1`) and signs her in.
pub fn add_clerk(store: &Store, admin: &Actor) -> Actor {
    store
        .add_staff(
            admin,
            &NewStaff {
                username: "dilnoza".into(),
                full_name: "Dilnoza Yusupova".into(),
                role: Role::Clerk,
                password: "clerk-pass-1".into(),
            },
            &SystemClock,
        )
        .unwrap();
    store
        .sign_in("dilnoza", "clerk-pass-1", &SystemClock)
        .unwrap()
}

/// Sets up the Tashkent center the seeded tests use, with Aziza as its administrator.
pub fn set_up_tsh11(store: &ariza_store::Store) -> ariza_core::staff::Actor {
    use ariza_core::staff::{NewStaff, Role};
    let admin = store
        .setup(
            &ariza_store::SetupRequest {
                center_code: "TSH11".into(),
                center_name: "Mirzo Ulugʻbek DXM".into(),
                region: "1726".into(),
                district: "1726269".into(),
                admin: NewStaff {
                    username: "aziza".into(),
                    full_name: "Aziza Karimova".into(),
                    role: Role::Admin,
                    password: "aziza-pass-1".into(),
                },
            },
            &ariza_core::clock::SystemClock,
        )
        .unwrap();
    // The morning is about queues, not scans: its filings may leave documents to follow
    // (the filing test attaches them).
    documents_to_follow_everywhere(store, &admin);
    admin
}

/// Lets every service of the catalog be filed with documents to follow.
pub fn documents_to_follow_everywhere(store: &Store, admin: &Actor) {
    for service in store.catalog().unwrap().services.iter() {
        store
            .set_service_rule(
                admin,
                &ariza_store::ServiceRule {
                    service_code: service.code.clone(),
                    documents_to_follow: true,
                },
                &SystemClock,
            )
            .unwrap();
    }
}

/// Opens the store a desk process just had, once that process has let go of it: the desk
/// holds the writer lock until it has exited, which takes a moment after WebDriver ends it.
pub fn store_after_desk(db: &std::path::Path) -> Store {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        match Store::open(db) {
            Ok(store) => return store,
            Err(ariza_store::StoreError::InUse) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => panic!("the desk's store: {e}"),
        }
    }
}
