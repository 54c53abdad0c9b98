//! GUI end to end: the real `ariza-desk` binary in WebKitGTK under Xvfb, driven through
//! WebDriver (`tauri-driver` + Debian's `WebKitWebDriver`). Screenshots of every screen go to
//! `test-output/screenshots/` (or ARIZA_SCREENSHOTS).
//!
//! Screenshots: `filing/` (a clerk's day, offline) and `sync/` (delivery to a real portal).
//!
//! Run through `scripts/test.sh`, which builds the desk and starts Xvfb; alone:
//! `xvfb-run -a cargo test -p ariza-e2e --test gui -- --ignored --nocapture`.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    agent: ureq::Agent,
    base: String,
    session: String,
    shots: PathBuf,
    shot_no: std::cell::Cell<usize>,
}

impl Driver {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let v: Value = resp.body_mut().read_json().unwrap();
        v["value"].clone()
    }

    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            let r = self
                .agent
                .post(&url)
                .config()
                .http_status_as_error(false)
                .build()
                .send_json(json!({"using": "css selector", "value": css}));
            if let Ok(mut r) = r {
                let v: Value = r.body_mut().read_json().unwrap_or(Value::Null);
                if let Some(id) = v["value"][ELEMENT].as_str() {
                    return id.to_string();
                }
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED");
                panic!("no element {css}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks, retrying briefly: a list that re-renders after loading replaces its rows, and a
    /// click on the old row is refused as stale.
    fn click(&self, css: &str) {
        for _ in 0..20 {
            let id = self.find(css);
            let url = format!("{}/session/{}/element/{id}/click", self.base, self.session);
            let r = self
                .agent
                .post(&url)
                .config()
                .http_status_as_error(false)
                .build()
                .send_json(json!({}));
            match r {
                Ok(r) if r.status().is_success() => return,
                Ok(mut r) => eprintln!(
                    "click {css}: {}",
                    r.body_mut().read_to_string().unwrap_or_default()
                ),
                Err(e) => eprintln!("click {css}: {e}"),
            }
            std::thread::sleep(Duration::from_millis(150));
        }
        self.screenshot("FAILED");
        panic!("could not click {css}");
    }

    fn clear_and_type(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), None);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Polls a script until it returns true, for at most `limit`; returns how long it took.
    fn wait_until(&self, script: &str, args: Value, limit: Duration, what: &str) -> Duration {
        let started = Instant::now();
        while !self.js(script, args.clone()).as_bool().unwrap_or(false) {
            if started.elapsed() > limit {
                self.screenshot("FAILED");
                panic!("{what}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        started.elapsed()
    }

    /// Waits until the element has the keyboard focus, as a clerk waits for the cursor.
    fn wait_focus(&self, css: &str) {
        self.wait_until(
            "return document.activeElement && document.activeElement.matches(arguments[0])",
            json!([css]),
            Duration::from_secs(10),
            &format!("{css} never got the focus"),
        );
    }

    /// Sends keys to whatever has focus, as a person at the keyboard would.
    fn keys(&self, text: &str) {
        let id = self.js("return document.activeElement", json!([]));
        let id = id[ELEMENT]
            .as_str()
            .expect("something has focus")
            .to_string();
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn select(&self, css: &str, value: &str) {
        self.find(css);
        self.js(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1];
             s.dispatchEvent(new Event('change', { bubbles: true })); return s.value",
            json!([css, value]),
        );
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let t = self.text(css);
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                self.screenshot("FAILED");
                panic!("{css} never showed {needle:?}; it shows {t:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits two animation frames so the picture shows the DOM as it is now.
    fn screenshot(&self, name: &str) -> PathBuf {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", "args": []})),
        );
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.len() > 1000, "{name}: empty screenshot");
        self.shot_no.set(self.shot_no.get() + 1);
        let path = self
            .shots
            .join(format!("{:02}-{name}.png", self.shot_no.get()));
        std::fs::write(&path, png).unwrap();
        println!("screenshot {}", path.display());
        path
    }
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    /// SIGTERM first: tauri-driver then stops the WebKitWebDriver it started, which SIGKILL
    /// would leave running (and holding its port) for the next run.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(4444)
}

fn tauri_driver() -> PathBuf {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cached = Path::new(&home).join(".cache/ariza-tools/bin/tauri-driver");
    if cached.exists() {
        cached
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// Starts tauri-driver and a WebDriver session on the desk with its database at `db`; the
/// returned guard stops the driver (and with it the desk).
fn start_desk(home: &Path, db: &Path, shots_name: &str) -> (Driver, KillOnDrop) {
    let desk = ariza_e2e::binary("ariza-desk");
    assert!(
        desk.exists(),
        "build the desk first: cargo build -p ariza-desk ({})",
        desk.display()
    );
    let root = std::env::var("ARIZA_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| ariza_e2e::workspace_root().join("test-output/screenshots"));
    let shots = root.join(shots_name);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    // The desk inherits tauri-driver's environment: point its database and XDG folders into
    // the temporary home before starting the driver.
    let port = free_port();
    let native_port = free_port();
    let driver = Command::new(tauri_driver())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("ARIZA_DB", db)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tauri-driver (cargo install tauri-driver)");
    let guard = KillOnDrop(driver);
    let base = format!("http://127.0.0.1:{port}");
    // One keep-alive connection for the whole test: closing it per request made tauri-driver
    // drop requests now and then.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(20);
    while agent.get(&format!("{base}/status")).call().is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": desk}}}});
    let mut r = agent
        .post(&format!("{base}/session"))
        .send_json(caps)
        .expect("new session");
    let v: Value = r.body_mut().read_json().unwrap();
    let session = v["value"]["sessionId"]
        .as_str()
        .expect("session id")
        .to_string();
    (
        Driver {
            agent,
            base,
            session,
            shots,
            shot_no: std::cell::Cell::new(0),
        },
        guard,
    )
}

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
    d.clear_and_type("#username", "aziza");
    d.clear_and_type("#password", "wrong-pass");
    d.click("#sign-in-submit");
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

    // New application (Alt+N): no such citizen yet, so register one, in Latin.
    d.click("#nav-new");
    d.clear_and_type("#citizen-search", "Gʻulomov");
    d.wait_for_text("#citizen-step", "Fuqaro topilmadi");
    d.keys("\u{E007}"); // nobody found: Enter opens the registration form
    d.wait_focus("#surname");
    d.clear_and_type("#surname", "G'ulomov");
    d.clear_and_type("#given_name", "Sherzod");
    d.clear_and_type("#patronymic", "Akmalovich");
    d.clear_and_type("#birth_date", "1990-05-12");
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
    d.screenshot("application-form");
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
    d.screenshot("receipt");

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
    let history = d.text("#history");
    assert!(
        history.contains("Fuqaro fikridan qaytdi") && history.contains("Aziza Karimova"),
        "{history}"
    );
    d.screenshot("cancelled-detail");

    // The clerk signs in: no staff screen, and the core refuses to let her cancel an
    // application someone else filed.
    d.click("#sign-out");
    d.clear_and_type("#username", "dilnoza");
    d.clear_and_type("#password", "dilnoza-pass-1");
    d.click("#sign-in-submit");
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
    let store = ariza_store::Store::open(&db).unwrap();
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
    d.clear_and_type("#username", "aziza");
    d.clear_and_type("#password", "aziza-pass-1");
    d.click("#sign-in-submit");
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
