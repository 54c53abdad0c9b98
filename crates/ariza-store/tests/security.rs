//! Encryption at rest, key slots, backups, sign-in throttling, the audit chain and the
//! permission matrix — on real SQLCipher files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use ariza_core::application::{DocumentRef, FileRequest};
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::{Clock, FixedClock};
use ariza_core::error::{Code, Describe};
use ariza_core::staff::{Action, Actor, NewStaff, Role};
use ariza_store::{
    DeviceKeyStore, KeySlots, RestoreFrom, SetupRequest, Store, StoreError, device_key_path,
    slots_path,
};
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
/// Text only the attached scan holds (a PDF's text is kept as it is).
const SCAN_TEXT: &str = "Pasport-sahifasi-Qoraqalpoqbekova";

/// A PDF of the citizen's passport page, its text in the clear as a scanner's OCR writes it.
fn passport_pdf(pinfl: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {SCAN_TEXT} {DOCUMENT} {pinfl}\ntrailer << >>\n%%EOF\n").into_bytes()
}

fn citizen_input(seq: u32) -> CitizenInput {
    let birth = NaiveDate::from_ymd_opt(1988, 3, 9).unwrap();
    // One document per person: the first citizen carries the one the raw-bytes scans look for.
    let document = if seq == 731 {
        DOCUMENT.to_string()
    } else {
        format!("AD{seq:07}")
    };
    support::citizen(Sex::Female, birth, seq, SURNAME, "Gulnoraxon", &document)
}

fn file_one(store: &Store, actor: &Actor) -> (String, String) {
    let input = citizen_input(731);
    let c = store.register_citizen(actor, &input, &clock()).unwrap();
    // Filed as a desk files it: the passport page scanned first, then named in the request.
    let scan = store
        .store_scan(&passport_pdf(&input.pinfl), "passport.pdf", &clock())
        .unwrap();
    let request = FileRequest {
        documents: vec![DocumentRef {
            requirement_key: "identity".into(),
            sha256: scan.sha256.clone(),
        }],
        ..eri_request(c.id)
    };
    let app = store.file_application(actor, &request, &clock()).unwrap();
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
    for needle in [pinfl, SURNAME, DOCUMENT, "Gulnoraxon", SCAN_TEXT] {
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
    assert!(
        contains(&plain_wal, SCAN_TEXT),
        "the scan must see an attached document's text"
    );

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
    let (pinfl, app_id) = file_one(&store, &admin);
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
            RestoreFrom::Staff {
                username: "admin",
                password: "nope-nope",
            },
            false,
            &clock()
        ),
        Err(StoreError::BadCredentials)
    ));
    let report = Store::restore(
        &backup,
        &target,
        &device,
        RestoreFrom::Staff {
            username: "admin",
            password: "admin-pass-1",
        },
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
    // The attached scan travels in the backup, byte for byte.
    let documents = restored.documents(&app_id).unwrap();
    assert_eq!(documents.len(), 1);
    let (bytes, _) = restored.scan_bytes(&documents[0].scan.sha256).unwrap();
    assert_eq!(bytes, passport_pdf(&pinfl));
    assert!(restored.verify_audit().unwrap().ok());
    drop(restored);

    // Restoring over a database needs `replace`.
    assert!(
        Store::restore(
            &backup,
            &target,
            &device,
            RestoreFrom::Staff {
                username: "admin",
                password: "admin-pass-1",
            },
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
        RestoreFrom::Staff {
            username: "admin",
            password: "admin-pass-1",
        },
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
            RestoreFrom::Staff {
                username: "admin",
                password: "admin-pass-1",
            },
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
            "document.attach",
            "application.open",
            "citizen.open",
            "application.cancel"
        ]
    );
    let report = store.verify_audit().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.entries, 8);
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

// ---- Key slots format 2: rotation, password changes, backups with their own key ----

/// The portal's feed changing one staff member (a password hash, an active flag).
fn feed_staff(store: &Store, seq: i64, username: &str, role: Role, password: &str, active: bool) {
    use ariza_core::wire::{Change, ChangeKind, ChangesResponse, StaffChange};
    store
        .apply_changes(&ChangesResponse {
            changes: vec![Change {
                seq,
                kind: ChangeKind::Staff,
                at: clock().now(),
                actor: "operator".into(),
                application_id: None,
                status: None,
                reason: None,
                catalog: None,
                staff: Some(StaffChange {
                    username: username.into(),
                    full_name: username.into(),
                    role,
                    active,
                    password_hash: ariza_core::staff::hash_password(password).unwrap(),
                }),
            }],
            next_cursor: seq,
            bundle_keys: None,
        })
        .unwrap();
}

fn audit_actions(store: &Store, admin: &Actor) -> Vec<String> {
    store
        .audit_log(admin, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn fixture(dir: &Path) -> std::path::PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-1");
    let db = dir.join("desk.db");
    support::copy_desk(&fixtures.join("desk.db"), &db);
    db
}

/// A desk of release 0.1 (format-1 slots file, format-1 device secret) opens; its device slot
/// becomes format 2 at that start and each person's at their next sign-in; a rekey drops a
/// format-1 staff slot, which that person's next sign-in recreates.
#[test]
fn format_1_files_open_and_each_slot_upgrades_at_its_holders_next_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let slots_file = slots_path(&db);
    let before = KeySlots::load(&slots_file).unwrap();
    assert!(before.device_is_format_1());
    assert!(before.has_staff("clerk1") && !before.has_staff_identity("clerk1"));
    // Format-1 staff slots open as before.
    let k = before.open_staff("clerk1", "clerk-pass-1").unwrap();
    assert!(before.open_staff("clerk1", "wrong-pass-1").is_err());

    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.list_applications(&Default::default()).unwrap().len(),
        1
    );
    // The device's slot and secret are format 2 now; the key did not change.
    let after = KeySlots::load(&slots_file).unwrap();
    assert!(!after.device_is_format_1());
    let secret = std::fs::read_to_string(device_key_path(&db)).unwrap();
    assert!(
        secret.starts_with("AGE-SECRET-KEY-1"),
        "device secret upgraded"
    );
    assert_eq!(support::device_key_of(&db).id(), k.id());
    assert!(
        std::fs::read_to_string(&slots_file)
            .unwrap()
            .contains("\"format\": 2")
    );

    // A sign-in upgrades that person's slot, and only theirs.
    store.sign_in("clerk1", "clerk-pass-1", &clock()).unwrap();
    let after = KeySlots::load(&slots_file).unwrap();
    assert!(after.has_staff_identity("clerk1"));
    assert!(!after.has_staff_identity("super1") && after.has_staff("super1"));
    assert_eq!(
        after.open_staff("clerk1", "clerk-pass-1").unwrap().id(),
        k.id()
    );
    assert!(after.open_staff("clerk1", "wrong-pass-1").is_err());

    // A rekey rewraps format-2 slots; super1's format-1 slot cannot be, and goes.
    let admin = store.sign_in("admin", "admin-pass-1", &clock()).unwrap();
    store.rekey(&admin, &clock()).unwrap();
    let rekeyed = KeySlots::load(&slots_file).unwrap();
    assert!(!rekeyed.has_staff("super1"));
    assert!(support::password_opens(
        &slots_file,
        &db,
        "clerk1",
        "clerk-pass-1"
    ));
    assert!(support::password_opens(
        &slots_file,
        &db,
        "admin",
        "admin-pass-1"
    ));
    // super1's next sign-in recreates it.
    store.sign_in("super1", "super-pass-1", &clock()).unwrap();
    assert!(support::password_opens(
        &slots_file,
        &db,
        "super1",
        "super-pass-1"
    ));
    drop(store);
    assert!(Store::open(&db).unwrap().verify_audit().unwrap().ok());
}

/// A local password change (one's own, or an admin's for someone) gives the person a new
/// identity: the old password opens nothing in the current slots file, the new one does.
#[test]
fn a_local_password_change_leaves_the_old_password_opening_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let (store, admin) = setup(&db);
    let clerk = support::add_staff(
        &store,
        &admin,
        "clerk1",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );
    let slots_file = slots_path(&db);
    let recipient_before = std::fs::read_to_string(&slots_file).unwrap();

    store
        .change_password(
            &clerk,
            "clerk1",
            Some("clerk-pass-1"),
            "clerk-pass-2",
            &clock(),
        )
        .unwrap();
    assert!(!support::password_opens(
        &slots_file,
        &db,
        "clerk1",
        "clerk-pass-1"
    ));
    assert!(support::password_opens(
        &slots_file,
        &db,
        "clerk1",
        "clerk-pass-2"
    ));
    assert_ne!(
        std::fs::read_to_string(&slots_file).unwrap(),
        recipient_before
    );

    store
        .change_password(&admin, "clerk1", None, "clerk-pass-3", &clock())
        .unwrap();
    assert!(!support::password_opens(
        &slots_file,
        &db,
        "clerk1",
        "clerk-pass-2"
    ));
    assert!(support::password_opens(
        &slots_file,
        &db,
        "clerk1",
        "clerk-pass-3"
    ));
    // The administrator's slot is untouched.
    assert!(support::password_opens(
        &slots_file,
        &db,
        ADMIN_USER,
        "admin-pass-1"
    ));
}

const ADMIN_USER: &str = support::ADMIN;

/// A password change from the portal's feed carries only a hash: the person's slot goes at
/// once (the old password opens nothing), and their next sign-in with the new password makes
/// a new one.
#[test]
fn a_password_change_from_the_feed_drops_the_slot_until_the_next_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let (store, _) = setup(&db);
    let slots_file = slots_path(&db);
    feed_staff(&store, 1, "malika", Role::Clerk, "malika-pass-1", true);
    store.sign_in("malika", "malika-pass-1", &clock()).unwrap();
    assert!(support::password_opens(
        &slots_file,
        &db,
        "malika",
        "malika-pass-1"
    ));

    feed_staff(&store, 2, "malika", Role::Clerk, "malika-pass-2", true);
    assert!(!support::password_opens(
        &slots_file,
        &db,
        "malika",
        "malika-pass-1"
    ));
    assert!(!KeySlots::load(&slots_file).unwrap().has_staff("malika"));
    // The same change again changes nothing.
    feed_staff(&store, 2, "malika", Role::Clerk, "malika-pass-2", true);
    store.sign_in("malika", "malika-pass-2", &clock()).unwrap();
    assert!(support::password_opens(
        &slots_file,
        &db,
        "malika",
        "malika-pass-2"
    ));
    assert!(!support::password_opens(
        &slots_file,
        &db,
        "malika",
        "malika-pass-1"
    ));
}

/// Removing a person rekeys: a copy of the slots file taken before, with the removed person's
/// password, opens nothing of today's database (its key opens only the old copy of it); the
/// others and the device still open it, every page is sound and every row is there.
fn assert_removal_rekeys(remove: impl FnOnce(&Store, &Actor)) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let (store, admin) = setup(&db);
    support::add_staff(
        &store,
        &admin,
        "clerk1",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );
    support::add_staff(
        &store,
        &admin,
        "super1",
        Role::Supervisor,
        "super-pass-1",
        &clock(),
    );
    file_one(&store, &admin);
    store.checkpoint().unwrap();
    let old = dir.path().join("old.db");
    support::copy_desk(&db, &old);
    let old_key = support::device_key_of(&db);

    remove(&store, &admin);
    let new_key = support::device_key_of(&db);
    assert_ne!(new_key.id(), old_key.id(), "a new key");
    // The old slots copy and the removed clerk's password: the old key, which opens the old
    // copy of the database (the test can tell) but not today's.
    let old_slots = slots_path(&old);
    assert!(support::password_opens(
        &old_slots,
        &old,
        "clerk1",
        "clerk-pass-1"
    ));
    assert!(!support::password_opens(
        &old_slots,
        &db,
        "clerk1",
        "clerk-pass-1"
    ));
    assert!(support::open_with_key(&db, &old_key).is_none());
    // Nor does the old copy's device secret, nor anyone's slot in the old copy.
    assert!(!support::password_opens(
        &old_slots,
        &db,
        ADMIN_USER,
        "admin-pass-1"
    ));
    // In today's files the removed clerk has nothing; the others and the device open it.
    let slots_file = slots_path(&db);
    assert!(!KeySlots::load(&slots_file).unwrap().has_staff("clerk1"));
    assert!(support::password_opens(
        &slots_file,
        &db,
        ADMIN_USER,
        "admin-pass-1"
    ));
    assert!(support::password_opens(
        &slots_file,
        &db,
        "super1",
        "super-pass-1"
    ));
    let conn = support::open_with_key(&db, &new_key).unwrap();
    assert!(support::cipher_integrity_failures(&conn).is_empty());
    assert_eq!(support::count(&conn, "application"), 1);
    assert_eq!(support::count(&conn, "citizen"), 1);
    drop(conn);
    // The WAL was emptied after the rekey (no frame under the old key is left in it), and the
    // database file on its own opens with the new key and not the old.
    let wal = dir.path().join("desk.db-wal");
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    let alone = dir.path().join("alone.db");
    std::fs::copy(&db, &alone).unwrap();
    assert!(support::open_with_key(&alone, &old_key).is_none());
    assert!(support::open_with_key(&alone, &new_key).is_some());
    assert!(audit_actions(&store, &admin).contains(&"database.rekey".to_string()));
    assert!(store.verify_audit().unwrap().ok());
    // The store keeps working under the new key, and reopens with the device.
    let c = store
        .register_citizen(&admin, &citizen_input(733), &clock())
        .unwrap();
    store
        .file_application(&admin, &eri_request(c.id), &clock())
        .unwrap();
    drop(store);
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.list_applications(&Default::default()).unwrap().len(),
        2
    );
}

#[test]
fn removing_a_person_locally_rekeys_so_an_old_slots_copy_opens_nothing() {
    assert_removal_rekeys(|store, admin| {
        store.deactivate_staff(admin, "clerk1", &clock()).unwrap()
    });
}

#[test]
fn removing_a_person_from_the_feed_rekeys_so_an_old_slots_copy_opens_nothing() {
    assert_removal_rekeys(|store, _| {
        feed_staff(store, 1, "clerk1", Role::Clerk, "clerk-pass-1", false)
    });
}

/// The slot unlock is the real Argon2id cost (not a test shortcut): at least 64 MiB.
#[test]
fn slots_use_the_calibrated_argon2id_cost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    setup(&db);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(slots_path(&db)).unwrap()).unwrap();
    let kdf = &json["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holder"] == "staff:admin")
        .unwrap()["identity"]["kdf"];
    assert!(kdf["m_kib"].as_u64().unwrap() >= 64 * 1024, "{kdf}");
    assert_eq!(
        serde_json::to_value(ariza_store::SlotKdf::CURRENT).unwrap(),
        *kdf
    );
}

/// The backup file: its header and database bytes as written.
fn backup_parts(path: &Path) -> (serde_json::Value, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"ARIZA-BACKUP-2\n"));
    let at = b"ARIZA-BACKUP-2\n".len();
    let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let header = serde_json::from_slice(&bytes[at + 4..at + 4 + len]).unwrap();
    (header, bytes[at + 4 + len..].to_vec())
}

/// A backup is under a key of its own: it holds the live key in no form (raw or hex), neither
/// the live key nor the device's secret opens it, and it restores on a machine whose slots are
/// gone with a supervisor's or an administrator's password (not a clerk's), under a fresh key
/// with slots for the people in it and a new device slot.
#[test]
fn a_backup_has_its_own_key_and_restores_where_the_slots_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let (store, admin) = setup(&db);
    support::add_staff(
        &store,
        &admin,
        "clerk1",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );
    support::add_staff(
        &store,
        &admin,
        "super1",
        Role::Supervisor,
        "super-pass-1",
        &clock(),
    );
    let (_, app_id) = file_one(&store, &admin);
    let backup = dir.path().join("b.ariza-backup");
    let report = store.backup(&admin, &backup, &clock()).unwrap();
    assert_eq!(
        report.restorers,
        vec!["admin".to_string(), "super1".to_string()]
    );
    assert!(!report.recovery_key);
    let live = support::device_key_of(&db);
    drop(store);

    let bytes = std::fs::read(&backup).unwrap();
    let raw = hex::decode(&*live.to_hex()).unwrap();
    assert!(
        !bytes.windows(32).any(|w| w == raw.as_slice()),
        "raw live key"
    );
    for hex_form in [live.to_hex().to_string(), live.to_hex().to_uppercase()] {
        assert!(!contains(&bytes, &hex_form), "live key in hex");
    }
    let (header, db_bytes) = backup_parts(&backup);
    let part = dir.path().join("part.db");
    std::fs::write(&part, &db_bytes).unwrap();
    assert!(
        support::open_with_key(&part, &live).is_none(),
        "live key opens the backup"
    );
    let (secret, _) = DeviceKeyStore::beside(&db).load().unwrap().unwrap();
    let mut wrapped = 0;
    for holder in header["holders"].as_array().unwrap() {
        assert_ne!(holder["holder"], "device");
        for key in holder["keys"].as_array().unwrap() {
            use base64::Engine;
            let age = base64::engine::general_purpose::STANDARD
                .decode(key["age"].as_str().unwrap())
                .unwrap();
            assert!(
                !secret.opens_age_file(&age),
                "device secret opens the backup"
            );
            wrapped += 1;
        }
    }
    assert_eq!(wrapped, 2);

    // Another machine: no slots file, no device secret.
    let target = dir.path().join("elsewhere/desk.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let device = DeviceKeyStore::beside(&target);
    let from = |username, password| RestoreFrom::Staff { username, password };
    assert_eq!(
        Store::restore(
            &backup,
            &target,
            &device,
            from("clerk1", "clerk-pass-1"),
            false,
            &clock()
        )
        .unwrap_err()
        .code(),
        Code::BadCredentials,
        "a clerk cannot restore"
    );
    let report = Store::restore(
        &backup,
        &target,
        &device,
        from("super1", "super-pass-1"),
        false,
        &clock(),
    )
    .unwrap();
    assert_eq!(
        report.holders,
        vec!["admin".to_string(), "super1".to_string()]
    );
    assert_eq!(report.replaced, None);
    let fresh = support::device_key_of(&target);
    assert_ne!(
        fresh.id(),
        live.id(),
        "a restored database gets a fresh key"
    );
    let slots_file = slots_path(&target);
    assert!(support::password_opens(
        &slots_file,
        &target,
        ADMIN_USER,
        "admin-pass-1"
    ));
    assert!(support::password_opens(
        &slots_file,
        &target,
        "super1",
        "super-pass-1"
    ));
    assert!(!KeySlots::load(&slots_file).unwrap().has_staff("clerk1"));
    let restored = Store::open(&target).unwrap();
    assert_eq!(
        restored.application(&app_id).unwrap().id.to_string(),
        app_id
    );
    // The clerk gets a slot at their next sign-in.
    restored
        .sign_in("clerk1", "clerk-pass-1", &clock())
        .unwrap();
    assert!(support::password_opens(
        &slots_file,
        &target,
        "clerk1",
        "clerk-pass-1"
    ));
    let conn = support::open_with_key(&target, &fresh).unwrap();
    assert!(support::cipher_integrity_failures(&conn).is_empty());
}

/// With every staff password lost, the recovery key restores a backup made after it was
/// registered (and not one made before, nor with another key); its file is private.
#[test]
fn the_recovery_key_restores_when_every_password_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let (store, admin) = setup(&db);
    let (_, app_id) = file_one(&store, &admin);
    let before = dir.path().join("before.ariza-backup");
    store.backup(&admin, &before, &clock()).unwrap();
    let key_file = dir.path().join("recovery.txt");
    let clerk = support::add_staff(
        &store,
        &admin,
        "clerk1",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );
    assert_eq!(
        store
            .create_recovery_key(&clerk, &key_file, "note", &clock())
            .unwrap_err()
            .code(),
        Code::Forbidden
    );
    let recipient = store
        .create_recovery_key(&admin, &key_file, "note", &clock())
        .unwrap();
    assert_eq!(store.recovery_recipient().unwrap(), Some(recipient.clone()));
    // Never written over.
    assert!(
        store
            .create_recovery_key(&admin, &key_file, "note", &clock())
            .is_err()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the recovery key file is private");
    }
    let backup = dir.path().join("b.ariza-backup");
    assert!(
        store
            .backup(&admin, &backup, &clock())
            .unwrap()
            .recovery_key
    );
    assert!(audit_actions(&store, &admin).contains(&"recovery_key.set".to_string()));
    drop(store);

    let text = std::fs::read_to_string(&key_file).unwrap();
    assert!(text.contains(&recipient));
    let recovery = ariza_store::RecoveryKey::parse(&text).unwrap();
    let target = dir.path().join("elsewhere/desk.db");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let device = DeviceKeyStore::beside(&target);
    let other = ariza_store::RecoveryKey::generate();
    for (file, key) in [(&backup, &other), (&before, &recovery)] {
        let err = Store::restore(
            file,
            &target,
            &device,
            RestoreFrom::RecoveryKey(key),
            false,
            &clock(),
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::BadBackup, "{err}");
    }
    let report = Store::restore(
        &backup,
        &target,
        &device,
        RestoreFrom::RecoveryKey(&recovery),
        false,
        &clock(),
    )
    .unwrap();
    assert_eq!(report.applications, 1);
    let restored = Store::open(&target).unwrap();
    assert_eq!(
        restored.application(&app_id).unwrap().id.to_string(),
        app_id
    );
    assert!(restored.verify_audit().unwrap().ok());
}

/// `replace` keeps the database it replaces, with its WAL, slots and device secret, beside the
/// restored one under a timestamped name; that copy still opens and holds what was filed after
/// the backup.
#[test]
fn a_restore_with_replace_keeps_the_replaced_database_and_it_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let (store, admin) = setup(&db);
    file_one(&store, &admin);
    let backup = dir.path().join("b.ariza-backup");
    store.backup(&admin, &backup, &clock()).unwrap();
    let c = store
        .register_citizen(&admin, &citizen_input(732), &clock())
        .unwrap();
    let later = store
        .file_application(&admin, &eri_request(c.id), &clock())
        .unwrap()
        .id
        .to_string();
    // The later filing may still be in the WAL: the WAL must travel with the kept copy.
    drop(store);

    let device = DeviceKeyStore::beside(&db);
    let admin_from = RestoreFrom::Staff {
        username: "admin",
        password: "admin-pass-1",
    };
    let report = Store::restore(&backup, &db, &device, admin_from, true, &clock()).unwrap();
    let kept = report.replaced.clone().unwrap();
    assert_eq!(
        kept.file_name().unwrap().to_str().unwrap(),
        "desk.db.replaced-20261120T050000Z"
    );
    let restored = Store::open(&db).unwrap();
    assert!(
        restored.application(&later).is_err(),
        "the backup predates it"
    );
    drop(restored);
    let kept_store = Store::open(&kept).unwrap();
    assert_eq!(
        kept_store.application(&later).unwrap().id.to_string(),
        later
    );
    assert_eq!(
        kept_store
            .list_applications(&Default::default())
            .unwrap()
            .len(),
        2
    );
    drop(kept_store);
    // A second restore in the same second keeps both copies.
    let admin_from = RestoreFrom::Staff {
        username: "admin",
        password: "admin-pass-1",
    };
    let second = Store::restore(&backup, &db, &device, admin_from, true, &clock()).unwrap();
    assert_ne!(second.replaced.unwrap(), kept);
    assert!(Store::open(&kept).is_ok());
}

/// A format-1 backup (release 0.1: the staff's format-1 slots and the live key) still restores
/// with a restorer's password, under a fresh key.
#[test]
fn a_format_1_backup_still_restores() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-1");
    let target = dir.path().join("desk.db");
    let device = DeviceKeyStore::beside(&target);
    let report = Store::restore(
        &fixtures.join("desk.ariza-backup"),
        &target,
        &device,
        RestoreFrom::Staff {
            username: "super1",
            password: "super-pass-1",
        },
        false,
        &clock(),
    )
    .unwrap();
    assert_eq!(report.applications, 1);
    assert_eq!(report.holders, vec!["super1".to_string()]);
    let slots_file = slots_path(&target);
    assert!(support::password_opens(
        &slots_file,
        &target,
        "super1",
        "super-pass-1"
    ));
    let store = Store::open(&target).unwrap();
    assert!(store.verify_audit().unwrap().ok());
}
