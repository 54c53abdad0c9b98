//! Encryption at rest, key slots, backups, sign-in throttling, the audit chain and the
//! permission matrix — on real SQLCipher files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::FixedClock;
use ariza_core::error::{Code, Describe};
use ariza_core::staff::{Action, Actor, NewStaff, Role};
use ariza_store::{DeviceKeyStore, SetupRequest, Store, StoreError, device_key_path};
use chrono::NaiveDate;
use support::eri_request;

fn clock() -> FixedClock {
    FixedClock::at_tashkent(2026, 11, 20, 10, 0)
}

fn setup(path: &Path) -> (Store, Actor) {
    support::set_up(path, "tsh07", &clock())
}

/// Distinctive values, so finding them in raw bytes cannot be a coincidence.
const SURNAME: &str = "Qoraqalpoqbekova";
const DOCUMENT: &str = "ZX7319468";

fn citizen_input(seq: u32) -> CitizenInput {
    let birth = NaiveDate::from_ymd_opt(1988, 3, 9).unwrap();
    support::citizen(Sex::Female, birth, seq, SURNAME, "Gulnoraxon", DOCUMENT)
}

fn file_one(store: &Store, actor: &Actor) -> (String, String) {
    let input = citizen_input(731);
    let c = store.register_citizen(actor, &input, &clock()).unwrap();
    let app = store
        .file_application(actor, &eri_request(c.id), &clock())
        .unwrap();
    (input.pinfl, app.id.to_string())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn assert_no_personal_data(path: &Path, pinfl: &str) {
    let bytes = std::fs::read(path).unwrap();
    assert!(!bytes.is_empty(), "{} is empty", path.display());
    for needle in [pinfl, SURNAME, DOCUMENT, "Gulnoraxon"] {
        assert!(
            !contains(&bytes, needle),
            "{} holds {needle} in the clear",
            path.display()
        );
    }
}

#[test]
fn database_wal_and_backup_hold_no_plaintext_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (store, admin) = setup(&path);
    let (pinfl, _) = file_one(&store, &admin);
    // The control: the same values are in an unencrypted database's bytes, so the scan works.
    let plain = Store::open_unencrypted_for_benchmark(&dir.path().join("plain.db")).unwrap();
    let (store_p, admin_p) = (&plain, {
        plain
            .setup(
                &SetupRequest {
                    center_code: "tsh07".into(),
                    center_name: "x".into(),
                    region: "1726".into(),
                    district: "1726294".into(),
                    admin: NewStaff {
                        username: "admin".into(),
                        full_name: "A".into(),
                        role: Role::Admin,
                        password: "admin-pass-1".into(),
                    },
                },
                &clock(),
            )
            .unwrap()
    });
    file_one(store_p, &admin_p);
    let plain_wal = std::fs::read(dir.path().join("plain.db-wal")).unwrap();
    assert!(contains(&plain_wal, SURNAME), "the scan must see plaintext");

    // Before a checkpoint the rows live in the WAL; after one, in the database file.
    let wal = dir.path().join("desk.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    assert_no_personal_data(&wal, &pinfl);
    store.checkpoint().unwrap();
    assert_no_personal_data(&path, &pinfl);
    let backup = dir.path().join("desk.ariza-backup");
    store.backup(&admin, &backup, &clock()).unwrap();
    assert_no_personal_data(&backup, &pinfl);
    // The key files hold no personal data either, and no key in the clear.
    assert_no_personal_data(&ariza_store::slots_path(&path), &pinfl);

    // Plain SQLite cannot read the file.
    let raw = rusqlite::Connection::open(&path).unwrap();
    assert!(
        raw.query_row("SELECT count(*) FROM citizen", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
}

#[test]
fn any_staff_password_opens_the_database_when_the_device_key_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (store, admin) = setup(&path);
    let clerk = NewStaff {
        username: "clerk1".into(),
        full_name: "Bobur Aliyev".into(),
        role: Role::Clerk,
        password: "clerk-pass-1".into(),
    };
    store.add_staff(&admin, &clerk, &clock()).unwrap();
    let (_, app_id) = file_one(&store, &admin);
    drop(store);

    std::fs::remove_file(device_key_path(&path)).unwrap();
    let device = DeviceKeyStore::beside(&path);
    assert!(matches!(
        Store::open_with(&path, &device),
        Err(StoreError::Locked)
    ));
    assert!(matches!(
        Store::unlock(&path, &device, "clerk1", "wrong-password"),
        Err(StoreError::BadCredentials)
    ));
    // The clerk's password opens it and renews the device slot.
    let store = Store::unlock(&path, &device, "clerk1", "clerk-pass-1").unwrap();
    assert_eq!(store.application(&app_id).unwrap().id.to_string(), app_id);
    drop(store);
    let store = Store::open(&path).unwrap();

    // A password change rewraps only that slot.
    store
        .change_password(&admin, "clerk1", None, "clerk-pass-2", &clock())
        .unwrap();
    let clerk_actor = store.sign_in("clerk1", "clerk-pass-2", &clock()).unwrap();
    assert_eq!(clerk_actor.role, Role::Clerk);
    // A clerk cannot change another person's password.
    assert_eq!(
        store
            .change_password(&clerk_actor, "admin", None, "whatever-123", &clock())
            .unwrap_err()
            .code(),
        Code::Forbidden
    );
    // Removing a person removes their slot.
    store.deactivate_staff(&admin, "clerk1", &clock()).unwrap();
    // The last admin stays.
    assert_eq!(
        store
            .deactivate_staff(&admin, "admin", &clock())
            .unwrap_err()
            .code(),
        Code::Validation
    );
    drop(store);
    std::fs::remove_file(device_key_path(&path)).unwrap();
    assert!(Store::unlock(&path, &device, "clerk1", "clerk-pass-2").is_err());
    assert!(Store::unlock(&path, &device, "clerk1", "clerk-pass-1").is_err());
    Store::unlock(&path, &device, "admin", "admin-pass-1").unwrap();
}

#[test]
fn backup_restores_with_a_staff_password_and_is_verified() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (store, admin) = setup(&path);
    let (_, app_id) = file_one(&store, &admin);
    let backup = dir.path().join("b.ariza-backup");
    store.backup(&admin, &backup, &clock()).unwrap();
    drop(store);

    let target = dir.path().join("restored/desk.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let device = DeviceKeyStore::beside(&target);
    assert!(matches!(
        Store::restore(
            &backup,
            &target,
            &device,
            "admin",
            "nope-nope",
            false,
            &clock()
        ),
        Err(StoreError::BadCredentials)
    ));
    let report = Store::restore(
        &backup,
        &target,
        &device,
        "admin",
        "admin-pass-1",
        false,
        &clock(),
    )
    .unwrap();
    assert_eq!(report.integrity, "ok");
    assert!(report.audit.ok());
    assert_eq!(report.applications, 1);
    let restored = Store::open(&target).unwrap();
    assert_eq!(
        restored.application(&app_id).unwrap().id.to_string(),
        app_id
    );
    assert!(restored.verify_audit().unwrap().ok());
    drop(restored);

    // Restoring over a database needs `replace`.
    assert!(
        Store::restore(
            &backup,
            &target,
            &device,
            "admin",
            "admin-pass-1",
            false,
            &clock()
        )
        .is_err()
    );
    // A damaged backup is refused and the database is untouched.
    let mut bytes = std::fs::read(&backup).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n - 3000..n - 2000] {
        *b ^= 0x5a;
    }
    let damaged = dir.path().join("damaged.ariza-backup");
    std::fs::write(&damaged, &bytes).unwrap();
    let before = std::fs::read(&target).unwrap();
    let err = Store::restore(
        &damaged,
        &target,
        &device,
        "admin",
        "admin-pass-1",
        true,
        &clock(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::BadBackup);
    assert_eq!(std::fs::read(&target).unwrap(), before);
    std::fs::write(&damaged, b"not a backup at all").unwrap();
    assert_eq!(
        Store::restore(
            &damaged,
            &target,
            &device,
            "admin",
            "admin-pass-1",
            true,
            &clock()
        )
        .unwrap_err()
        .code(),
        Code::BadBackup
    );
}

#[test]
fn wrong_passwords_slow_down_then_lock_then_expire() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = setup(&dir.path().join("desk.db"));
    let clock = clock();
    // Two typos cost nothing.
    for _ in 0..2 {
        assert_eq!(
            store.sign_in("admin", "wrong", &clock).unwrap_err().code(),
            Code::BadCredentials
        );
    }
    // The third makes the next try wait 5 s; even the right password waits.
    store.sign_in("admin", "wrong", &clock).unwrap_err();
    let err = store.sign_in("admin", "admin-pass-1", &clock).unwrap_err();
    assert_eq!(err.code(), Code::TooManyAttempts);
    assert!(matches!(
        err,
        StoreError::TooManyAttempts { retry_after: 5 }
    ));
    clock.advance(chrono::Duration::seconds(5));
    store.sign_in("admin", "wrong", &clock).unwrap_err(); // 4th: 10 s
    clock.advance(chrono::Duration::seconds(10));
    store.sign_in("admin", "wrong", &clock).unwrap_err(); // 5th: 20 s
    clock.advance(chrono::Duration::seconds(20));
    store.sign_in("admin", "wrong", &clock).unwrap_err(); // 6th: locked 15 min
    clock.advance(chrono::Duration::minutes(14));
    assert!(matches!(
        store.sign_in("admin", "admin-pass-1", &clock),
        Err(StoreError::TooManyAttempts { retry_after: 60 })
    ));
    clock.advance(chrono::Duration::minutes(1));
    store.sign_in("admin", "admin-pass-1", &clock).unwrap();
    // Success clears the count: the next typo is free again.
    store.sign_in("admin", "wrong", &clock).unwrap_err();
    assert_eq!(
        store.sign_in("admin", "wrong", &clock).unwrap_err().code(),
        Code::BadCredentials
    );
}

/// A password typed into the name field never reaches the audit (which travels to the
/// portal): a failed sign-in for a name nobody has is recorded as the unknown user, while the
/// lockout still counts that name's tries.
#[test]
fn a_failed_sign_in_never_records_what_was_typed_as_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir.path().join("desk.db"));
    let clock = clock();
    let typed = "Admin-Pass-Typed-Here";
    for _ in 0..3 {
        store.sign_in(typed, "x", &clock).unwrap_err();
    }
    assert!(matches!(
        store.sign_in(typed, "x", &clock),
        Err(StoreError::TooManyAttempts { .. })
    ));
    store.sign_in("admin", "wrong", &clock).unwrap_err();
    let log = store.audit_log(&admin, 100).unwrap();
    let failed: Vec<_> = log
        .iter()
        .filter(|e| e.action == "staff.sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert_eq!(
        failed
            .iter()
            .filter(|e| e.actor == ariza_store::UNKNOWN_USER)
            .count(),
        3
    );
    assert!(
        failed
            .iter()
            .any(|e| e.actor == "admin" && e.subject == "admin")
    );
    let lowered = typed.to_lowercase();
    for e in &log {
        let text = format!("{} {} {}", e.actor, e.subject, e.detail);
        assert!(
            !text.contains(typed) && !text.contains(&lowered),
            "the typed name reached the audit: {e:?}"
        );
    }
}

#[test]
fn audit_records_changes_and_openings_and_finds_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (store, admin) = setup(&path);
    let (_, app_id) = file_one(&store, &admin);
    store.open_application(&admin, &app_id, &clock()).unwrap();
    store.open_citizen(&admin, 1, &clock()).unwrap();
    store
        .cancel_application(&admin, &app_id, "citizen asked", &clock())
        .unwrap();
    let actions: Vec<String> = store
        .audit_entries(100)
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "center.setup",
            "staff.add",
            "citizen.register",
            "application.file",
            "application.open",
            "citizen.open",
            "application.cancel"
        ]
    );
    let report = store.verify_audit().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries, 7);
    // No personal data in the trail: ids only.
    for e in store.audit_entries(100).unwrap() {
        assert!(!e.subject.contains(SURNAME) && !e.detail.contains(SURNAME));
    }
    drop(store);

    let tamper = |sql: &str| {
        let copy = dir.path().join("copy.db");
        for (from, to) in [
            (path.clone(), copy.clone()),
            (
                ariza_store::slots_path(&path),
                ariza_store::slots_path(&copy),
            ),
            (device_key_path(&path), device_key_path(&copy)),
        ] {
            std::fs::copy(from, to).unwrap();
        }
        let _ = std::fs::remove_file(dir.path().join("copy.db-wal"));
        let conn = ariza_store::open_keyed_connection(&copy).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        Store::open(&copy).unwrap().verify_audit().unwrap()
    };
    let store = Store::open(&path).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    let edited = tamper("UPDATE audit SET actor = 'someone' WHERE seq = 4");
    assert_eq!(
        (edited.broken_at, edited.reason.as_deref()),
        (Some(4), Some("hash"))
    );
    let deleted = tamper("DELETE FROM audit WHERE seq = 5");
    assert_eq!(deleted.broken_at, Some(6));
    let first_gone = tamper("DELETE FROM audit WHERE seq = 1");
    assert!(!first_gone.ok());
}

/// Every role against every action, through the store itself (not the UI): what the core
/// allows happens, what it forbids is refused with `forbidden` and changes nothing.
#[test]
fn permission_matrix_is_enforced_by_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (store, admin) = setup(&path);
    let mut actors = Vec::new();
    for role in Role::ALL {
        let username = format!("u-{}", role.as_str());
        store
            .add_staff(
                &admin,
                &NewStaff {
                    username: username.clone(),
                    full_name: format!("{role:?} person"),
                    role,
                    password: "password-123".into(),
                },
                &clock(),
            )
            .unwrap();
        actors.push(store.sign_in(&username, "password-123", &clock()).unwrap());
    }
    let mut seq = 100;
    for actor in &actors {
        for action in Action::ALL {
            seq += 1;
            // The expected answer, written out rather than read from `Role::may`.
            let expected = match action {
                Action::RegisterCitizen
                | Action::ViewCitizen
                | Action::FileApplication
                | Action::ViewApplications
                | Action::CancelOwnApplication => true,
                Action::CancelAnyApplication
                | Action::Supervise
                | Action::ViewAudit
                | Action::Backup => actor.role != Role::Clerk,
                Action::ManageStaff | Action::ManageCenter => actor.role == Role::Admin,
            };
            assert_eq!(
                actor.role.may(action),
                expected,
                "{:?} {action:?}",
                actor.role
            );
            let outcome: Result<(), StoreError> = match action {
                Action::RegisterCitizen => store
                    .register_citizen(actor, &citizen_input(seq), &clock())
                    .map(|_| ()),
                Action::ViewCitizen => store.open_citizen(actor, 1, &clock()).map(|_| ()),
                Action::FileApplication
                | Action::ViewApplications
                | Action::CancelOwnApplication => {
                    // Filing by this actor, then opening and cancelling their own.
                    let c = store
                        .register_citizen(&admin, &citizen_input(seq), &clock())
                        .unwrap();
                    let req = eri_request(c.id);
                    match action {
                        Action::FileApplication => {
                            store.file_application(actor, &req, &clock()).map(|_| ())
                        }
                        Action::ViewApplications => {
                            let a = store.file_application(&admin, &req, &clock()).unwrap();
                            store
                                .open_application(actor, &a.id.to_string(), &clock())
                                .map(|_| ())
                        }
                        _ => {
                            let a = store.file_application(actor, &req, &clock()).unwrap();
                            store
                                .cancel_application(actor, &a.id.to_string(), "mistake", &clock())
                                .map(|_| ())
                        }
                    }
                }
                Action::CancelAnyApplication => {
                    let c = store
                        .register_citizen(&admin, &citizen_input(seq), &clock())
                        .unwrap();
                    let req = eri_request(c.id);
                    let a = store.file_application(&admin, &req, &clock()).unwrap();
                    store
                        .cancel_application(actor, &a.id.to_string(), "mistake", &clock())
                        .map(|_| ())
                }
                Action::Supervise => {
                    // Reassigning someone else's application to the admin.
                    let c = store
                        .register_citizen(&admin, &citizen_input(seq), &clock())
                        .unwrap();
                    let a = store
                        .file_application(&admin, &eri_request(c.id), &clock())
                        .unwrap();
                    store
                        .reassign(actor, &a.id.to_string(), &admin.username, &clock())
                        .map(|_| ())
                }
                Action::ManageStaff => store
                    .add_staff(
                        actor,
                        &NewStaff {
                            username: format!("n{seq}"),
                            full_name: "New".into(),
                            role: Role::Clerk,
                            password: "password-123".into(),
                        },
                        &clock(),
                    )
                    .map(|_| ()),
                Action::ManageCenter => store.require_role(actor, Action::ManageCenter),
                Action::ViewAudit => store.audit_log(actor, 10).map(|_| ()),
                Action::Backup => store
                    .backup(actor, &dir.path().join(format!("b{seq}")), &clock())
                    .map(|_| ()),
            };
            match (expected, outcome) {
                (true, Ok(())) => {}
                (false, Err(e)) if e.code() == Code::Forbidden => {}
                (exp, got) => panic!(
                    "{:?} {action:?}: expected allowed={exp}, got {got:?}",
                    actor.role
                ),
            }
        }
    }
    assert!(store.verify_audit().unwrap().ok());
}
