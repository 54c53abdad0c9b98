//! GUI end to end: the real `ariza-desk` binary in WebKitGTK under Xvfb, driven through
//! WebDriver (`tauri-driver` + Debian's `WebKitWebDriver`). Screenshots of every screen go to
//! `test-output/screenshots/` (or ARIZA_SCREENSHOTS).
//!
//! Screenshots: `filing/` (a clerk's day, offline), `sync/` (delivery to a real portal) and
//! `supervisor/` (a center head's morning: queues, one action of each kind, the dashboard,
//! exports, and the clerk answering what was sent back).
//!
//! Run through `scripts/test.sh`, which builds the desk and starts Xvfb; alone:
//! `xvfb-run -a cargo test -p ariza-e2e --test gui -- --ignored --nocapture`.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod webdriver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use ariza_e2e::desk::set_up_tsh11;
use webdriver::{start_desk, start_desk_with};

#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn a_clerk_files_an_application_offline() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    let (d, _driver) = start_desk(home.path(), &db, "filing");

    // First run: create the center and its administrator.
    d.find("#setup-form");
    d.screenshot("setup-empty");
    d.clear_and_type("#center_code", "tsh07");
    d.clear_and_type("#center_name", "Chilonzor tumani DXM");
    d.select("#region", "1726");
    d.select("#district", "1726294");
    d.clear_and_type("#username", "aziza");
    d.clear_and_type("#full_name", "Aziza Karimova");
    d.clear_and_type("#password", "aziza-pass-1");
    d.clear_and_type("#password_repeat", "aziza-pass-2");
    d.click("#setup-submit");
    d.wait_for_text("[data-field=password_repeat] .error", "mos emas");
    d.screenshot("setup-password-mismatch");
    d.clear_and_type("#password_repeat", "aziza-pass-1");
    d.click("#setup-submit");
    d.wait_for_text("#signed-in-as", "Aziza Karimova");
    d.screenshot("today-empty");

    // Sign out and back in; a wrong password is refused with a translated message.
    d.click("#sign-out");
    d.find("#sign-in-form");
    d.sign_in("aziza", "wrong-pass");
    d.wait_for_text(".banner.error", "Login yoki parol notoʻgʻri");
    d.screenshot("sign-in-refused");
    d.clear_and_type("#password", "aziza-pass-1");
    d.keys("\u{E007}"); // Enter submits
    d.wait_for_text("#signed-in-as", "Aziza Karimova");

    // The administrator adds a clerk.
    d.click("#nav-staff");
    d.clear_and_type("#staff-username", "dilnoza");
    d.clear_and_type("#staff-full-name", "Dilnoza Yusupova");
    d.select("#staff-role", "clerk");
    d.clear_and_type("#staff-password", "dilnoza-pass-1");
    d.clear_and_type("#staff-password-repeat", "dilnoza-pass-1");
    d.click("#staff-submit");
    d.wait_for_text("#staff-list", "Dilnoza Yusupova");
    d.wait_for_text(".banner.ok", "dilnoza");
    d.screenshot("staff-added");

    // The office scanner saves to a folder: the desk offers what arrives there on the form.
    let scans = home.path().join("scans");
    std::fs::create_dir_all(&scans).unwrap();
    d.click("#nav-settings");
    d.clear_and_type("#scanner-folder", scans.to_str().unwrap());
    d.click("#scanner-folder-save");
    d.wait_until(
        "return document.querySelector('.banner.error') === null",
        json!([]),
        Duration::from_secs(5),
        "the scanner folder was refused",
    );

    // New application (Alt+N): no such citizen yet, so register one, in Latin.
    d.click("#nav-new");
    d.clear_and_type("#citizen-search", "Gʻulomov");
    d.wait_for_text("#citizen-step", "Fuqaro topilmadi");
    d.keys("\u{E007}"); // nobody found: Enter opens the registration form
    d.wait_focus("#surname");
    d.clear_and_type("#surname", "G'ulomov");
    d.clear_and_type("#given_name", "Sherzod");
    d.clear_and_type("#patronymic", "Akmalovich");
    d.clear_and_type("#birth_date", "12.05.1990"); // the locale's order (uz-Latn)
    d.select("#sex", "male");
    d.clear_and_type("#pinfl", "31205900260128");
    d.clear_and_type("#document_number", "ab1234567");
    d.clear_and_type("#phone", "90 123 45 67");
    d.select("#citizen_region", "1726");
    d.select("#citizen_district", "1726294");
    d.clear_and_type("#street", "Bunyodkor ko'chasi, 12");
    d.click("#citizen-save");
    d.wait_for_text("[data-field=pinfl] .error", "nazorat raqami");
    d.screenshot("citizen-invalid-pinfl");
    d.clear_and_type("#pinfl", "31205900260129");
    d.click("#citizen-save");

    // Pick the service by typing, then Enter.
    d.wait_focus("#service-search");
    d.screenshot("service-picker");
    d.keys("ERI");
    d.wait_for_text("#service-results", "Elektron raqamli imzo");
    d.keys("\u{E007}");
    d.find("#application-form");
    d.select("#form-holder_type", "individual");
    d.clear_and_type("#form-phone", "+998 90 123 45 67");
    d.wait_for_text("#scanner-tray", "Skaner papkasida yangi fayl yoʻq");
    d.screenshot("application-form");
    // Without the identity document filing is refused, naming it, and nothing is filed.
    d.click("#file-submit");
    d.wait_for_text(
        "[data-document=identity] .error",
        "Majburiy hujjat biriktirilmagan: Pasport yoki ID-karta",
    );
    d.screenshot("filing-refused-missing-document");
    // The scanner saves a photo of the passport page and a PDF: both appear in the tray.
    std::fs::write(scans.join("skan-0001.png"), ariza_e2e::scans::PHOTO_PNG).unwrap();
    std::fs::write(scans.join("kvitansiya.pdf"), ariza_e2e::scans::IDENTITY_PDF).unwrap();
    d.wait_for_text("#scanner-tray", "skan-0001.png");
    d.wait_for_text("#scanner-tray", "kvitansiya.pdf");
    d.screenshot("scanner-tray");
    // One key attaches the photo to the first document missing (the identity document)...
    d.js(
        "document.querySelector(\"[data-tray-attach='skan-0001.png']\").focus(); return true",
        json!([]),
    );
    d.keys("\u{E007}");
    d.find("[data-document=identity][data-state=attached] img.thumb");
    d.wait_until(
        "const i = document.querySelector('[data-document=identity] img.thumb'); return i !== null && i.complete && i.naturalWidth > 0",
        json!([]),
        Duration::from_secs(10),
        "no thumbnail for the photo",
    );
    let sizes = d.text("[data-document=identity] [data-sizes]");
    assert!(sizes.contains("KB"), "original and stored sizes: {sizes}");
    // ...and the PDF goes under the fee receipt, chosen beside it.
    d.select("[data-tray-file='kvitansiya.pdf'] select", "fee-receipt");
    d.click("[data-tray-attach='kvitansiya.pdf']");
    d.find("[data-document=fee-receipt][data-state=attached] .thumb.pdf");
    d.wait_until(
        "return document.querySelectorAll('#scanner-tray [data-tray-file]').length === 0",
        json!([]),
        Duration::from_secs(10),
        "the tray still offers what was attached",
    );
    d.screenshot("checklist-with-thumbnails");
    // The citizen asks for their receipt in Uzbek Cyrillic; the clerk's screen stays Latin.
    d.select("#receipt-locale", "uz-Cyrl");
    d.click("#file-submit");
    let tracking = d.wait_for_text("#receipt-tracking", "TSH07-");
    let tracking = tracking.trim().to_string();
    assert_eq!(
        tracking.len(),
        "TSH07-261122-01-00001-X".len(),
        "{tracking}"
    );
    let receipt = d.text("#receipt");
    assert!(receipt.contains("Gʻulomov Sherzod Akmalovich"), "{receipt}");
    assert!(
        receipt.contains("123 600") || receipt.contains("123\u{a0}600"),
        "fee on the receipt: {receipt}"
    );
    d.find("#receipt [data-document=identity][data-state=attached] img.thumb");
    d.find("#receipt [data-document=fee-receipt][data-state=attached]");
    d.wait_until(
        "const i = document.querySelector('#receipt img.thumb'); return i !== null && i.complete && i.naturalWidth > 0",
        json!([]),
        Duration::from_secs(10),
        "no thumbnail on the receipt",
    );
    // Not enrolled: the two scans wait for delivery, shown in the status line.
    d.wait_for_text("#documents-waiting", "Hujjatlar yuborilmoqda: 2 ta");
    d.find("#documents-progress");
    d.screenshot("receipt");
    // The PDF receipt: written in the citizen's language, on the desk's paper (A5).
    d.click("#receipt-pdf");
    let saved = d.wait_for_text("#receipt-saved", ".pdf");
    let pdf = home
        .path()
        .join(format!("exports/receipts/{tracking}-a5.pdf"));
    assert!(saved.contains(&tracking), "{saved}");
    let text = std::process::Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Тилхат") && text.contains(&tracking),
        "{text}"
    );
    d.screenshot("receipt-pdf-saved");

    // Today's list shows it.
    d.click("#nav-today");
    d.wait_for_text("#today-list", &tracking);
    d.screenshot("today-list");

    // Switch to Russian at run time, and back.
    d.click("#nav-settings");
    d.select("#language", "ru");
    d.wait_for_text("#nav-today", "Сегодня");
    d.click("#theme-dark");
    d.screenshot("settings-russian-dark");
    d.click("#nav-today");
    d.wait_for_text("#today", "Заявления за сегодня");
    d.wait_for_text("#today-list", "Подано");
    d.screenshot("today-russian");
    d.click("#nav-settings");
    d.click("#theme-light");
    d.select("#language", "uz-Latn");
    d.wait_for_text("#nav-today", "Bugun");

    // The administrator (a supervisor too) lets documents follow for the criminal-record
    // certificate: the next filings need no scan at the counter.
    d.click("#nav-settings");
    d.click("[data-rule='no-criminal-record']");
    d.wait_until(
        "return document.querySelector(\"[data-rule='no-criminal-record']\").checked",
        json!([]),
        Duration::from_secs(5),
        "the rule was not set",
    );
    d.screenshot("settings-documents-to-follow");

    // Find the citizen by the name typed in Cyrillic, and file a second application with the
    // keyboard alone: type, Enter, type, Enter, fill, Enter.
    d.click("#nav-new");
    d.wait_focus("#citizen-search");
    d.keys("Ғуломов Шерзод");
    d.wait_for_text("#citizen-results", "Gʻulomov Sherzod");
    d.screenshot("found-by-cyrillic-name");
    d.keys("\u{E007}");
    d.wait_focus("#service-search");
    d.keys("sudlanmaganlik");
    d.wait_for_text("#service-results", "Sudlanmaganlik");
    d.keys("\u{E007}");
    d.wait_focus("#form-purpose");
    d.keys("Viza uchun");
    d.keys("\u{E004}2"); // Tab to the number of copies
    d.keys("\u{E007}");
    let second = d.wait_for_text("#receipt-tracking", "TSH07-");
    assert_ne!(second.trim(), tracking);
    assert!(second.contains("-00002-"), "{second}");
    d.screenshot("receipt-keyboard-only");

    // Cancel the second one with a reason; the history shows who and why.
    d.click("#nav-today");
    d.click(&format!("tr[data-tracking='{}'] td.mono", second.trim()));
    d.find("#cancel-form");
    d.click("#cancel-submit");
    d.wait_for_text("[data-field=reason] .error", "Sababini yozing");
    d.clear_and_type("#cancel-reason", "Fuqaro fikridan qaytdi");
    d.click("#cancel-submit");
    d.wait_for_text("#detail-status", "Bekor qilingan");
    d.wait_for_text("#application-documents", "keyinroq topshiriladi");
    let history = d.text("#history");
    assert!(
        history.contains("Fuqaro fikridan qaytdi") && history.contains("Aziza Karimova"),
        "{history}"
    );
    d.screenshot("cancelled-detail");

    // The clerk signs in: no staff screen, and the core refuses to let her cancel an
    // application someone else filed.
    d.click("#sign-out");
    d.sign_in("dilnoza", "dilnoza-pass-1");
    d.wait_for_text("#signed-in-as", "Dilnoza Yusupova (Operator)");
    assert!(
        !d.js(
            "return document.querySelector('#nav-staff') !== null",
            json!([])
        )
        .as_bool()
        .unwrap()
    );
    d.wait_for_text("#today-list", &tracking);
    d.screenshot("today-as-clerk");
    d.click("#filter-mine");
    d.wait_for_text("#today", "Bugun hali ariza yoʻq");
    d.click("#filter-mine");
    d.wait_for_text("#today-list", &tracking);
    d.click(&format!("tr[data-tracking='{tracking}'] td.mono"));
    d.clear_and_type("#cancel-reason", "Sinov uchun");
    d.click("#cancel-submit");
    d.wait_for_text(".banner.error", "rolingiz bunga ruxsat bermaydi");
    d.screenshot("clerk-may-not-cancel");

    // The desk locks after a minute idle, in the middle of a form, and the password brings
    // the form back exactly as it was.
    d.click("#nav-settings");
    d.clear_and_type("#idle-minutes", "1");
    d.keys("\u{E004}"); // Tab: the change is saved
    d.click("#nav-new");
    d.wait_focus("#citizen-search");
    d.keys("Ғуломов Шерзод");
    d.wait_for_text("#citizen-results", "Gʻulomov Sherzod");
    d.keys("\u{E007}");
    d.wait_focus("#service-search");
    d.keys("sudlanmaganlik");
    d.wait_for_text("#service-results", "Sudlanmaganlik");
    d.keys("\u{E007}");
    d.wait_focus("#form-purpose");
    d.keys("Ish joyi uchun");
    d.keys("\u{E004}1"); // Tab to the number of copies
    let idle = d.wait_until(
        "return document.querySelector('#lock-form') !== null",
        json!([]),
        Duration::from_secs(90),
        "the desk did not lock",
    );
    assert!(idle >= Duration::from_secs(55), "locked too early");
    d.wait_for_text("#lock-form", "Dilnoza Yusupova");
    d.screenshot("idle-locked");
    d.clear_and_type("#lock-password", "wrong-pass");
    d.click("#lock-resume");
    d.wait_for_text("#lock-form .banner.error", "Login yoki parol notoʻgʻri");
    d.clear_and_type("#lock-password", "dilnoza-pass-1");
    d.click("#lock-resume");
    d.wait_until(
        "return document.querySelector('#lock-form') === null",
        json!([]),
        Duration::from_secs(10),
        "still locked",
    );
    let kept = d.js(
        "return document.querySelector('#form-purpose').value",
        json!([]),
    );
    assert_eq!(
        kept.as_str(),
        Some("Ish joyi uchun"),
        "the form survived the lock"
    );
    d.screenshot("resumed-form-kept");
    d.click("#file-submit");
    d.wait_for_text("#receipt-tracking", "TSH07-");

    d.call("DELETE", "", None);

    // No citizen's PINFL, name or document number in the database file, its WAL or the
    // desk's log: all on disk is encrypted or names records by id only.
    let mut files = vec![db.clone(), db.with_extension("db-wal")];
    if let Ok(logs) = std::fs::read_dir(db.parent().unwrap().join("logs")) {
        files.extend(logs.flatten().map(|e| e.path()));
    }
    assert!(files.len() >= 3, "database, WAL and a log file: {files:?}");
    for file in &files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for secret in [
            "31205900260129",
            "AB1234567",
            "Sherzod",
            "Akmalovich",
            "Шерзод",
        ] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds {secret} in the clear",
                file.display()
            );
        }
    }

    // What the desk wrote is really on disk, in the database the test chose.
    let store = ariza_e2e::desk::store_after_desk(&db);
    assert_eq!(
        store.application(&tracking).unwrap().status,
        ariza_core::application::Status::Filed
    );
    assert_eq!(
        store.outbox_backlog().unwrap(),
        2,
        "one cancelled, two waiting"
    );
}

#[test]
#[ignore = "needs a display, tauri-driver, PostgreSQL and the built desk: run by scripts/test.sh"]
fn the_desk_delivers_to_a_real_portal_and_shows_it() {
    use ariza_core::application::{FileRequest, Status};
    use ariza_core::citizen::{CitizenInput, Sex};
    use ariza_core::clock::SystemClock;
    use ariza_core::document::DocumentKind;
    use ariza_core::staff::{NewStaff, Role};

    let mut portal = ariza_e2e::portal::TestPortal::start();
    let code = portal.center_and_code("TSH09");
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    // A desk that filed two applications before it was ever connected.
    let ids: Vec<String> = {
        let store = ariza_store::Store::open(&db).unwrap();
        let admin = store
            .setup(
                &ariza_store::SetupRequest {
                    center_code: "TSH09".into(),
                    center_name: "Yunusobod DXM".into(),
                    region: "1726".into(),
                    district: "1726266".into(),
                    admin: NewStaff {
                        username: "aziza".into(),
                        full_name: "Aziza Karimova".into(),
                        role: Role::Admin,
                        password: "aziza-pass-1".into(),
                    },
                },
                &SystemClock,
            )
            .unwrap();
        let citizen = store
            .register_citizen(
                &admin,
                &CitizenInput {
                    pinfl: "31205900260129".into(),
                    document_kind: Some(DocumentKind::Passport),
                    document_number: "AB1234567".into(),
                    surname: "Gʻulomov".into(),
                    given_name: "Sherzod".into(),
                    patronymic: String::new(),
                    birth_date: "1990-05-12".into(),
                    sex: Some(Sex::Male),
                    phone: String::new(),
                    region: "1726".into(),
                    district: "1726266".into(),
                    street: String::new(),
                },
                &SystemClock,
            )
            .unwrap();
        let form = serde_json::from_value(json!({"reason": "expired"})).unwrap();
        (0..2)
            .map(|_| {
                store
                    .file_application(
                        &admin,
                        &FileRequest {
                            citizen_id: citizen.id,
                            service_code: "id-card".into(),
                            form: std::collections::BTreeMap::clone(&form),
                            documents: ariza_e2e::scans::required_documents(
                                &store,
                                "id-card",
                                &SystemClock,
                            ),
                            receipt_locale: None,
                        },
                        &SystemClock,
                    )
                    .unwrap()
                    .id
                    .to_string()
            })
            .collect()
    };

    let (d, _driver) = start_desk(home.path(), &db, "sync");
    d.sign_in("aziza", "aziza-pass-1");
    d.wait_for_text("#backlog", "2");
    d.screenshot("not-enrolled-backlog");

    // Enroll from Settings with the one-time code; the desk delivers at once.
    d.click("#nav-settings");
    d.clear_and_type("#enroll-portal", &portal.url);
    d.clear_and_type("#enroll-code", "0000-0000-0000-0000");
    d.click("#enroll-submit");
    d.wait_for_text(".banner.error", "kodi notoʻgʻri");
    d.screenshot("enroll-bad-code");
    d.clear_and_type("#enroll-code", &code);
    d.click("#enroll-submit");
    d.wait_for_text("#enrolled-with", &portal.url);
    d.wait_for_text("#sync-state", "Aloqa bor");
    d.wait_for_text("#backlog", ": 0");
    d.screenshot("enrolled-and-delivered");
    assert_eq!(portal.count("SELECT count(*) FROM application"), 2);

    // A decision on the portal comes back with "Sync now".
    portal.decide(&ids[0], Status::InReview, None);
    portal.decide(&ids[0], Status::Completed, None);
    d.click("#nav-today");
    d.click("#sync-now");
    d.click("#nav-settings");
    d.click("#nav-today");
    d.wait_for_text("#today-list", "Bajarilgan");
    d.screenshot("decision-back");

    // The supervisor's queues: the decision waits to be handed over, and handing it over takes
    // it out; nothing waits for delivery any more.
    d.click("#nav-queues");
    d.wait_for_text("#queue-count-to_hand_over", "1");
    d.wait_for_text("#queue-list", "Gʻulomov Sherzod");
    d.screenshot("queues-to-hand-over");
    d.click("#queue-list button.hand-over");
    d.wait_for_text("#queue-count-to_hand_over", "0");
    d.wait_for_text("#queue-empty", "hech narsa yoʻq");
    d.click("#queue-awaiting_delivery");
    d.wait_for_text("#queue-count-awaiting_delivery", "0");
    d.screenshot("queues-handed-over");

    // The link goes down: the desk says so, in the clerk's language, and keeps working.
    portal.stop_server();
    d.click("#sync-now");
    d.wait_for_text("#sync-state", "Aloqa yoʻq");
    d.wait_for_text("#sync-error", "Portal bilan aloqa yoʻq");
    d.screenshot("offline");
    d.call("DELETE", "", None);
}

/// A scanned document of 900 KB goes up a slow link in its own lane after the record; the
/// status line shows how far it is, and it arrives whole.
#[test]
#[ignore = "needs a display, tauri-driver, PostgreSQL and the built desk: run by scripts/test.sh"]
fn a_large_scan_goes_up_a_slow_link_with_its_progress_shown() {
    use ariza_e2e::fault_proxy::{FaultProxy, Link};

    let portal = ariza_e2e::portal::TestPortal::start();
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    let link = Link {
        up_bytes_per_sec: 40_000,
        down_bytes_per_sec: 40_000,
        one_way_delay: Duration::from_millis(100),
    };
    let proxy = FaultProxy::start(upstream, 7, Some(link)).unwrap();
    proxy.set_faults(false);
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk.db");
    let sha = {
        let code = portal.center_and_code("TSH13");
        let (store, admin) = ariza_e2e::desk::desk(&home, "TSH13");
        ariza_sync::Engine::new()
            .unwrap()
            .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
            .unwrap();
        let pdf = ariza_e2e::desk::large_pdf(900_000, 13);
        ariza_e2e::desk::file_with_documents(&store, &admin, &pdf).1
    };

    let (d, _driver) = start_desk(home.path(), &db, "document-progress");
    d.sign_in("admin", "admin-pass-1");
    d.wait_until(
        "const p = document.querySelector('#documents-progress'); return !!p && p.value > 0 && p.value < p.max",
        json!([]),
        Duration::from_secs(60),
        "no progress shown while the scan went up",
    );
    let waiting = d.text("#documents-waiting");
    assert!(waiting.contains("Hujjatlar yuborilmoqda"), "{waiting}");
    d.screenshot("document-progress");
    d.wait_until(
        "return document.querySelector('#documents-waiting') === null",
        json!([]),
        Duration::from_secs(120),
        "the scan never arrived",
    );
    d.screenshot("documents-delivered");
    let arrived: i64 = portal.scalar("SELECT count(*) FROM document WHERE sha256 = $1", &[&sha]);
    assert_eq!(arrived, 1);
    d.call("DELETE", "", None);
}

/// A center with no link: Settings → "Move by USB" writes the undelivered work to a stick,
/// the portal imports it, and the portal's bundle read back marks it delivered with the
/// decision that came meanwhile.
#[test]
#[ignore = "needs a display, tauri-driver, PostgreSQL and the built desk: run by scripts/test.sh"]
fn a_center_with_no_link_moves_its_work_by_usb() {
    let mut portal = ariza_e2e::portal::TestPortal::start();
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk.db");
    let stick = home.path().join("usb");
    std::fs::create_dir_all(&stick).unwrap();
    let filed = {
        // Enrolled once, when the link was there; since then, nothing.
        let (store, admin, _) = ariza_e2e::desk::enrolled_desk(&portal, &home, "TSH14");
        let mut filed = ariza_e2e::desk::file(&store, &admin, 1);
        let pdf = ariza_e2e::desk::large_pdf(150_000, 14);
        filed.push(ariza_e2e::desk::file_with_documents(&store, &admin, &pdf).0);
        filed
    };
    // The link goes: the portal stops answering (its database stays, for the district
    // office's commands).
    portal.stop_server();
    let (d, _driver) = start_desk(home.path(), &db, "usb");
    d.sign_in("admin", "admin-pass-1");
    d.wait_for_text("#backlog", "2");
    d.click("#nav-settings");
    d.find("#move-by-usb");
    let out = stick.join("tsh14.bundle");
    d.clear_and_type("#bundle-export-path", out.to_str().unwrap());
    d.click("#bundle-export");
    d.wait_for_text("#usb-done", "2 ta ariza, 2 ta hujjat");
    d.screenshot("usb-written");
    // Written again to the same file: refused, the first is kept.
    d.click("#bundle-export");
    d.wait_for_text("#move-by-usb .banner.error", "fayl allaqachon mavjud");
    d.screenshot("usb-file-exists");

    // At the district office.
    let summary = portal
        .rt
        .block_on(ariza_portal::ops::bundles::import(
            &portal.portal,
            &std::fs::read(&out).unwrap(),
        ))
        .unwrap();
    assert_eq!(summary.accepted, 2);
    portal.decide(&filed[0], ariza_core::application::Status::InReview, None);
    let back = portal
        .rt
        .block_on(ariza_portal::ops::bundles::export(
            &portal.portal,
            "TSH14",
            None,
        ))
        .unwrap();
    let back_path = stick.join("from-portal.bundle");
    std::fs::write(&back_path, back).unwrap();

    d.clear_and_type("#bundle-import-path", back_path.to_str().unwrap());
    d.click("#bundle-import");
    d.wait_for_text("#usb-done", "Portal paketi oʻqildi");
    d.wait_for_text("#backlog", ": 0");
    d.screenshot("usb-read");
    d.click("#nav-today");
    d.wait_for_text("#today-list", "Koʻrib chiqilmoqda");
    d.screenshot("usb-decision-back");
    d.call("DELETE", "", None);
}

/// "Sync now" over a slow link does not freeze the window: while that sync is still running,
/// the clerk searches for a citizen and sees the results. The desk runs every command off the
/// window's thread; before, the search waited for the whole sync.
#[test]
#[ignore = "needs a display, tauri-driver, PostgreSQL and the built desk: run by scripts/test.sh"]
fn the_window_answers_during_a_slow_sync() {
    use ariza_e2e::fault_proxy::{FaultProxy, Link};

    let portal = ariza_e2e::portal::TestPortal::start();
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    // A 2G-like link: about 2 KB/s each way and 300 ms each way per write.
    let link = Link {
        up_bytes_per_sec: 2_000,
        down_bytes_per_sec: 2_000,
        one_way_delay: Duration::from_millis(300),
    };
    let proxy = FaultProxy::start(upstream, 7, Some(link)).unwrap();
    proxy.set_faults(false);
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk.db");
    let filed = 300;
    {
        let code = portal.center_and_code("TSH12");
        let (store, admin) = ariza_e2e::desk::desk(&home, "TSH12");
        ariza_sync::Engine::new()
            .unwrap()
            .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
            .unwrap();
        ariza_e2e::desk::file(&store, &admin, filed);
    }

    let (d, _driver) = start_desk(home.path(), &db, "slow-sync");
    d.sign_in("admin", "admin-pass-1");
    d.wait_for_text("#backlog", &filed.to_string());
    d.click("#sync-now");
    d.wait_until(
        "return document.querySelector('#sync-now').disabled",
        json!([]),
        Duration::from_secs(10),
        "Sync now never started",
    );

    d.click("#nav-new");
    d.wait_focus("#citizen-search");
    let started = std::time::Instant::now();
    d.keys("Karimov");
    let shown = d.wait_until(
        "const r = document.querySelector('#citizen-results'); return !!r && r.textContent.includes('Karimov Sherzod')",
        json!([]),
        Duration::from_secs(20),
        "the search never answered during the sync",
    );
    let typed_and_found = started.elapsed();
    d.screenshot("search-during-sync");
    let still_syncing = d
        .js(
            "return document.querySelector('#sync-now').disabled",
            json!([]),
        )
        .as_bool()
        .unwrap_or(false);
    let delivered = portal.count("SELECT count(*) FROM application");
    println!(
        "search during a slow sync: results {} ms after the last key ({} ms from the first key), \
         sync still running: {still_syncing}, delivered so far {delivered} of {filed}",
        shown.as_millis(),
        typed_and_found.as_millis()
    );
    assert!(
        still_syncing && delivered < filed as i64,
        "the sync had finished before the search answered: the test proved nothing"
    );
    d.call("DELETE", "", None);
}

/// The center a supervisor finds in the morning, built through the store exactly as the desk
/// and its sync engine would: applications waiting, set aside by the portal, returned by an
/// agency, decided, late, and a draft left open. Returns the tracking numbers by role.
struct Morning {
    waiting: String,
    refused: String,
    returned: String,
    decided: String,
    delivered: String,
    late: String,
}

#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn a_returning_citizen_is_found_however_typed_and_not_registered_twice() {
    use ariza_core::citizen::Sex;
    use ariza_core::pinfl::Pinfl;

    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    {
        let store = ariza_store::Store::open(&db).unwrap();
        set_up_tsh11(&store);
    }
    let (d, _driver) = start_desk(home.path(), &db, "search");
    d.sign_in("aziza", "aziza-pass-1");
    d.find("#today");
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let fill = |surname: &str, given: &str, patronymic: &str, seq: u32, document: &str| {
        d.clear_and_type("#surname", surname);
        d.clear_and_type("#given_name", given);
        if !patronymic.is_empty() {
            d.clear_and_type("#patronymic", patronymic);
        }
        d.clear_and_type("#birth_date", "12.05.1990");
        d.select("#sex", "male");
        d.clear_and_type("#pinfl", Pinfl::compose(Sex::Male, birth, 26, seq).as_str());
        d.clear_and_type("#document_number", document);
        d.select("#citizen_region", "1726");
        d.select("#citizen_district", "1726294");
        d.click("#citizen-save");
    };
    let new_application = || {
        d.click("#nav-today");
        d.find("#today");
        d.click("#nav-new");
        d.find("#citizen-search");
    };

    // Registered once, in Uzbek Latin.
    new_application();
    d.clear_and_type("#citizen-search", "Qodirov");
    d.wait_for_text("#citizen-step", "Fuqaro topilmadi");
    d.click("#register-citizen");
    d.wait_focus("#surname");
    fill("Qodirov", "Oʻtkir", "Xasanovich", 1, "AB1234567");
    d.wait_for_text("#service-step", "Qodirov Oʻtkir Xasanovich");

    // Found from a Russian keyboard (к for қ, у for ў), the matching words marked, with the
    // birth date and the PINFL's tail to tell namesakes apart.
    new_application();
    d.clear_and_type("#citizen-search", "Кодиров Уткир");
    d.wait_for_text("#citizen-results", "Qodirov");
    assert_eq!(
        d.js(
            "return [...document.querySelectorAll('#citizen-results mark')].map(m => m.textContent)",
            json!([])
        ),
        json!(["Qodirov", "Oʻtkir"])
    );
    assert_eq!(
        d.js(
            "return document.querySelector('#citizen-results li').dataset.tier",
            json!([])
        ),
        json!("folded")
    );
    let line = d.text("#citizen-results li");
    assert!(line.contains("12.05.1990") && line.contains("…"), "{line}");
    d.screenshot("found-from-a-russian-keyboard");
    // And in Russian-style Latin, as an older passport writes it.
    d.clear_and_type("#citizen-search", "Kodirov Utkir Khasanovich");
    d.wait_for_text("#citizen-results", "Qodirov");
    d.screenshot("found-in-russian-style-latin");

    // The same person registered again, typed on a Russian keyboard with another PINFL and
    // document: warned before anything is saved, and the clerk opens the record on file.
    d.click("#register-citizen");
    d.wait_focus("#surname");
    fill("Кодиров", "Уткир", "", 2, "AC7654321");
    d.wait_for_text("#duplicate-warning", "roʻyxatda boʻlishi mumkin");
    d.wait_for_text("#duplicate-candidates", "Qodirov Oʻtkir");
    d.screenshot("possibly-already-registered");
    d.click("#duplicate-candidates button");
    d.wait_for_text("#service-step", "Qodirov Oʻtkir Xasanovich");

    // Another name with the document already on file: refused, offering that record.
    new_application();
    d.clear_and_type("#citizen-search", "Rahimov");
    d.wait_for_text("#citizen-step", "Fuqaro topilmadi");
    d.click("#register-citizen");
    d.wait_focus("#surname");
    fill("Rahimov", "Sardor", "", 3, "ab1234567");
    d.wait_for_text(".banner.error", "hujjat raqami");
    d.screenshot("document-already-on-file");
    d.click("#open-existing");
    d.wait_for_text("#service-step", "Qodirov Oʻtkir Xasanovich");
    drop(d);
    drop(_driver);
    let store = ariza_e2e::desk::store_after_desk(&db);
    assert_eq!(
        store.find_citizens("Qodirov", 10).unwrap().len(),
        1,
        "one record"
    );
    assert!(store.find_citizens("Rahimov", 10).unwrap().is_empty());
}

/// A supervisor finds both records of one person, keeps one, says why and merges: the other's
/// application moves to the kept record and the other record goes.
#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn a_supervisor_merges_two_records_of_one_person() {
    use ariza_core::citizen::Sex;
    use ariza_core::pinfl::Pinfl;

    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    let birth = chrono::NaiveDate::from_ymd_opt(1985, 1, 23).unwrap();
    let (kept, typo, filed) = {
        let store = ariza_store::Store::open(&db).unwrap();
        let admin = set_up_tsh11(&store);
        let register = |surname: &str, given: &str, seq: u32, document: &str| {
            store
                .register_citizen(
                    &admin,
                    &ariza_core::citizen::CitizenInput {
                        pinfl: Pinfl::compose(Sex::Female, birth, 26, seq).to_string(),
                        document_kind: Some(ariza_core::document::DocumentKind::Passport),
                        document_number: document.into(),
                        surname: surname.into(),
                        given_name: given.into(),
                        patronymic: String::new(),
                        birth_date: "1985-01-23".into(),
                        sex: Some(Sex::Female),
                        phone: String::new(),
                        region: "1726".into(),
                        district: "1726294".into(),
                        street: String::new(),
                    },
                    &ariza_core::clock::SystemClock,
                )
                .unwrap()
                .id
        };
        let kept = register("Gʻulomova", "Nodira", 1, "AB1111111");
        let typo = register("Гуломова", "Нодира", 2, "AB2222222");
        let form = serde_json::from_value(json!({"reason": "expired"})).unwrap();
        let filed = store
            .file_application(
                &admin,
                &ariza_core::application::FileRequest {
                    citizen_id: typo,
                    service_code: "id-card".into(),
                    form,
                    documents: Vec::new(),
                    receipt_locale: None,
                },
                &ariza_core::clock::SystemClock,
            )
            .unwrap()
            .id
            .to_string();
        (kept, typo, filed)
    };
    let (d, _driver) = start_desk(home.path(), &db, "merge");
    d.sign_in("aziza", "aziza-pass-1");
    d.find("#today");
    d.click("#nav-merge");
    d.clear_and_type("#merge-search", "Gulomova Nodira");
    d.find(&format!("#merge-keep-{typo}"));
    d.click(&format!("#merge-keep-{kept}"));
    d.click(&format!("#merge-drop-{typo}"));
    d.wait_for_text("#merge-summary", "Gʻulomova Nodira");
    d.clear_and_type("#merge-reason", "PINFL xato kiritilgan, pasport bitta");
    d.screenshot("merge-two-records");
    d.click("#merge-confirm");
    d.wait_for_text("#merge-done", "1 ta ariza");
    d.screenshot("merged");
    drop(d);
    drop(_driver);
    let store = ariza_e2e::desk::store_after_desk(&db);
    assert_eq!(store.application(&filed).unwrap().citizen_id, kept);
    assert!(store.citizen(typo).is_err(), "the merged record is gone");
    assert_eq!(store.merges_waiting().unwrap().len(), 1);
}

/// Launched a second time, the desk brings the running window forward and exits: on a private
/// D-Bus session bus, as on a clerk's desktop. The window says so.
#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn a_second_launch_brings_the_running_desk_forward() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    {
        let store = ariza_store::Store::open(&db).unwrap();
        set_up_tsh11(&store);
    }
    let mut bus = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("dbus-daemon (package dbus)");
    let address = {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        line.trim().to_string()
    };
    let env = [("DBUS_SESSION_BUS_ADDRESS", address.clone())];
    let (d, _driver) = start_desk_with(home.path(), &db, "single-instance", &env);
    d.sign_in("aziza", "aziza-pass-1");
    d.find("#today");
    let started = Instant::now();
    let second = std::process::Command::new(ariza_e2e::binary("ariza-desk"))
        .env("ARIZA_DB", &db)
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .output()
        .unwrap();
    assert!(second.status.success(), "{second:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the second launch exits, it does not stay open"
    );
    d.wait_for_text("#already-open", "allaqachon ochiq");
    d.screenshot("brought-forward");
    // The first is still the one working.
    d.click("#nav-queues");
    d.find("#queues");
    drop(d);
    drop(_driver);
    let _ = bus.kill();
    let _ = bus.wait();
}

/// axe-core inside the desk's own webview (WebKitGTK), on every screen, in all three themes:
/// no serious or critical violation anywhere. Screenshots of each under `axe/`.
#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn every_screen_passes_axe_in_every_theme() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    {
        let store = ariza_store::Store::open(&db).unwrap();
        let admin = set_up_tsh11(&store);
        ariza_e2e::desk::file(&store, &admin, 2);
    }
    let (d, _driver) = start_desk(home.path(), &db, "axe");
    d.find("#username");
    d.screenshot("sign-in");
    d.axe("sign-in");
    d.sign_in("aziza", "aziza-pass-1");
    d.find("#today");
    let mut checked = 0;
    for theme in ["light", "dark", "contrast"] {
        d.click("#nav-settings");
        d.click(&format!("#theme-{theme}"));
        d.wait_until(
            "return document.documentElement.dataset.theme === arguments[0]",
            json!([theme]),
            Duration::from_secs(10),
            "the theme did not change",
        );
        let screens: [(&str, &str); 7] = [
            ("#nav-today", "#today-list"),
            ("#nav-new", "#citizen-search"),
            ("#nav-queues", "#queues"),
            ("#nav-dashboard", "#dashboard"),
            ("#nav-merge", "#merge-citizens"),
            ("#nav-staff", "#staff"),
            ("#nav-settings", "#settings"),
        ];
        for (nav, shown) in screens {
            d.click(nav);
            d.find(shown);
            let name = format!("{theme}-{}", nav.trim_start_matches("#nav-"));
            d.screenshot(&name);
            d.axe(&name);
            checked += 1;
        }
        // An application's page, from today's list.
        d.click("#nav-today");
        d.click("#today-list tbody tr td.mono");
        d.find("#detail");
        d.screenshot(&format!("{theme}-detail"));
        d.axe(&format!("{theme}-detail"));
        checked += 1;
    }
    println!("axe: {checked} screens in the desk's webview, none with a serious violation");
}

fn seed_morning(db: &Path) -> Morning {
    use ariza_core::application::{FileRequest, Status};
    use ariza_core::citizen::{CitizenInput, Sex};
    use ariza_core::clock::{Clock, FixedClock, SystemClock};
    use ariza_core::document::DocumentKind;
    use ariza_core::staff::{NewStaff, Role};
    use ariza_core::wire::{
        Change, ChangeKind, ChangesResponse, ItemResult, Outcome, PushResponse,
    };
    use chrono::{Datelike, Duration as Days};

    let store = ariza_store::Store::open(db).unwrap();
    let now = SystemClock;
    let admin = set_up_tsh11(&store);
    for (username, full_name, role) in [
        ("malika", "Malika Yoʻldosheva", Role::Supervisor),
        ("bobur", "Bobur Toshmatov", Role::Clerk),
    ] {
        store
            .add_staff(
                &admin,
                &NewStaff {
                    username: username.into(),
                    full_name: full_name.into(),
                    role,
                    password: format!("{username}-pass-1"),
                },
                &now,
            )
            .unwrap();
    }
    let bobur = store.sign_in("bobur", "bobur-pass-1", &now).unwrap();
    let people = [
        (Sex::Male, "Gʻulomov", "Sherzod"),
        (Sex::Female, "Rahimova", "Nilufar"),
        (Sex::Male, "Qodirov", "Anvar"),
        (Sex::Female, "Saidova", "Zarina"),
        (Sex::Male, "Ergashev", "Jasur"),
        (Sex::Female, "Toʻxtayeva", "Madina"),
    ];
    let today = now.today();
    let month_ago = today - Days::days(30);
    let past = FixedClock::at_tashkent(month_ago.year(), month_ago.month(), month_ago.day(), 10, 0);
    let mut apps = Vec::new();
    for (i, (sex, surname, given)) in people.iter().enumerate() {
        let birth = chrono::NaiveDate::from_ymd_opt(1980 + i as i32, 3, 14).unwrap();
        let pinfl = ariza_core::pinfl::Pinfl::compose(*sex, birth, 26, 100 + i as u32);
        let citizen = store
            .register_citizen(
                &bobur,
                &CitizenInput {
                    pinfl: pinfl.as_str().to_string(),
                    document_kind: Some(DocumentKind::Passport),
                    document_number: format!("AB{:07}", 1_234_560 + i),
                    surname: (*surname).into(),
                    given_name: (*given).into(),
                    patronymic: String::new(),
                    birth_date: birth.format("%Y-%m-%d").to_string(),
                    sex: Some(*sex),
                    phone: String::new(),
                    region: "1726".into(),
                    district: "1726269".into(),
                    street: String::new(),
                },
                &now,
            )
            .unwrap();
        let req = FileRequest {
            citizen_id: citizen.id,
            service_code: "id-card".into(),
            form: serde_json::from_value(json!({"reason": "expired"})).unwrap(),
            documents: ariza_e2e::scans::required_documents(&store, "id-card", &now),
            receipt_locale: None,
        };
        // The last one was filed a month ago and is late by now.
        let clock: &dyn Clock = if i == people.len() - 1 { &past } else { &now };
        apps.push(store.file_application(&bobur, &req, clock).unwrap());
    }
    // The portal accepted all but the first two, and set the second aside.
    let result = |i: usize, outcome: Outcome| ItemResult {
        id: apps[i].id,
        outcome,
        code: (outcome == Outcome::Rejected).then(|| "invalid".into()),
        message_key: (outcome == Outcome::Rejected).then(|| "err-portal-invalid".into()),
        due_date: None,
    };
    store
        .apply_push(&PushResponse {
            results: vec![
                result(1, Outcome::Rejected),
                result(2, Outcome::Accepted),
                result(3, Outcome::Accepted),
                result(4, Outcome::Accepted),
                result(5, Outcome::Accepted),
            ],
            received_at: chrono::Utc::now(),
            audit_stored_to: None,
            audit_head: None,
            audit_refused: None,
            merges_recorded: Vec::new(),
        })
        .unwrap();
    // Decisions from the agencies: one returned for correction, one completed.
    for (n, (i, status)) in [
        (2, Status::InReview),
        (2, Status::Returned),
        (3, Status::InReview),
        (3, Status::Completed),
    ]
    .into_iter()
    .enumerate()
    {
        let seq = n as i64 + 1;
        store
            .apply_changes(&ChangesResponse {
                changes: vec![Change {
                    seq,
                    kind: ChangeKind::Decision,
                    at: chrono::Utc::now(),
                    actor: "agency".into(),
                    application_id: Some(apps[i].id),
                    status: Some(status),
                    reason: (status == Status::Returned)
                        .then(|| "Fotosurat talabga javob bermaydi".into()),
                    catalog: None,
                    staff: None,
                }],
                next_cursor: seq,
                bundle_keys: None,
            })
            .unwrap();
    }
    // A draft Bobur left open when the citizen went to fetch a paper.
    store
        .save_draft(
            &bobur,
            &ariza_store::DraftInput {
                citizen_id: Some(apps[0].citizen_id),
                service_code: Some("id-card".into()),
                ..ariza_store::DraftInput::default()
            },
            &now,
        )
        .unwrap();
    let t = |i: usize| apps[i].tracking_number.as_str().to_string();
    Morning {
        waiting: t(0),
        refused: t(1),
        returned: t(2),
        decided: t(3),
        delivered: t(4),
        late: t(5),
    }
}

#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn a_supervisors_morning() {
    use calamine::{Data, Reader, Xlsx};

    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    let m = seed_morning(&db);
    let (d, _driver) = start_desk(home.path(), &db, "supervisor");
    d.sign_in("malika", "malika-pass-1");
    d.find("#today");

    // At a glance: every queue's count (Alt+Q from anywhere).
    d.keys("\u{E00A}q\u{E00A}");
    d.find("#queues");
    for (queue, n) in [
        ("awaiting_delivery", "1"),
        ("quarantined", "1"),
        ("returned", "1"),
        ("overdue", "1"),
        ("to_hand_over", "1"),
        ("sent_back", "0"),
        ("drafts", "1"),
    ] {
        d.wait_for_text(&format!("#queue-count-{queue}"), n);
    }
    d.wait_for_text("#queue-list", &m.decided);
    d.screenshot("queues-at-a-glance");

    // Hand over: the decided application leaves its queue.
    d.click(&format!(
        "#queue-list tr[data-tracking='{}'] button.hand-over",
        m.decided
    ));
    d.wait_for_text("#queue-count-to_hand_over", "0");

    // Keyboard: the arrow keys move between queues; the portal's refusal is shown with its
    // reason, and "Send again" puts it back in the delivery queue.
    d.click("#queue-returned");
    d.wait_focus("#queue-returned");
    d.keys("\u{E012}");
    d.wait_focus("#queue-quarantined");
    d.wait_for_text("#queue-list", &m.refused);
    d.wait_for_text("#queue-list", "Portal");
    d.screenshot("quarantined-with-reason");
    d.click(&format!(
        "#queue-list tr[data-tracking='{}'] button.retry",
        m.refused
    ));
    d.wait_for_text("#queue-count-quarantined", "0");
    d.wait_for_text("#queue-count-awaiting_delivery", "2");

    // Returned by the agency: correct and file again. The old one is cancelled, a new one
    // with the corrected form waits for delivery.
    d.click("#queue-returned");
    d.click(&format!("#queue-list tr[data-tracking='{}'] a", m.returned));
    d.wait_for_text("#detail", &m.returned);
    d.click("#correct");
    d.wait_for_text("#correcting", &m.returned);
    d.select("#form-reason", "lost");
    d.screenshot("correcting-a-returned-application");
    d.click("#file-submit");
    d.find("#receipt");
    d.screenshot("corrected-receipt");
    d.click("#nav-queues");
    d.wait_for_text("#queue-count-returned", "0");
    d.wait_for_text("#queue-count-awaiting_delivery", "3");

    // Overdue: reassign to the administrator.
    d.click("#queue-overdue");
    d.click(&format!("#queue-list tr[data-tracking='{}'] a", m.late));
    d.wait_for_text("#detail", &m.late);
    d.select("#reassign-to", "aziza");
    d.click("#reassign-submit");
    d.wait_for_text("#detail-clerk", "→ aziza");
    d.wait_for_text("#history", "Boshqa xodimga berildi: aziza");

    // Sent back to Bobur with a note; an empty note is refused in Uzbek and changes nothing.
    d.click("#nav-today");
    d.click(&format!(
        "#today-list tr[data-tracking='{}'] td.mono",
        m.delivered
    ));
    d.wait_for_text("#detail", &m.delivered);
    d.click("#send-back-submit");
    d.wait_for_text("#send-back-form", "Sababini yozing");
    d.clear_and_type("#send-back-note", "Telefon raqamini fuqarodan soʻrang");
    d.click("#send-back-submit");
    d.wait_for_text("#sent-back-note", "Telefon raqamini fuqarodan soʻrang");
    d.wait_for_text("#history", "Xodimga qaytarildi");
    d.screenshot("sent-back-with-a-note");

    // Cancel with a reason: the application still waiting for delivery.
    d.click("#nav-today");
    d.click(&format!(
        "#today-list tr[data-tracking='{}'] td.mono",
        m.waiting
    ));
    d.clear_and_type("#cancel-reason", "Fuqaro arizasini qaytarib oldi");
    d.click("#cancel-submit");
    d.wait_for_text("#detail-status", "Bekor");

    // Drafts left open are listed with their clerk.
    d.click("#nav-queues");
    d.click("#queue-drafts");
    d.wait_for_text("#draft-list", "bobur");
    d.wait_for_text("#queue-count-sent_back", "1");
    d.screenshot("queues-after-the-morning");

    // The dashboard for the week, with its charts, then exports (Alt+D).
    d.keys("\u{E00A}d\u{E00A}");
    d.find("#dashboard");
    d.click("#period-week");
    d.wait_for_text("#kpi-filed", "6");
    d.wait_for_text("#table-by-service", "ID");
    d.wait_until(
        "const c = document.querySelector('#chart-by-service'); return !!c && c.width > 0;",
        json!([]),
        Duration::from_secs(10),
        "the chart drawn",
    );
    d.screenshot("dashboard-week");
    d.click("#export-xlsx");
    let xlsx = d.wait_for_text("#export-saved", ".xlsx");
    d.click("#export-report");
    let html = d.wait_for_text("#export-saved", ".html");
    d.screenshot("dashboard-exported");
    let path_in = |text: &str, ext: &str| -> PathBuf {
        let start = text.find('/').expect("a path in the message");
        let end = text.find(ext).expect("the extension") + ext.len();
        PathBuf::from(&text[start..end])
    };
    let xlsx = path_in(&xlsx, ".xlsx");
    assert!(
        xlsx.starts_with(home.path().join("exports")),
        "{}",
        xlsx.display()
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let total = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        total.get((0, 1)),
        Some(&Data::String("Topshirilgan".into()))
    );
    // Five filed this morning and the correction; the late one was filed a month ago.
    assert_eq!(
        total.get((1, 1)),
        Some(&Data::Float(6.0)),
        "six filed this week"
    );
    let report = std::fs::read_to_string(path_in(&html, ".html")).unwrap();
    assert!(report.contains("Xizmat koʻrsatish markazi hisoboti"));
    assert!(report.contains("Mirzo Ulugʻbek DXM"));

    // Bobur signs in: what was sent back waits for him, and he answers it.
    d.click("#sign-out");
    d.sign_in("bobur", "bobur-pass-1");
    d.wait_for_text("#my-returned", &m.delivered);
    d.screenshot("clerk-returned-to-me");
    d.click(&format!(
        "#my-returned li[data-tracking='{}'] a",
        m.delivered
    ));
    d.wait_for_text("#sent-back-note", "Telefon raqamini");
    d.clear_and_type("#answer-text", "Raqam tekshirildi");
    d.click("#answer-submit");
    d.wait_until(
        "return !document.querySelector('#sent-back-note');",
        json!([]),
        Duration::from_secs(10),
        "the note cleared",
    );
    d.wait_for_text("#history", "Raqam tekshirildi");
    d.screenshot("clerk-answered");

    // His draft: continued where he left it (citizen and service chosen), then filed; the
    // draft is gone.
    d.click("#nav-queues");
    d.click("#queue-drafts");
    d.click("#draft-list button.continue-draft");
    d.wait_for_text("#application-form", "Gʻulomov Sherzod");
    d.select("#form-reason", "first");
    d.click("#file-submit");
    d.find("#receipt");
    d.click("#nav-queues");
    d.wait_for_text("#queue-count-drafts", "0");
    d.call("DELETE", "", None);

    // Everything the morning did is in the audit trail, and the chain holds.
    drop(_driver);
    let store = ariza_e2e::desk::store_after_desk(&db);
    let actions: Vec<String> = store
        .audit_entries(200)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "application.handed_over",
        "application.retry",
        "application.correct",
        "application.reassign",
        "application.send_back",
        "application.cancel",
        "application.sent_back_done",
        "dashboard.export",
    ] {
        assert!(actions.contains(&a.to_string()), "{a} audited");
    }
    assert!(store.verify_audit().unwrap().ok());
}

/// An administrator required the OS keyring and none answers (there is no Secret Service
/// under Xvfb): the desk starts locked and says why, in the clerk's language; a staff
/// password opens it, and the status line then warns that no device key is kept.
#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn a_desk_that_requires_the_keyring_starts_locked_and_says_why() {
    use ariza_store::{DeviceKeyStore, Store};

    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let device = DeviceKeyStore::os_keyring(&db);
    {
        let store = Store::open_with(&db, &device).unwrap();
        let admin = set_up_tsh11(&store);
        let kept = store
            .set_require_os_keyring(&admin, true, &device, chrono::Utc::now())
            .unwrap();
        assert_eq!(
            kept, None,
            "no keyring answers under Xvfb: no device key is kept"
        );
    }
    assert!(!ariza_store::device_key_path(&db).exists());

    let (d, _driver) = start_desk(home.path(), &db, "keyring");
    d.find("#locked-db-note[data-reason='keyring-required']");
    d.wait_for_text("#locked-db-note", "Secret Service");
    d.wait_for_text("#locked-db-note", "Administrator");
    d.screenshot("locked-keyring-required");

    // A wrong password opens nothing; the right one opens the database.
    d.sign_in("aziza", "wrong-pass-1");
    d.find(".banner.error");
    d.clear_and_type("#password", "aziza-pass-1");
    d.click("#sign-in-submit");
    d.find("#today");
    d.wait_for_text("#device-key-warning", "Qurilma kaliti saqlanmayapti");
    d.click("#device-key-warning-button");
    d.wait_for_text("#device-key-explanation", "gnome-keyring");
    d.screenshot("no-device-key-kept-warning");
    assert!(
        !ariza_store::device_key_path(&db).exists(),
        "signing in under the rule writes no key file"
    );
}

/// The desk's database on a tmpfs of 8 MiB (a real small filesystem; mounting needs root, as
/// CI runs), filled to the last block by another program: the desk still signs in (small
/// writes reuse the WAL's room) and its status line warns that the disk is almost full. The
/// disk-full refusal itself is tested in `crates/ariza-store/tests/disk_full.rs` and through
/// the CLI (`cli.rs`), with the same message the desk shows for any store error.
#[test]
#[ignore = "needs a display, tauri-driver, the built desk and root (tmpfs): run by scripts/test.sh"]
fn the_status_line_warns_when_the_disk_is_almost_full() {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join("desk");
    std::fs::create_dir_all(&folder).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&folder)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount a tmpfs (run as root)");
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            // Lazy: the desk may still hold its files for a moment after it was killed.
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
        }
    }
    let _unmount = Unmount(folder.clone());
    let db = folder.join("ariza.db");
    {
        let store = ariza_store::Store::open(&db).unwrap();
        set_up_tsh11(&store);
    }
    let (d, _driver) = start_desk(home.path(), &db, "disk");
    d.find("#username");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(folder.join("other-program.tmp")).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
    }
    d.sign_in("aziza", "aziza-pass-1");
    d.find("#today");
    d.wait_for_text("#low-disk-space", "Disk deyarli toʻldi");
    d.screenshot("low-disk-space-warning");
}

/// Settings → Updates with a real portal: a package on a USB stick signed by another key is
/// refused with nothing installed; the portal's signed release is found, shown as ready (in
/// Settings and on the status line) and installed when the administrator agrees, into a dpkg
/// root (ARIZA_DPKG_ROOT) so the machine's own packages are not touched.
#[test]
#[ignore = "needs a display, tauri-driver and the built desk: run by scripts/test.sh"]
fn an_administrator_installs_a_signed_update_and_a_forged_one_is_refused() {
    use ariza_release::{Installer, TrustedKeys, fixtures, this_architecture};

    let portal = ariza_e2e::portal::TestPortal::start();
    let code = portal.center_and_code("TSH11");
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    let (public, secret) = fixtures::release_key();
    let keys = home.path().join("release-keys.pub");
    std::fs::write(&keys, &public).unwrap();
    let stick = home.path().join("stick");
    std::fs::create_dir_all(&stick).unwrap();
    {
        let store = ariza_store::Store::open(&db).unwrap();
        let admin = set_up_tsh11(&store);
        ariza_sync::Engine::new()
            .unwrap()
            .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
            .unwrap();
    }
    // The release team's package, published on the portal.
    let release = fixtures::package(home.path(), "ariza-desk", "0.2.0", this_architecture());
    let signature = std::fs::read_to_string(fixtures::sign(&release, &secret)).unwrap();
    portal
        .rt
        .block_on(ariza_portal::ops::releases::publish_release(
            &portal.portal,
            &release,
            &signature,
            "Tezroq qidiruv",
            &TrustedKeys::parse(&public).unwrap(),
        ))
        .unwrap()
        .unwrap();
    // A forged one on a stick: the same name, another key.
    let (_, forger) = fixtures::release_key();
    let forged = fixtures::package(&stick, "ariza-desk", "0.9.0", this_architecture());
    fixtures::sign(&forged, &forger);

    let root = home.path().join("dpkg-root");
    let (d, _driver) = start_desk_with(
        home.path(),
        &db,
        "update",
        &[
            ("ARIZA_RELEASE_KEYS", keys.display().to_string()),
            ("ARIZA_DPKG_ROOT", root.display().to_string()),
        ],
    );
    d.sign_in("aziza", "aziza-pass-1");
    d.click("#nav-settings");
    d.wait_for_text("#update-installed", env!("CARGO_PKG_VERSION"));
    d.call(
        "POST",
        "/execute/sync",
        Some(json!({"script": "document.getElementById('updates').scrollIntoView()", "args": []})),
    );
    d.screenshot("updates");

    d.clear_and_type("#update-file-path", &forged.display().to_string());
    d.click("#update-file-install");
    d.wait_for_text("#updates .banner.error", "imzosi haqiqiy emas");
    d.screenshot("forged-refused");
    assert_eq!(
        ariza_release::installed_version(&Installer::Root(root.clone())),
        None
    );

    // Online, through Tauri's updater: a package whose bytes were changed on the portal fails
    // its signature check at download, and nothing is offered.
    portal.execute("UPDATE desk_release SET package = package || '\\x00'::bytea");
    // Away and back, so the file's refusal above is gone before the portal's is awaited.
    d.click("#nav-today");
    d.find("#today");
    d.click("#nav-settings");
    d.find("#update-check");
    assert_eq!(
        d.js(
            "return document.querySelectorAll('#updates .banner.error').length",
            json!([])
        ),
        json!(0)
    );
    d.click("#update-check");
    d.wait_for_text("#updates .banner.error", "imzosi haqiqiy emas");
    assert_eq!(
        d.js(
            "return document.querySelectorAll('#update-ready').length",
            json!([])
        ),
        json!(0),
        "a forged download is never offered"
    );
    d.screenshot("forged-download-refused");
    portal.execute(
        "UPDATE desk_release SET package = substring(package from 1 for length(package) - 1)",
    );

    d.click("#update-check");
    d.wait_for_text("#update-ready", "0.2.0");
    d.wait_for_text("#update-ready", "Tezroq qidiruv");
    d.wait_for_text("#update-ready-note", "0.2.0");
    d.screenshot("update-ready");
    d.axe("update-ready");

    d.click("#update-install");
    d.wait_for_text("#update-done", "0.2.0 versiyasi oʻrnatildi");
    d.find("#update-restart");
    d.screenshot("update-installed");
    assert_eq!(
        ariza_release::installed_version(&Installer::Root(root.clone())).as_deref(),
        Some("0.2.0")
    );
    drop(d);
    drop(_driver);
    let store = ariza_e2e::desk::store_after_desk(&db);
    let updates: Vec<_> = store
        .audit_entries(50)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "desk.update")
        .collect();
    assert_eq!(updates.len(), 1, "one install, by the administrator");
    assert_eq!(updates[0].actor, "aziza");
}
