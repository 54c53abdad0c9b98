//! The `ariza` binary end to end, on a real database file.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A session bus that is not there: the OS keyring (Secret Service) never answers, so the
/// device key goes to the file beside the database whatever keyring the machine running the
/// tests has, and none of its entries is touched.
const NO_KEYRING: (&str, &str) = (
    "DBUS_SESSION_BUS_ADDRESS",
    "unix:path=/nonexistent/ariza-test-bus",
);

/// The test identity document (a one-page PDF), as `ariza file --document` takes it.
const IDENTITY: &str = concat!(
    "identity=",
    env!("CARGO_MANIFEST_DIR"),
    "/../ariza-store/tests/fixtures/identity.pdf"
);
/// The same PDF as a birth certificate (an identity card needs both).
const BIRTH_CERTIFICATE: &str = concat!(
    "birth-certificate=",
    env!("CARGO_MANIFEST_DIR"),
    "/../ariza-store/tests/fixtures/identity.pdf"
);

fn ariza(db: &Path, args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ariza"));
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ARIZA_LANG")
        .env(NO_KEYRING.0, NO_KEYRING.1)
        .env("LANG", "C");
    cmd.env_remove("ARIZA_PASSWORD")
        .env_remove("ARIZA_NEW_PASSWORD");
    if let Some(p) = password {
        cmd.env("ARIZA_PASSWORD", p);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn init(db: &Path) {
    ok(&ariza(
        db,
        &[
            "init",
            "--center-code",
            "and01",
            "--center-name",
            "Andijon DXM",
            "--region",
            "1703",
            "--district",
            "1703401",
            "--admin",
            "admin",
            "--admin-name",
            "Bahodir Aliyev",
        ],
        Some("admin-pass-1"),
        None,
    ));
}

fn add_citizen(db: &Path) -> i64 {
    let out = ok(&ariza(
        db,
        &[
            "--json",
            "citizen",
            "add",
            "--as",
            "admin",
            "--pinfl",
            "31205900260129",
            "--document-kind",
            "passport",
            "--document-number",
            "AB1234567",
            "--surname",
            "Ғуломов",
            "--given-name",
            "Шерзод",
            "--birth-date",
            "1990-05-12",
            "--sex",
            "male",
            "--region",
            "1703",
            "--district",
            "1703202",
        ],
        Some("admin-pass-1"),
        None,
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["id"].as_i64().unwrap()
}

/// The input of `ariza file` for an electronic-signature key for citizen `id`.
fn eri_json(id: i64) -> String {
    format!(
        r#"{{"citizen_id": {id}, "service_code": "eri-key", "form": {{"holder_type": "individual", "phone": "90 123 45 67"}}}}"#
    )
}

/// Files one as the admin; returns the tracking number.
fn file_eri(db: &Path, id: i64) -> String {
    let filed = ok(&ariza(
        db,
        &[
            "--lang",
            "en",
            "file",
            "--as",
            "admin",
            "--document",
            IDENTITY,
        ],
        Some("admin-pass-1"),
        Some(&eri_json(id)),
    ));
    filed.trim().trim_start_matches("Filed: ").to_string()
}

#[test]
fn a_whole_day_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);

    // Name search across scripts, localized human output.
    let found = ok(&ariza(
        &db,
        &["citizen", "find", "Sherzod G'ulomov"],
        None,
        None,
    ));
    assert!(found.contains("31205900260129"), "{found}");

    let filed = ok(&ariza(
        &db,
        &[
            "--lang",
            "en",
            "file",
            "--as",
            "admin",
            "--document",
            IDENTITY,
        ],
        Some("admin-pass-1"),
        Some(&eri_json(id)),
    ));
    assert!(filed.starts_with("Filed: AND01-"), "{filed}");
    let tracking = filed.trim().trim_start_matches("Filed: ").to_string();

    // By PINFL instead of id, JSON out.
    let json = r#"{"citizen_pinfl": "31205900260129", "service_code": "no-criminal-record", "form": {"purpose": "visa", "copies": 2}}"#;
    let out = ok(&ariza(
        &db,
        &["--json", "file", "--as", "admin", "--document", IDENTITY],
        Some("admin-pass-1"),
        Some(json),
    ));
    let app: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(app["status"], "filed");
    assert_eq!(app["form"]["copies"], "2");

    let list: serde_json::Value =
        serde_json::from_str(&ok(&ariza(&db, &["--json", "list"], None, None))).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["total"], 2);
    assert_eq!(list["next_offset"], serde_json::Value::Null);

    let shown = ok(&ariza(
        &db,
        &[
            "--lang",
            "ru",
            "show",
            &tracking.to_lowercase(),
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    assert!(shown.contains("Подано"), "{shown}");

    let cancelled = ok(&ariza(
        &db,
        &[
            "cancel",
            &tracking,
            "--reason",
            "fuqaro rad etdi",
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    assert!(
        cancelled.contains("bekor qilindi"),
        "uz-Latn is the default: {cancelled}"
    );
    let shown: serde_json::Value = serde_json::from_str(&ok(&ariza(
        &db,
        &["--json", "show", &tracking, "--as", "admin"],
        Some("admin-pass-1"),
        None,
    )))
    .unwrap();
    assert_eq!(shown["status"], "cancelled");
    assert_eq!(shown["history"][1]["actor"], "admin");
    assert_eq!(shown["history"][1]["reason"], "fuqaro rad etdi");
}

#[test]
fn staff_act_under_their_own_names_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ariza"));
    let out = cmd
        .arg("--db")
        .arg(&db)
        .args([
            "staff",
            "add",
            "dilnoza",
            "--name",
            "Dilnoza Yusupova",
            "--role",
            "clerk",
            "--as",
            "admin",
            "--lang",
            "en",
        ])
        .env("ARIZA_PASSWORD", "admin-pass-1")
        .env("ARIZA_NEW_PASSWORD", "clerk-pass-1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("dilnoza added as Clerk"));
    let id = add_citizen(&db);
    let json = format!(
        r#"{{"citizen_id": {id}, "service_code": "id-card", "form": {{"reason": "lost"}}}}"#
    );
    let out = ok(&ariza(
        &db,
        &[
            "--json",
            "file",
            "--as",
            "dilnoza",
            "--document",
            IDENTITY,
            "--document",
            BIRTH_CERTIFICATE,
        ],
        Some("clerk-pass-1"),
        Some(&json),
    ));
    let app: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(app["clerk"], "dilnoza");
    assert_eq!(app["history"][0]["actor"], "dilnoza");

    // A clerk may not add staff.
    let out = Command::new(env!("CARGO_BIN_EXE_ariza"))
        .arg("--db")
        .arg(&db)
        .args([
            "--json", "staff", "add", "x1", "--name", "X", "--role", "admin", "--as", "dilnoza",
        ])
        .env("ARIZA_PASSWORD", "clerk-pass-1")
        .env("ARIZA_NEW_PASSWORD", "whatever-1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(fault["code"], "forbidden");

    // A wrong password is refused and files nothing.
    let out = ariza(
        &db,
        &[
            "--json",
            "file",
            "--as",
            "dilnoza",
            "--document",
            IDENTITY,
            "--document",
            BIRTH_CERTIFICATE,
        ],
        Some("wrong"),
        Some(&json),
    );
    assert!(!out.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(fault["code"], "bad_credentials");
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    let before = ok(&ariza(&db, &["--json", "list", "--all"], None, None));

    let cases = [
        ("not json", "validation"),
        (
            r#"{"citizen_id": 1, "service_code": "eri-key", "form": {}, "extra": 1}"#,
            "validation",
        ),
        (
            &*format!(r#"{{"citizen_id": {id}, "service_code": "nope", "form": {{}}}}"#),
            "validation",
        ),
        (
            &*format!(
                r#"{{"citizen_id": {id}, "service_code": "eri-key", "form": {{"holder_type": "individual", "phone": "12"}}}}"#
            ),
            "validation",
        ),
        (
            r#"{"citizen_pinfl": "31205900260128", "service_code": "eri-key", "form": {}}"#,
            "not_found",
        ),
    ];
    for (input, code) in cases {
        let out = ariza(
            &db,
            &["--json", "file", "--as", "admin", "--document", IDENTITY],
            Some("admin-pass-1"),
            Some(input),
        );
        assert!(!out.status.success(), "{input} was accepted");
        let fault: serde_json::Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(fault["code"], code, "{input}: {fault}");
        assert!(!fault["message"].as_str().unwrap().is_empty());
    }

    // Human output names the field and says what is wrong, in the chosen language.
    let bad_phone = format!(
        r#"{{"citizen_id": {id}, "service_code": "eri-key", "form": {{"holder_type": "individual", "phone": "12"}}}}"#
    );
    let out = ariza(
        &db,
        &[
            "--lang",
            "en",
            "file",
            "--as",
            "admin",
            "--document",
            IDENTITY,
        ],
        Some("admin-pass-1"),
        Some(&bad_phone),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("form.phone: A phone number is +998 and 9 digits."),
        "{err}"
    );

    let out = ariza(
        &db,
        &[
            "citizen",
            "add",
            "--as",
            "admin",
            "--pinfl",
            "123",
            "--document-kind",
            "passport",
            "--document-number",
            "X",
            "--surname",
            "A",
            "--given-name",
            "B",
            "--birth-date",
            "1990-05-12",
            "--sex",
            "male",
            "--region",
            "1703",
            "--district",
            "1703202",
        ],
        Some("admin-pass-1"),
        None,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("JShShIR"),
        "uz-Latn message"
    );

    assert_eq!(
        ok(&ariza(&db, &["--json", "list", "--all"], None, None)),
        before
    );
}

#[test]
fn file_help_documents_the_json_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_ariza"))
        .args(["file", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("citizen_pinfl") && help.contains("service_code") && help.contains("form"),
        "{help}"
    );
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Backup, restore, a lost device key, the audit chain and its tampering — from the shell, as
/// IT staff would do it; and no personal data in the files or the log.
#[test]
fn backup_restore_unlock_and_audit_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    file_eri(&db, id);
    // With logging on, the log (stderr) names no one.
    let log_cmd = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ariza"));
        cmd.arg("--db")
            .arg(&db)
            .args(["--json", "citizen", "find", "Шерзод"])
            .env("ARIZA_LOG", "debug");
        cmd.output().unwrap()
    };
    let log = String::from_utf8_lossy(&log_cmd.stderr).to_string();
    assert!(log.contains("store opened"), "logging works: {log}");
    for secret in ["31205900260129", "AB1234567", "Ғуломов", "Шерзод"] {
        assert!(!log.contains(secret), "log holds {secret}: {log}");
    }

    let audit = ok(&ariza(
        &db,
        &["--lang", "en", "audit", "verify"],
        None,
        None,
    ));
    assert!(audit.contains("intact"), "{audit}");

    let backup = dir.path().join("desk.ariza-backup");
    ok(&ariza(
        &db,
        &["backup", backup.to_str().unwrap(), "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    for file in [db.clone(), backup.clone()] {
        let bytes = std::fs::read(&file).unwrap();
        for secret in ["31205900260129", "AB1234567", "Ғуломов", "Шерзод"] {
            assert!(
                !contains(&bytes, secret),
                "{} holds {secret}",
                file.display()
            );
        }
    }

    // Restore elsewhere with the admin's password; the restored desk works.
    let other = dir.path().join("other/desk.db");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    let wrong = ariza(
        &other,
        &["restore", backup.to_str().unwrap(), "--as", "admin"],
        Some("wrong-password"),
        None,
    );
    assert!(!wrong.status.success());
    let restored = ok(&ariza(
        &other,
        &[
            "--lang",
            "en",
            "restore",
            backup.to_str().unwrap(),
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    assert!(restored.contains("1 applications"), "{restored}");
    let list: serde_json::Value = serde_json::from_str(&ok(&ariza(
        &other,
        &["--json", "list", "--all"],
        None,
        None,
    )))
    .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The device key is lost: the desk is locked until a staff password opens it.
    std::fs::remove_file(ariza_store::device_key_path(&other)).unwrap();
    let locked = ariza(&other, &["--json", "status"], None, None);
    assert!(!locked.status.success());
    assert!(
        String::from_utf8_lossy(&locked.stderr).contains("\"locked\""),
        "{}",
        String::from_utf8_lossy(&locked.stderr)
    );
    ok(&ariza(
        &other,
        &["unlock", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    ok(&ariza(&other, &["status"], None, None));

    // Someone edits an audit entry with the key: `audit verify` says so and fails.
    let conn = ariza_store::open_keyed_connection(&db).unwrap();
    conn.execute(
        "UPDATE audit SET action = 'nothing.happened' WHERE seq = 3",
        [],
    )
    .unwrap();
    drop(conn);
    let tampered = ariza(&db, &["--lang", "en", "audit", "verify"], None, None);
    assert!(!tampered.status.success());
    assert!(
        String::from_utf8_lossy(&tampered.stdout).contains("BROKEN at entry 3"),
        "{}",
        String::from_utf8_lossy(&tampered.stdout)
    );
}

#[test]
fn queues_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    let tracking = file_eri(&db, id);
    let counts: serde_json::Value = serde_json::from_str(&ok(&ariza(
        &db,
        &["--json", "queue", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    )))
    .unwrap();
    assert_eq!(counts["awaiting_delivery"], 1);
    assert_eq!(counts["to_hand_over"], 0);
    let human = ok(&ariza(
        &db,
        &["--lang", "en", "queue", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(human.contains("Awaiting delivery"), "{human}");
    let listed = ok(&ariza(
        &db,
        &["queue", "awaiting_delivery", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(listed.contains(&tracking), "{listed}");
    let unknown = ariza(
        &db,
        &["--lang", "en", "queue", "nonsense", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    );
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("invalid value 'nonsense'")
            && err.contains("sent_back")
            && err.contains("drafts"),
        "refused with the list of queues: {err}"
    );
    let undecided = ariza(
        &db,
        &["--lang", "en", "handover", &tracking, "--as", "admin"],
        Some("admin-pass-1"),
        None,
    );
    assert!(!undecided.status.success());
    assert!(String::from_utf8_lossy(&undecided.stderr).contains("no decision"));

    // Supervising from the command line: send back with a note, answer, reassign.
    let run = |args: &[&str]| ariza(&db, args, Some("admin-pass-1"), None);
    let empty = run(&[
        "--lang",
        "en",
        "send-back",
        &tracking,
        "--note",
        " ",
        "--as",
        "admin",
    ]);
    assert!(!empty.status.success());
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("at least 3"),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );
    let sent = ok(&run(&[
        "--lang",
        "en",
        "send-back",
        &tracking,
        "--note",
        "Check the phone",
        "--as",
        "admin",
    ]));
    assert!(sent.contains("sent back"), "{sent}");
    let back = ok(&run(&["queue", "sent_back", "--as", "admin"]));
    assert!(back.contains(&tracking), "{back}");
    ok(&run(&[
        "answer", &tracking, "--answer", "Checked", "--as", "admin",
    ]));
    assert!(!ok(&run(&["queue", "sent_back", "--as", "admin"])).contains(&tracking));
    let nobody = run(&[
        "--lang", "en", "reassign", &tracking, "--to", "nobody", "--as", "admin",
    ]);
    assert!(!nobody.status.success());
    let moved = ok(&run(&[
        "--lang", "en", "reassign", &tracking, "--to", "admin", "--as", "admin",
    ]));
    assert!(moved.contains("handled by admin"), "{moved}");
    let drafts: serde_json::Value =
        serde_json::from_str(&ok(&run(&["--json", "drafts", "--as", "admin"]))).unwrap();
    assert_eq!(
        drafts,
        serde_json::json!({"items": [], "next_offset": null, "total": 0})
    );
}

#[test]
fn the_dashboard_exports_csv_and_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    file_eri(&db, id);
    let (csv, xlsx) = (dir.path().join("week.csv"), dir.path().join("week.xlsx"));
    ok(&ariza(
        &db,
        &[
            "--lang",
            "en",
            "dashboard",
            "--period",
            "week",
            "--csv",
            csv.to_str().unwrap(),
            "--xlsx",
            xlsx.to_str().unwrap(),
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("Total,Filed,Delivered,Completed,Rejected,Returned"),
        "{text}"
    );
    assert!(text.contains("\n,1,0,0,0,0\n"), "{text}");
    let bytes = std::fs::read(&xlsx).unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
}

/// Adds the clerk dilnoza (password clerk-pass-1) as the admin.
fn add_clerk(db: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_ariza"))
        .arg("--db")
        .arg(db)
        .args([
            "staff", "add", "dilnoza", "--name", "Dilnoza", "--role", "clerk", "--as", "admin",
        ])
        .env(NO_KEYRING.0, NO_KEYRING.1)
        .env("ARIZA_PASSWORD", "admin-pass-1")
        .env("ARIZA_NEW_PASSWORD", "clerk-pass-1")
        .output()
        .unwrap();
    ok(&out);
}

#[test]
fn a_typo_in_a_domain_value_is_refused_with_the_valid_values() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let citizen = |kind: &'static str, sex: &'static str| {
        vec![
            "citizen",
            "add",
            "--as",
            "admin",
            "--pinfl",
            "31205900260129",
            "--document-kind",
            kind,
            "--document-number",
            "AB1234567",
            "--surname",
            "G",
            "--given-name",
            "S",
            "--birth-date",
            "1990-05-12",
            "--sex",
            sex,
            "--region",
            "1703",
            "--district",
            "1703202",
        ]
    };
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec![
                "staff", "add", "x1", "--name", "X", "--role", "admn", "--as", "admin",
            ],
            "admn",
            "clerk, supervisor, admin",
        ),
        (vec!["list", "--status", "filedd"], "filedd", "in_review"),
        (
            vec!["dashboard", "--period", "wek", "--as", "admin"],
            "wek",
            "day, week, month",
        ),
        (citizen("passport", "mal"), "mal", "male, female"),
        (citizen("pasport", "male"), "pasport", "birth_certificate"),
        (
            vec!["--lang", "uz_latin", "status"],
            "uz_latin",
            "uz-Latn, uz-Cyrl, ru, en",
        ),
        (
            vec!["queue", "overdu", "--as", "admin"],
            "overdu",
            "awaiting_delivery",
        ),
    ];
    for (args, typo, valid) in cases {
        let out = ariza(&db, &args, Some("admin-pass-1"), None);
        assert_eq!(out.status.code(), Some(2), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("invalid value '{typo}'")) && err.contains(valid),
            "{args:?}: {err}"
        );
    }
    // Nothing was done under a default instead.
    let staff = ok(&ariza(&db, &["--json", "staff", "list"], None, None));
    assert!(!staff.contains("x1"), "{staff}");
    let found = ok(&ariza(
        &db,
        &["citizen", "find", "31205900260129"],
        None,
        None,
    ));
    assert!(!found.contains("31205900260129"), "{found}");
}

#[test]
fn every_queue_the_desk_shows_is_in_ariza_queue() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    file_eri(&db, id);
    let run = |args: &[&str]| ok(&ariza(&db, args, Some("admin-pass-1"), None));

    // The summary: the desk's tiles, in the desk's order and words.
    let summary = run(&["--lang", "en", "queue", "--as", "admin"]);
    let l = ariza_core::i18n::Localizer::new();
    let en = ariza_core::i18n::Locale::En;
    let mut expected: Vec<String> = ariza_store::QueueKind::ALL
        .iter()
        .map(|k| l.tr(en, k.message_key(), &[]))
        .collect();
    expected.push(l.tr(en, "ui-queue-drafts", &[]));
    let names: Vec<&str> = summary
        .lines()
        .map(|line| line.trim_start().split_once("  ").unwrap().1)
        .collect();
    assert_eq!(names, expected, "{summary}");
    assert!(summary.contains("     1  Awaiting delivery"), "{summary}");

    // Each tile lists as a page.
    for kind in ariza_store::QueueKind::ALL {
        let page: serde_json::Value =
            serde_json::from_str(&run(&["--json", "queue", kind.as_str(), "--as", "admin"]))
                .unwrap();
        let expected = u64::from(kind == ariza_store::QueueKind::AwaitingDelivery);
        assert_eq!(page["total"], expected, "{kind:?}: {page}");
    }
    let drafts: serde_json::Value =
        serde_json::from_str(&run(&["--json", "queue", "drafts", "--as", "admin"])).unwrap();
    assert_eq!(drafts["total"], 0);
}

#[test]
fn lists_are_paged_and_say_when_there_is_more() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    let mut filed: Vec<String> = (0..5).map(|_| file_eri(&db, id)).collect();
    filed.sort();

    let text = ok(&ariza(
        &db,
        &["--lang", "en", "list", "--all", "--limit", "2"],
        None,
        None,
    ));
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.ends_with("3 more; use --offset 2.\n"),
        "the page says there is more: {text}"
    );

    // A script pages through everything: each once, and the last page says it is the last.
    let mut seen = Vec::new();
    let mut offset = Some(0);
    while let Some(at) = offset {
        let at = at.to_string();
        let page: serde_json::Value = serde_json::from_str(&ok(&ariza(
            &db,
            &["--json", "list", "--all", "--limit", "2", "--offset", &at],
            None,
            None,
        )))
        .unwrap();
        assert_eq!(page["total"], 5);
        for item in page["items"].as_array().unwrap() {
            seen.push(item["tracking_number"].as_str().unwrap().to_string());
        }
        offset = page["next_offset"].as_u64();
        assert!(seen.len() <= 5, "pages overlap: {seen:?}");
    }
    seen.sort();
    assert_eq!(seen, filed);

    // The same for a queue.
    let queue: serde_json::Value = serde_json::from_str(&ok(&ariza(
        &db,
        &[
            "--json",
            "queue",
            "awaiting_delivery",
            "--limit",
            "4",
            "--offset",
            "3",
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    )))
    .unwrap();
    assert_eq!(queue["items"].as_array().unwrap().len(), 2);
    assert_eq!(queue["next_offset"], serde_json::Value::Null);
    assert_eq!(queue["total"], 5);

    // The last page says nothing more; an empty page is never silent.
    let last = ok(&ariza(
        &db,
        &["--lang", "en", "list", "--all", "--offset", "4"],
        None,
        None,
    ));
    assert!(!last.contains("more"), "{last}");
    let past = ok(&ariza(
        &db,
        &["--lang", "en", "list", "--all", "--offset", "9"],
        None,
        None,
    ));
    assert!(past.contains("Nothing found"), "{past}");
    let zero = ariza(&db, &["list", "--limit", "0"], None, None);
    assert_eq!(zero.status.code(), Some(2));
}

#[test]
fn only_an_administrator_may_enroll_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    add_clerk(&db);
    // Nobody listens on port 1: an admin gets as far as the network, a clerk not even that.
    let enroll = [
        "--json",
        "enroll",
        "--portal",
        "http://127.0.0.1:1",
        "--code",
        "1234-5678",
    ];
    let clerk = ariza(
        &db,
        &[&enroll[..], &["--as", "dilnoza"]].concat(),
        Some("clerk-pass-1"),
        None,
    );
    assert!(!clerk.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&clerk.stderr).unwrap();
    assert_eq!(fault["code"], "forbidden", "{fault}");
    let human = ariza(
        &db,
        &[
            "--lang",
            "en",
            "enroll",
            "--portal",
            "http://127.0.0.1:1",
            "--code",
            "1",
            "--as",
            "dilnoza",
        ],
        Some("clerk-pass-1"),
        None,
    );
    assert!(
        String::from_utf8_lossy(&human.stderr).contains("Your role does not allow this."),
        "{}",
        String::from_utf8_lossy(&human.stderr)
    );
    let status: serde_json::Value =
        serde_json::from_str(&ok(&ariza(&db, &["--json", "status"], None, None))).unwrap();
    assert_eq!(
        status["portal_url"],
        serde_json::Value::Null,
        "nothing saved"
    );

    let admin = ariza(
        &db,
        &[&enroll[..], &["--as", "admin"]].concat(),
        Some("admin-pass-1"),
        None,
    );
    assert!(!admin.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&admin.stderr).unwrap();
    assert_eq!(
        fault["code"], "unavailable",
        "allowed, then offline: {fault}"
    );

    // `enroll` without `--as` is refused by clap.
    let nobody = ariza(&db, &enroll[1..], None, None);
    assert_eq!(nobody.status.code(), Some(2));
}

/// `ariza --json doctor`: the report and whether the command succeeded.
fn doctor(db: &Path) -> (serde_json::Value, bool) {
    let out = ariza(db, &["--json", "--lang", "en", "doctor"], None, None);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.success())
}

/// The line of one check in a doctor report.
fn check<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no {name} line in {report:#}"))
}

#[test]
fn doctor_reports_the_key_file_free_space_the_backlog_and_no_portal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);

    let (report, succeeded) = doctor(&db);
    let key = check(&report, "device_key");
    assert_eq!(key["severity"], "warning", "{report:#}");
    assert_eq!(
        key["message"],
        "Device key: in a file beside the database, because no OS keyring answered."
    );
    assert!(key["advice"].as_str().unwrap().contains("gnome-keyring"));
    let space = check(&report, "free_space");
    let free: u64 = space["facts"]["free_bytes"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(free > 0, "{space:#}");
    assert!(
        space["message"]
            .as_str()
            .unwrap()
            .starts_with("Free space: ")
    );
    let portal = check(&report, "portal_clock");
    assert_eq!(
        portal["message"],
        "Portal: not enrolled; the clock was not compared."
    );
    assert_eq!(check(&report, "outbox")["facts"]["count"], "0");
    assert_eq!(
        check(&report, "last_backup")["message"],
        "Last backup: never."
    );
    assert_eq!(check(&report, "schema")["severity"], "ok");
    assert_eq!(check(&report, "integrity")["severity"], "ok");
    // The disk line is honest about what it saw; the exit status follows the problems.
    let disk = check(&report, "disk_encryption");
    assert!(
        disk["message"]
            .as_str()
            .unwrap()
            .starts_with("Disk encryption: ")
    );
    assert_eq!(succeeded, report["problems"] == 0, "{report:#}");

    // An unsent filing is in the backlog.
    let id = add_citizen(&db);
    file_eri(&db, id);
    let (report, _) = doctor(&db);
    let outbox = check(&report, "outbox");
    assert_eq!(outbox["facts"]["count"], "1", "{outbox:#}");
    assert_eq!(outbox["severity"], "ok", "just filed: {outbox:#}");

    // A backup is found in the audit trail.
    let backup = dir.path().join("b.ariza");
    ok(&ariza(
        &db,
        &["backup", backup.to_str().unwrap(), "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    let (report, _) = doctor(&db);
    assert_eq!(
        check(&report, "last_backup")["severity"],
        "ok",
        "{report:#}"
    );

    // People read it in their language, one line a check, what to do under it.
    let out = ariza(&db, &["--lang", "ru", "doctor"], None, None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Ключ устройства: в файле рядом с базой данных"),
        "{text}"
    );
    assert!(text.contains("Свободно: "), "{text}");
    assert!(
        text.contains("Портал: рабочее место не зарегистрировано"),
        "{text}"
    );
    assert!(text.contains("→ "), "{text}");
    // `ariza status` says it too.
    let status = ok(&ariza(&db, &["--lang", "en", "status"], None, None));
    assert!(
        status.contains("because no OS keyring answered"),
        "{status}"
    );
}

#[test]
fn doctor_on_a_missing_database_creates_none_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nothing-here.db");
    let (report, succeeded) = doctor(&db);
    assert!(!succeeded);
    assert_eq!(check(&report, "database")["severity"], "problem");
    assert!(!db.exists(), "the check must not create a database");
}

/// Enrolls the desk at `db` with a portal at `url` the way the sync engine records it.
fn enroll_directly(db: &Path, url: &str) {
    let conn = ariza_store::open_keyed_connection(db).unwrap();
    for (key, value) in [
        ("portal_url", url.to_string()),
        (
            "device_id",
            "0193b3f0-7d2a-7c3e-9a51-3c6e2f8d4b10".to_string(),
        ),
        ("signing_key", "11".repeat(32)),
    ] {
        conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value.as_str()],
        )
        .unwrap();
    }
}

/// A stand-in portal on loopback that answers every request with its health, its clock set
/// `ahead` of this machine's.
fn portal_with_clock(ahead: chrono::Duration) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let now = (chrono::Utc::now() + ahead).to_rfc3339();
            let body = format!(r#"{{"status":"ok","now":"{now}"}}"#);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A stand-in portal that takes the connection and never answers.
fn portal_that_never_answers() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    url
}

#[test]
fn doctor_compares_the_clock_with_the_portal_and_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);

    // The portal's clock is an hour ahead: this desk's is an hour behind, a problem.
    enroll_directly(&db, &portal_with_clock(chrono::Duration::hours(1)));
    let (report, succeeded) = doctor(&db);
    let clock = check(&report, "portal_clock");
    assert_eq!(clock["severity"], "problem", "{clock:#}");
    let seconds: i64 = clock["facts"]["seconds"].as_str().unwrap().parse().unwrap();
    assert!((3595..=3605).contains(&seconds), "{clock:#}");
    assert!(
        clock["message"]
            .as_str()
            .unwrap()
            .contains("behind the portal"),
        "{clock:#}"
    );
    assert!(!succeeded);

    // In step: ok.
    enroll_directly(&db, &portal_with_clock(chrono::Duration::zero()));
    let (report, _) = doctor(&db);
    assert_eq!(
        check(&report, "portal_clock")["severity"],
        "ok",
        "{report:#}"
    );

    // A portal that takes the connection and never answers is given 5 seconds, no more.
    enroll_directly(&db, &portal_that_never_answers());
    let started = std::time::Instant::now();
    let (report, _) = doctor(&db);
    let took = started.elapsed();
    let clock = check(&report, "portal_clock");
    assert!(
        clock["message"]
            .as_str()
            .unwrap()
            .starts_with("Portal: not reachable within 5 seconds"),
        "{clock:#}"
    );
    assert!(took < std::time::Duration::from_secs(8), "took {took:?}");
    assert!(
        took >= std::time::Duration::from_secs(4),
        "did it wait at all? {took:?}"
    );
}

#[test]
fn only_an_administrator_requires_the_keyring_and_then_no_key_file_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    add_clerk(&db);
    let key_file = ariza_store::device_key_path(&db);
    assert!(key_file.exists());

    let refused = ariza(
        &db,
        &[
            "--json",
            "settings",
            "require-keyring",
            "on",
            "--as",
            "dilnoza",
        ],
        Some("clerk-pass-1"),
        None,
    );
    assert!(!refused.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&refused.stderr).unwrap();
    assert_eq!(fault["code"], "forbidden");
    assert!(key_file.exists(), "a refused change changes nothing");

    let set = ok(&ariza(
        &db,
        &[
            "--lang",
            "en",
            "settings",
            "require-keyring",
            "on",
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    assert!(
        set.contains("No keyring answered: the key file was removed"),
        "{set}"
    );
    assert!(!key_file.exists());

    // Every command that needs the database now refuses, saying why.
    let status = ariza(&db, &["--json", "--lang", "en", "status"], None, None);
    assert!(!status.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&status.stderr).unwrap();
    assert_eq!(fault["code"], "locked");
    assert!(
        fault["message"]
            .as_str()
            .unwrap()
            .contains("OS keyring is required"),
        "{fault}"
    );
    let (report, succeeded) = doctor(&db);
    assert!(!succeeded);
    assert_eq!(check(&report, "device_key")["severity"], "problem");
    assert!(
        check(&report, "device_key")["message"]
            .as_str()
            .unwrap()
            .contains("requires the OS keyring")
    );

    // A staff password still opens it, and writes no key file.
    ok(&ariza(
        &db,
        &["unlock", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(!key_file.exists());
    assert!(!ariza(&db, &["status"], None, None).status.success());
}

/// Copies a desk database with its WAL, slots file and device key (whichever exist).
fn copy_desk(from: &Path, to: &Path) {
    for suffix in ["", "-wal", ".keys", ".device-key"] {
        let src = format!("{}{suffix}", from.display());
        if Path::new(&src).exists() {
            std::fs::copy(&src, format!("{}{suffix}", to.display())).unwrap();
        }
    }
}

/// Whether `username`'s password opens the slots file `slots` to a key that opens `db`.
fn password_opens(slots: &Path, db: &Path, username: &str, password: &str) -> bool {
    ariza_store::KeySlots::load(slots)
        .unwrap()
        .open_staff_keys(username, password)
        .is_ok_and(|keys| {
            keys.iter()
                .any(|k| ariza_store::open_bare(db, Some(k)).is_ok())
        })
}

/// `ariza rekey`: afterwards a copy of the key file taken before, with anyone's password,
/// opens nothing of the database; everyone and the device still open it; every page checks
/// and every row is there. `staff remove` does the same for the person removed.
#[test]
fn rekey_and_staff_remove_leave_old_key_file_copies_useless() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let add = |username: &str, role: &str, password: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ariza"));
        cmd.arg("--db").arg(&db).args([
            "staff", "add", username, "--name", username, "--role", role, "--as", "admin",
        ]);
        cmd.env("ARIZA_PASSWORD", "admin-pass-1")
            .env("ARIZA_NEW_PASSWORD", password)
            .env("LANG", "C");
        let out = cmd.output().unwrap();
        ok(&out);
    };
    add("clerk1", "clerk", "clerk-pass-1");
    add("super1", "supervisor", "super-pass-1");
    let id = add_citizen(&db);
    file_eri(&db, id);
    let old = dir.path().join("old.db");
    copy_desk(&db, &old);
    let old_slots = ariza_store::slots_path(&old);
    let slots = ariza_store::slots_path(&db);

    let refused = ariza(
        &db,
        &["rekey", "--as", "super1"],
        Some("super-pass-1"),
        None,
    );
    assert!(!refused.status.success(), "only administrators rekey");
    let out = ok(&ariza(
        &db,
        &["--lang", "en", "rekey", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(out.contains("new key"), "{out}");
    for (user, pw) in [("admin", "admin-pass-1"), ("clerk1", "clerk-pass-1")] {
        // The control: the old copy opens with the old key file.
        assert!(password_opens(&old_slots, &old, user, pw));
        assert!(!password_opens(&old_slots, &db, user, pw), "{user}");
        assert!(password_opens(&slots, &db, user, pw), "{user}");
    }
    let conn = ariza_store::open_keyed_connection(&db).unwrap();
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check").unwrap();
    assert_eq!(
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .count(),
        0
    );
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM application", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
    let rekeys: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'database.rekey' AND actor = 'admin'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rekeys, 1);
    drop(stmt);
    drop(conn);

    // Removing the clerk: their password and a copy of today's key file open nothing after.
    let before_removal = dir.path().join("before.db");
    copy_desk(&db, &before_removal);
    let out = ok(&ariza(
        &db,
        &["--lang", "en", "staff", "remove", "clerk1", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(out.contains("new key"), "{out}");
    let before_slots = ariza_store::slots_path(&before_removal);
    assert!(password_opens(
        &before_slots,
        &before_removal,
        "clerk1",
        "clerk-pass-1"
    ));
    assert!(!password_opens(
        &before_slots,
        &db,
        "clerk1",
        "clerk-pass-1"
    ));
    assert!(password_opens(&slots, &db, "super1", "super-pass-1"));
    let list: serde_json::Value =
        serde_json::from_str(&ok(&ariza(&db, &["--json", "list", "--all"], None, None))).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

/// The recovery key: created as a private file with a warning, registered so backups open
/// with it, and it restores when no password is known; `--replace` keeps what it replaced.
#[test]
fn recovery_key_restores_without_any_password_and_replace_keeps_the_old_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    file_eri(&db, id);
    let key_file = dir.path().join("recovery.txt");
    let created = ariza(
        &db,
        &[
            "--lang",
            "en",
            "recovery-key",
            "create",
            "--out",
            key_file.to_str().unwrap(),
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    );
    let out = ok(&created);
    assert!(out.contains("Recovery key written"), "{out}");
    let warning = String::from_utf8_lossy(&created.stderr);
    assert!(
        warning.contains("WARNING") && warning.contains("safe"),
        "{warning}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "private key file");
    }
    let backup = dir.path().join("desk.ariza-backup");
    let out = ok(&ariza(
        &db,
        &[
            "--lang",
            "en",
            "backup",
            backup.to_str().unwrap(),
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    assert!(
        out.contains("recovery key") && out.contains("admin"),
        "{out}"
    );
    // Filed after the backup: found again in the copy a restore keeps.
    let later = file_eri(&db, id);

    // Every password lost: the recovery key alone restores (over the database, kept).
    let wrong_key = dir.path().join("wrong.txt");
    std::fs::write(&wrong_key, "not a key\n").unwrap();
    let refused = ariza(
        &db,
        &[
            "restore",
            backup.to_str().unwrap(),
            "--recovery-key",
            wrong_key.to_str().unwrap(),
            "--replace",
        ],
        None,
        None,
    );
    assert!(!refused.status.success());
    let restored = ok(&ariza(
        &db,
        &[
            "--lang",
            "en",
            "restore",
            backup.to_str().unwrap(),
            "--recovery-key",
            key_file.to_str().unwrap(),
            "--replace",
        ],
        None,
        None,
    ));
    assert!(restored.contains("1 applications"), "{restored}");
    let kept_line = restored
        .lines()
        .find(|l| l.contains("is kept as"))
        .unwrap_or_else(|| panic!("{restored}"));
    let kept = dir.path().join(
        kept_line
            .split_whitespace()
            .find(|w| w.contains(".replaced-"))
            .map(|w| Path::new(w).file_name().unwrap().to_owned())
            .unwrap(),
    );
    let now: serde_json::Value =
        serde_json::from_str(&ok(&ariza(&db, &["--json", "list", "--all"], None, None))).unwrap();
    assert_eq!(now["items"].as_array().unwrap().len(), 1);
    let kept_list = ok(&ariza(&kept, &["list", "--all"], None, None));
    assert!(kept_list.contains(&later), "{kept_list}");
    // The restored desk signs its administrator in as before.
    ok(&ariza(
        &db,
        &["audit", "list", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
}

#[test]
fn scans_are_attached_listed_and_refused_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    let tracking = file_eri(&db, id);

    let picture = image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let png = dir.path().join("passport.png");
    picture.save(&png).unwrap();
    let attach = |file: &Path, kind: &str| {
        ariza(
            &db,
            &[
                "--lang",
                "en",
                "attach",
                &tracking,
                file.to_str().unwrap(),
                "--kind",
                kind,
                "--as",
                "admin",
            ],
            Some("admin-pass-1"),
            None,
        )
    };
    let said = ok(&attach(&png, "identity"));
    assert!(
        said.contains(&format!("Attached to {tracking} as identity")),
        "{said}"
    );
    assert!(said.contains("stored"), "{said}");
    let again = ok(&attach(&png, "identity"));
    assert!(again.contains("Already attached"), "{again}");

    // A PDF named as a photo: refused, translated, nothing stored.
    let fake = dir.path().join("photo.jpg");
    std::fs::write(&fake, b"%PDF-1.4\n%%EOF\n").unwrap();
    let refused = attach(&fake, "identity");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("JPEG") && message.contains("PDF"),
        "{message}"
    );
    assert!(message.contains("nothing was attached"), "{message}");
    let unknown = attach(&png, "no-such-kind");
    assert!(!unknown.status.success());

    let listed = ok(&ariza(&db, &["--json", "documents", &tracking], None, None));
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let identity = listed["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "identity")
        .unwrap();
    assert_eq!(identity["required"], true);
    // The PDF filed with it, then the photo attached.
    assert_eq!(identity["attached"].as_array().unwrap().len(), 2);
    assert_eq!(identity["attached"][0]["scan"]["format"], "pdf");
    assert_eq!(identity["attached"][1]["scan"]["width"], 1200);
    let people = ok(&ariza(
        &db,
        &["--lang", "en", "documents", &tracking],
        None,
        None,
    ));
    assert!(people.contains("(required): JPEG 1200×900"), "{people}");
    assert!(people.contains("(required): PDF"), "{people}");
    assert!(people.contains("(optional): not attached"), "{people}");

    // Filing without the required document is refused by name, and files nothing...
    let listed_before = ok(&ariza(&db, &["--json", "list"], None, None));
    let refused = ariza(
        &db,
        &["--lang", "en", "file", "--as", "admin"],
        Some("admin-pass-1"),
        Some(&eri_json(id)),
    );
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("documents.identity: A required document is missing"),
        "{message}"
    );
    let bad_option = ariza(
        &db,
        &[
            "--lang",
            "en",
            "file",
            "--as",
            "admin",
            "--document",
            "identity",
        ],
        Some("admin-pass-1"),
        Some(&eri_json(id)),
    );
    assert!(!bad_option.status.success());
    assert!(String::from_utf8_lossy(&bad_option.stderr).contains("KEY=FILE"));
    assert_eq!(
        ok(&ariza(&db, &["--json", "list"], None, None)),
        listed_before
    );
    // ...until a supervisor lets documents follow for the service.
    let rule = ok(&ariza(
        &db,
        &[
            "--lang",
            "en",
            "documents-to-follow",
            "eri-key",
            "on",
            "--as",
            "admin",
        ],
        Some("admin-pass-1"),
        None,
    ));
    assert!(rule.contains("eri-key: documents may follow"), "{rule}");
    let rules = ok(&ariza(
        &db,
        &["--lang", "en", "documents-to-follow"],
        None,
        None,
    ));
    assert!(
        rules.contains("id-card: every required document is attached"),
        "{rules}"
    );
    let filed = ok(&ariza(
        &db,
        &["--lang", "en", "file", "--as", "admin"],
        Some("admin-pass-1"),
        Some(&eri_json(id)),
    ));
    assert!(filed.starts_with("Filed: "), "{filed}");
}

/// On a full disk (a tmpfs of 8 MiB, filled by another file; mounting needs root, as CI
/// runs) attaching a scan is refused with the disk-full message and code, and nothing filed
/// before is lost.
#[test]
fn a_full_disk_is_named_by_the_command_line() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        eprintln!("NOT RUN: mounting a tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(mounted.success());
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(dir.path());
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    let tracking = file_eri(&db, id);
    // A scan that does not compress away, kept outside the full disk.
    let outside = tempfile::tempdir().unwrap();
    let scan = outside.path().join("scan.png");
    let mut state: u32 = 0x9E37_79B9;
    image::RgbImage::from_fn(1200, 900, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    })
    .save(&scan)
    .unwrap();
    let ballast = dir.path().join("other-program.tmp");
    {
        let mut f = std::fs::File::create(&ballast).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
    }
    let attach = |lang: &[&str]| {
        let mut args = lang.to_vec();
        args.extend([
            "attach",
            &tracking,
            scan.to_str().unwrap(),
            "--kind",
            "identity",
            "--as",
            "admin",
        ]);
        ariza(&db, &args, Some("admin-pass-1"), None)
    };
    let refused = attach(&["--json"]);
    assert!(!refused.status.success());
    let fault: serde_json::Value = serde_json::from_slice(&refused.stderr).unwrap();
    assert_eq!(fault["code"], "disk_full", "{fault}");
    let said = attach(&["--lang", "en"]);
    let message = String::from_utf8_lossy(&said.stderr);
    assert!(message.contains("The disk is full"), "{message}");
    assert!(message.contains("nothing was lost"), "{message}");
    // A process started on the full disk cannot even open the database (SQLite needs room for
    // the WAL's shared memory), and says so the same way; freed, everything is there.
    let status = ariza(&db, &["--json", "status"], None, None);
    let fault: serde_json::Value = serde_json::from_slice(&status.stderr).unwrap();
    assert_eq!(fault["code"], "disk_full", "{fault}");
    std::fs::remove_file(&ballast).unwrap();
    let shown = ok(&ariza(
        &db,
        &["--json", "show", &tracking, "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(shown.contains(&tracking));
    let said = ok(&attach(&["--lang", "en"]));
    assert!(said.contains("Attached"), "{said}");
}

/// `citizen add` of someone whose name (typed on a Russian keyboard here) and birth date match
/// a citizen on file is refused as possibly registered, naming the record, and changes
/// nothing; `--not-a-duplicate` registers them; `citizen merge` then makes the two one.
#[test]
fn a_likely_duplicate_is_refused_until_confirmed_and_two_records_merge() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let first = add_citizen(&db);
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let pinfl = ariza_core::pinfl::Pinfl::compose(ariza_core::citizen::Sex::Male, birth, 26, 7);
    let again = |extra: &[&str]| {
        let mut args = vec![
            "--lang",
            "en",
            "citizen",
            "add",
            "--as",
            "admin",
            "--pinfl",
            pinfl.as_str(),
            "--document-kind",
            "passport",
            "--document-number",
            "AB7654321",
            "--surname",
            "Гуломов",
            "--given-name",
            "Шерзод",
            "--birth-date",
            "1990-05-12",
            "--sex",
            "male",
            "--region",
            "1703",
            "--district",
            "1703202",
        ];
        args.extend_from_slice(extra);
        ariza(&db, &args, Some("admin-pass-1"), None)
    };
    let refused = again(&[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("Possibly already registered"), "{err}");
    assert!(err.contains(&format!("citizens {first} have")), "{err}");
    assert!(
        err.contains("Ғуломов Шерзод"),
        "the candidate is listed: {err}"
    );
    let json = ariza(
        &db,
        &["--json", "citizen", "find", pinfl.as_str()],
        None,
        None,
    );
    let found: serde_json::Value = serde_json::from_str(&ok(&json)).unwrap();
    assert_eq!(
        found["items"].as_array().unwrap().len(),
        0,
        "nothing registered"
    );

    let second: serde_json::Value = {
        let out = ok(&again(&["--not-a-duplicate"]));
        assert!(out.contains("Citizen registered with id"), "{out}");
        let found = ok(&ariza(
            &db,
            &["--json", "citizen", "find", pinfl.as_str()],
            None,
            None,
        ));
        serde_json::from_str::<serde_json::Value>(&found).unwrap()["items"][0].clone()
    };
    let second = second["id"].as_i64().unwrap();
    file_eri(&db, second);

    let merge = |as_who: &str, password: &str| {
        ariza(
            &db,
            &[
                "--lang",
                "en",
                "citizen",
                "merge",
                "--as",
                as_who,
                "--survivor",
                &first.to_string(),
                "--merged",
                &second.to_string(),
                "--reason",
                "the same person, PINFL mistyped",
            ],
            Some(password),
            None,
        )
    };
    add_clerk(&db);
    let forbidden = merge("dilnoza", "clerk-pass-1");
    assert!(!forbidden.status.success());
    let still = ok(&ariza(
        &db,
        &["--json", "citizen", "find", pinfl.as_str()],
        None,
        None,
    ));
    let still: serde_json::Value = serde_json::from_str(&still).unwrap();
    assert_eq!(
        still["items"][0]["id"], second,
        "a refused merge changes nothing"
    );
    let out = ok(&merge("admin", "admin-pass-1"));
    assert_eq!(
        out.trim(),
        format!("Record {second} was merged into record {first}; 1 applications moved.")
    );
    let found = ok(&ariza(
        &db,
        &["--json", "citizen", "find", "Гуломов"],
        None,
        None,
    ));
    let ids: Vec<i64> = serde_json::from_str::<serde_json::Value>(&found).unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![first]);
}

/// Another process with the database open (here a store in this test): `ariza` is refused
/// with `in_use`, and runs once it is closed.
#[test]
fn a_database_open_in_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let held =
        ariza_store::Store::open_with(&db, &ariza_store::DeviceKeyStore::beside(&db)).unwrap();
    let refused = ariza(&db, &["--json", "citizen", "find", "Karimov"], None, None);
    assert!(!refused.status.success());
    let fault: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&refused.stderr).trim()).unwrap();
    assert_eq!(fault["code"], "in_use");
    drop(held);
    ok(&ariza(
        &db,
        &["--json", "citizen", "find", "Karimov"],
        None,
        None,
    ));
}

/// `ariza doctor --bundle FILE`: one JSON file with the version, settings, the checks, sync
/// status and the newest log lines, and not one byte of any citizen's name, PINFL or document
/// number, even with the desk's log full of a day's work.
#[test]
fn the_diagnostics_bundle_holds_what_it_needs_and_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    init(&db);
    let id = add_citizen(&db);
    let tracking = file_eri(&db, id);
    // A log beside the database, as the desk writes it (ids and counts only).
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("logs/ariza-desk.log.2026-12-03"),
        "2026-12-03T08:00:00Z  INFO ariza_store: store opened schema=16\n\
         2026-12-03T08:01:00Z  WARN ariza_sync: sync failed error=offline\n",
    )
    .unwrap();
    let bundle = dir.path().join("diagnostics.json");
    let out = ariza(
        &db,
        &[
            "--lang",
            "en",
            "doctor",
            "--bundle",
            bundle.to_str().unwrap(),
        ],
        None,
        None,
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("Diagnostics file written"), "{printed}");
    let bytes = std::fs::read(&bundle).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["ariza_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["schema_version"], ariza_store::SCHEMA_VERSION);
    assert_eq!(v["center"], "AND01");
    assert_eq!(v["settings"]["receipt_layout"], "a5");
    assert_eq!(v["sync"]["backlog"], 1);
    assert!(v["report"]["checks"].as_array().unwrap().len() >= 5);
    let lines = v["log_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert!(lines[1].as_str().unwrap().contains("sync failed"));
    // The raw-bytes scan: the citizen as registered, in both scripts' bytes.
    for personal in [
        "31205900260129",
        "AB1234567",
        "Ғуломов",
        "Шерзод",
        "Gʻulomov",
        "Sherzod",
    ] {
        assert!(
            !bytes
                .windows(personal.len())
                .any(|w| w == personal.as_bytes()),
            "the bundle holds {personal}"
        );
    }
    // The control: the same scan finds what the bundle does hold.
    assert!(bytes.windows(5).any(|w| w == b"AND01"));
    assert!(!tracking.is_empty());
}

/// `ariza update FILE`: a real package built with dpkg-deb and signed with a release key the
/// binary is pointed to; installed into a dpkg root (ARIZA_DPKG_ROOT), never the machine's.
/// Each refusal says why in the person's language and leaves the dpkg root as it was.
#[test]
fn update_from_a_file_installs_only_a_signed_newer_package_for_this_machine() {
    use ariza_release::{Installer, fixtures, installed_version, this_architecture};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ariza.db");
    init(&db);
    let (public, secret) = fixtures::release_key();
    let keys = dir.path().join("release-keys.pub");
    std::fs::write(&keys, &public).unwrap();
    let root = dir.path().join("dpkg-root");
    let update = |file: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ariza"));
        cmd.arg("--db")
            .arg(&db)
            .args(["update", "--as", "admin"])
            .arg(file)
            .env(NO_KEYRING.0, NO_KEYRING.1)
            .env("LANG", "C")
            .env("ARIZA_LANG", "en")
            .env("ARIZA_PASSWORD", "admin-pass-1")
            .env("ARIZA_RELEASE_KEYS", &keys)
            .env("ARIZA_DPKG_ROOT", &root);
        cmd.output().unwrap()
    };
    let refused = |file: &Path, says: &str| {
        let o = update(file);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success(),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(stderr.contains(says), "{stderr}");
        assert!(
            stderr.to_lowercase().contains("nothing"),
            "says nothing was installed: {stderr}"
        );
        assert_eq!(installed_version(&Installer::Root(root.clone())), None);
    };

    // Signed by another key.
    let (_, other_secret) = fixtures::release_key();
    let packages = dir.path().join("stick");
    std::fs::create_dir_all(&packages).unwrap();
    let wrong_key = fixtures::package(&packages, "ariza-desk", "0.2.0", this_architecture());
    fixtures::sign(&wrong_key, &other_secret);
    refused(&wrong_key, "signature is not valid");

    // No signature beside it.
    std::fs::remove_file(format!("{}.minisig", wrong_key.display())).unwrap();
    refused(&wrong_key, "No signature was found");

    // An older version than this desk's, validly signed.
    let older = fixtures::package(&packages, "ariza-desk", "0.0.9", this_architecture());
    fixtures::sign(&older, &secret);
    refused(&older, "is not newer than the installed");

    // Another machine's package, validly signed.
    let other_arch = if this_architecture() == "arm64" {
        "amd64"
    } else {
        "arm64"
    };
    let foreign = fixtures::package(&packages, "ariza-desk", "0.2.0", other_arch);
    fixtures::sign(&foreign, &secret);
    refused(&foreign, "This package is for");

    // Changed after signing.
    let changed = fixtures::package(&packages, "ariza-desk", "0.3.0", this_architecture());
    fixtures::sign(&changed, &secret);
    let mut bytes = std::fs::read(&changed).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&changed, bytes).unwrap();
    refused(&changed, "signature is not valid");

    // The real thing.
    let good = fixtures::package(&packages, "ariza-desk", "0.2.0", this_architecture());
    fixtures::sign(&good, &secret);
    let o = update(&good);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Ariza Desk 0.2.0 is installed"));
    assert_eq!(
        installed_version(&Installer::Root(root.clone())).as_deref(),
        Some("0.2.0")
    );
    assert!(root.join("opt/ariza-desk/0.2.0").exists());
    // In the desk's audit trail, by the administrator.
    let audit = ok(&ariza(
        &db,
        &["audit", "list", "--as", "admin"],
        Some("admin-pass-1"),
        None,
    ));
    assert!(audit.contains("desk.update"), "{audit}");
}
