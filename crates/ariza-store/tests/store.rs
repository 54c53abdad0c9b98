//! The store on a real SQLite file.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ariza_core::application::{FileRequest, Status};
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::{Clock, FixedClock};
use ariza_core::error::{Code, Describe};
use ariza_core::staff::{Actor, NewStaff, Role};
use ariza_store::{ListFilter, SCHEMA_VERSION, SetupRequest, Store, StoreError};
use chrono::NaiveDate;
use serde_json::json;
use support::eri_request;

fn clock() -> FixedClock {
    FixedClock::at_tashkent(2026, 11, 20, 10, 0) // a Friday
}

fn setup(dir: &tempfile::TempDir) -> (Store, Actor) {
    support::set_up(&dir.path().join("desk.db"), "tsh07", &clock())
}

fn citizen(surname: &str, given: &str, seq: u32) -> CitizenInput {
    let birth = NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let document = format!("AA{:07}", 1000 + seq);
    support::citizen(Sex::Male, birth, seq, surname, given, &document)
}

#[test]
fn migrates_an_empty_file_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/desk.db");
    {
        let store = Store::open(&path).unwrap();
        assert!(store.center().unwrap().is_none());
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }
    let conn = ariza_store::open_keyed_connection(&path).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let strict: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%STRICT'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(strict >= 9, "{strict} STRICT tables");
    drop(conn);
    Store::open(&path).unwrap();
}

#[test]
fn refuses_a_newer_schema_without_touching_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    drop(Store::open(&path).unwrap());
    let conn = ariza_store::open_keyed_connection(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    match Store::open(&path) {
        Err(e @ StoreError::SchemaTooNew { .. }) => assert_eq!(e.code(), Code::SchemaTooNew),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn refuses_an_edited_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    drop(Store::open(&path).unwrap());
    let conn = ariza_store::open_keyed_connection(&path).unwrap();
    conn.execute(
        "UPDATE schema_migration SET sha256 = 'x' WHERE version = 1",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::MigrationChanged { .. })
    ));
}

#[test]
fn setup_once_and_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(store.center().unwrap().unwrap().code, "TSH07");
    let again = store.setup(
        &SetupRequest {
            center_code: "X1".into(),
            center_name: "x".into(),
            region: "1726".into(),
            district: "1726294".into(),
            admin: NewStaff {
                username: "other".into(),
                full_name: "O".into(),
                role: Role::Admin,
                password: "12345678".into(),
            },
        },
        &clock(),
    );
    assert!(matches!(again, Err(StoreError::AlreadySetUp)));
    assert_eq!(
        store
            .sign_in("ADMIN", "admin-pass-1", &clock())
            .unwrap()
            .staff_id,
        admin.staff_id
    );
    assert!(matches!(
        store.sign_in("admin", "wrong", &clock()),
        Err(StoreError::BadCredentials)
    ));
    assert!(matches!(
        store.sign_in("nobody", "admin-pass-1", &clock()),
        Err(StoreError::BadCredentials)
    ));

    let clerk = store
        .add_staff(
            &admin,
            &NewStaff {
                username: "dilnoza".into(),
                full_name: "Dilnoza".into(),
                role: Role::Clerk,
                password: "clerk-pass".into(),
            },
            &clock(),
        )
        .unwrap();
    let clerk = store
        .sign_in(&clerk.username, "clerk-pass", &clock())
        .unwrap();
    let refused = store.add_staff(
        &clerk,
        &NewStaff {
            username: "x2".into(),
            full_name: "X".into(),
            role: Role::Admin,
            password: "12345678".into(),
        },
        &clock(),
    );
    assert_eq!(refused.unwrap_err().code(), Code::Forbidden);
    assert_eq!(store.list_staff().unwrap().len(), 2);
}

#[test]
fn search_finds_names_across_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let sherzod = store
        .register_citizen(&admin, &citizen("Karimov", "Sherzod", 1), &c)
        .unwrap();
    let gulom = store
        .register_citizen(&admin, &citizen("Ғуломов", "Ўткир", 2), &c)
        .unwrap();
    let other = store
        .register_citizen(&admin, &citizen("Rahimova", "Nodira", 3), &c)
        .unwrap();

    let ids = |q: &str| {
        store
            .find_citizens(q, 10)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("Шерзод"), [sherzod.id]);
    assert_eq!(ids("sherzod"), [sherzod.id]);
    assert_eq!(ids("Карим"), [sherzod.id], "prefix in Cyrillic");
    for q in [
        "Gʻulomov",
        "G'ulomov",
        "G‘ulomov",
        "G`ulomov",
        "gulomov",
        "Ғуломов",
    ] {
        assert_eq!(ids(q), [gulom.id], "{q}");
    }
    assert_eq!(
        ids("O'tkir G'ulom"),
        [gulom.id],
        "both names, any order, prefixes"
    );
    assert_eq!(ids("Rahimova"), [other.id]);
    assert!(ids("Zafar").is_empty());

    // PINFL exact and prefix; document number.
    let pinfl = sherzod.data.pinfl.as_str();
    assert_eq!(ids(pinfl), [sherzod.id]);
    assert_eq!(ids(&pinfl[..6]).len(), 3, "all three share a birth date");
    assert_eq!(ids("aa 0001001"), [sherzod.id]);

    // Tracking number.
    let app = store
        .file_application(&admin, &eri_request(gulom.id), &c)
        .unwrap();
    assert_eq!(
        ids(&app.tracking_number.as_str().to_lowercase()),
        [gulom.id]
    );
}

#[test]
fn search_uses_indexes_not_scans() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = setup(&dir);
    drop(store);
    let conn = ariza_store::open_keyed_connection(&dir.path().join("desk.db")).unwrap();
    let plan = |sql: &str| support::query_plan(&conn, sql);
    let p = plan("SELECT id FROM citizen WHERE pinfl >= '3120' AND pinfl < '3120:'");
    assert!(p.contains("USING") && p.contains("INDEX"), "{p}");
    let p = plan("SELECT id FROM citizen WHERE document_number >= 'AA' AND document_number < 'AB'");
    assert!(p.contains("citizen_document"), "{p}");
    let p = plan("SELECT rowid FROM citizen_name WHERE citizen_name MATCH '\"sher\"*'");
    assert!(p.contains("VIRTUAL TABLE INDEX"), "{p}");
}

#[test]
fn filing_gives_tracking_number_due_date_history_and_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let citizen = store
        .register_citizen(&admin, &citizen("Karimov", "Sherzod", 1), &c)
        .unwrap();
    let a1 = store
        .file_application(&admin, &eri_request(citizen.id), &c)
        .unwrap();
    let a2 = store
        .file_application(&admin, &eri_request(citizen.id), &c)
        .unwrap();
    assert!(
        a1.tracking_number
            .as_str()
            .starts_with("TSH07-261120-01-00001-"),
        "{}",
        a1.tracking_number
    );
    assert!(
        a2.tracking_number
            .as_str()
            .starts_with("TSH07-261120-01-00002-")
    );
    assert_eq!(a1.status, Status::Filed);
    assert_eq!(a1.fee_uzs, 123_600);
    // Filed on Friday with a 1-working-day deadline: due Monday.
    assert_eq!(a1.due_date, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    assert_eq!(a1.form["phone"], "+998901234567");
    assert_eq!(a1.history.len(), 1);
    assert_eq!(a1.history[0].actor, "admin");
    assert_eq!(store.outbox_backlog().unwrap(), 2);

    let today = store
        .list_applications(&ListFilter {
            date: Some("2026-11-20".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(today.len(), 2);
    assert!(
        store
            .list_applications(&ListFilter {
                date: Some("2026-11-21".into()),
                ..Default::default()
            })
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.application(a1.tracking_number.as_str()).unwrap().id,
        a1.id
    );
    assert_eq!(
        store
            .application(&a1.id.to_string())
            .unwrap()
            .tracking_number,
        a1.tracking_number
    );
}

#[test]
fn cancel_needs_a_reason_and_permission_and_leaves_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let a = support::add_staff(&store, &admin, "aaa", Role::Clerk, "password-a", &c);
    let b = support::add_staff(&store, &admin, "bbb", Role::Clerk, "password-b", &c);
    let citizen = store
        .register_citizen(&a, &citizen("Karimov", "Sherzod", 1), &c)
        .unwrap();
    let app = store
        .file_application(&a, &eri_request(citizen.id), &c)
        .unwrap();
    let key = app.id.to_string();

    assert_eq!(
        store
            .cancel_application(&b, &key, "not mine", &c)
            .unwrap_err()
            .code(),
        Code::Forbidden
    );
    assert_eq!(
        store
            .cancel_application(&a, &key, " ", &c)
            .unwrap_err()
            .code(),
        Code::Validation
    );
    let cancelled = store
        .cancel_application(&a, &key, "citizen changed their mind", &c)
        .unwrap();
    assert_eq!(cancelled.status, Status::Cancelled);
    assert_eq!(cancelled.history.len(), 2);
    assert_eq!(
        cancelled.history[1].reason.as_deref(),
        Some("citizen changed their mind")
    );
    assert_eq!(store.outbox_backlog().unwrap(), 0);
    let again = store
        .cancel_application(&admin, &key, "twice", &c)
        .unwrap_err();
    assert_eq!(again.code(), Code::IllegalTransition);
}

#[test]
fn bad_input_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let mut bad = citizen("Karimov", "Sherzod", 1);
    let check = bad.pinfl.as_bytes()[13] - b'0';
    bad.pinfl = format!("{}{}", &bad.pinfl[..13], (check + 1) % 10);
    assert_eq!(
        store.register_citizen(&admin, &bad, &c).unwrap_err().code(),
        Code::Validation
    );
    assert!(store.find_citizens("Karimov", 10).unwrap().is_empty());

    let ok = store
        .register_citizen(&admin, &citizen("Karimov", "Sherzod", 1), &c)
        .unwrap();
    let dup = store
        .register_citizen(&admin, &citizen("Other", "Name", 1), &c)
        .unwrap_err();
    assert_eq!(dup.field_errors()[0].key, "err-duplicate-pinfl");

    let mut req = eri_request(ok.id);
    req.form.insert("holder_type".into(), json!("alien"));
    let err = store.file_application(&admin, &req, &c).unwrap_err();
    assert_eq!(err.field_errors()[0].field, "form.holder_type");
    let unknown = FileRequest {
        service_code: "no-such".into(),
        ..eri_request(ok.id)
    };
    assert_eq!(
        store
            .file_application(&admin, &unknown, &c)
            .unwrap_err()
            .code(),
        Code::Validation
    );
    let nobody = FileRequest {
        citizen_id: 999,
        ..eri_request(ok.id)
    };
    assert_eq!(
        store
            .file_application(&admin, &nobody, &c)
            .unwrap_err()
            .code(),
        Code::Validation
    );
    assert_eq!(store.outbox_backlog().unwrap(), 0);
    assert!(
        store
            .list_applications(&ListFilter::default())
            .unwrap()
            .is_empty()
    );
    // The tracking sequence did not advance either.
    let app = store
        .file_application(&admin, &eri_request(ok.id), &c)
        .unwrap();
    assert!(app.tracking_number.as_str().contains("-00001-"));
}

#[test]
fn settings_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = setup(&dir);
    let mut s = store.settings().unwrap();
    assert_eq!(s.locale, ariza_core::i18n::Locale::UzLatn);
    s.locale = ariza_core::i18n::Locale::Ru;
    s.theme = ariza_store::Theme::Contrast;
    store.save_settings(&s, "admin", clock().now()).unwrap();
    assert_eq!(store.settings().unwrap(), s);
}

/// Changes rows behind the store's back, through a second connection to the same file: what
/// a bad disk, a crashed tool or a hand edit leaves.
fn damage(store: &Store, sql: &str) {
    let conn = ariza_store::open_keyed_connection(store.path()).unwrap();
    // The schema's own checks (sex, role) would refuse the damage a disk does not ask about.
    conn.execute_batch(&format!("PRAGMA ignore_check_constraints = ON; {sql}"))
        .unwrap();
}

fn corrupt_at(e: StoreError) -> (&'static str, &'static str) {
    match e {
        StoreError::Corrupt { table, column } => (table, column),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn an_unreadable_row_is_an_error_never_a_default_and_is_not_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = store
        .register_citizen(&admin, &citizen("Karimov", "Sherzod", 1), &clock())
        .unwrap();
    let app = store
        .file_application(&admin, &eri_request(c.id), &clock())
        .unwrap();
    let id = app.id.to_string();
    assert_eq!(store.outbox_batch(10).unwrap().len(), 1);

    damage(
        &store,
        &format!("UPDATE application SET status = 'bogus' WHERE id = '{id}'"),
    );
    let e = store.application(&id).unwrap_err();
    assert_eq!(e.code(), Code::Storage);
    let (key, args) = e.message();
    assert_eq!(key, "err-stored-corrupt");
    assert!(args.contains(&("column", "status".to_string())), "{args:?}");
    assert_eq!(corrupt_at(e), ("application", "status"));
    assert_eq!(
        corrupt_at(store.list_applications(&ListFilter::default()).unwrap_err()),
        ("application", "status")
    );
    damage(
        &store,
        &format!("UPDATE application SET status = 'filed' WHERE id = '{id}'"),
    );

    // The citizen's birth date, then their sex: each read fails, naming the place, and the
    // batch the sync engine sends is refused whole rather than carrying a made-up citizen.
    for (sql, column) in [
        ("UPDATE citizen SET birth_date = 'not-a-date'", "birth_date"),
        (
            "UPDATE citizen SET birth_date = '1990-05-12', sex = 'x'",
            "sex",
        ),
        (
            "UPDATE citizen SET sex = 'male', document_kind = 'scroll'",
            "document_kind",
        ),
    ] {
        damage(&store, sql);
        assert_eq!(
            corrupt_at(store.citizen(c.id).unwrap_err()),
            ("citizen", column)
        );
        assert_eq!(
            corrupt_at(store.outbox_batch(10).unwrap_err()),
            ("citizen", column)
        );
        assert_eq!(
            corrupt_at(store.application(&id).unwrap_err()),
            ("citizen", column)
        );
    }
    damage(
        &store,
        &format!(
            "UPDATE citizen SET document_kind = 'passport';
             UPDATE application SET form = '{{not json' WHERE id = '{id}'"
        ),
    );
    assert_eq!(
        corrupt_at(store.outbox_batch(10).unwrap_err()),
        ("application", "form")
    );
    // Nothing was changed: the application still waits for delivery.
    assert_eq!(store.outbox_backlog().unwrap(), 1);
    damage(
        &store,
        &format!("UPDATE application SET form = '{{}}' WHERE id = '{id}'"),
    );
    let batch = store.outbox_batch(10).unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].citizen.sex, Sex::Male);
}

#[test]
fn damaged_settings_and_staff_are_errors_too() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    damage(
        &store,
        "INSERT INTO setting (key, value) VALUES ('desk', '{\"locale\": \"klingon\"}')",
    );
    assert_eq!(
        corrupt_at(store.settings().unwrap_err()),
        ("setting", "desk")
    );
    damage(
        &store,
        "UPDATE staff SET role = 'emperor' WHERE username = 'admin'",
    );
    assert_eq!(
        corrupt_at(store.list_staff().unwrap_err()),
        ("staff", "role")
    );
    // A wrong password still says only that: the damage shows once the password is right.
    assert!(matches!(
        store.sign_in("admin", "wrong-password", &clock()),
        Err(StoreError::BadCredentials)
    ));
    assert_eq!(
        corrupt_at(
            store
                .sign_in("admin", "admin-pass-1", &clock())
                .unwrap_err()
        ),
        ("staff", "role")
    );
    drop(admin);
}

/// One writer at a time: while a store has the database open, a second open (another desk
/// window, `ariza`) is refused with a translated `in_use`, and the first goes on; once it is
/// closed, the database opens again.
#[test]
fn a_database_open_in_one_store_is_refused_to_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let path = dir.path().join("desk.db");
    let Err(second) = Store::open(&path) else {
        panic!("a second store opened the database while the first had it");
    };
    assert!(matches!(second, StoreError::InUse), "{second}");
    assert_eq!(second.code(), Code::InUse);
    assert_eq!(second.message().0, "err-db-in-use");
    // The first is untouched by the refused one.
    store
        .register_citizen(&admin, &citizen("Karimov", "Sherzod", 1), &clock())
        .unwrap();
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(again.find_citizens("Karimov", 5).unwrap().len(), 1);
}
