//! A WebDriver client for the GUI tests — one keep-alive connection to `tauri-driver`, which
//! starts the real desk in WebKitGTK — and for the portal's pages in Chromium (chromedriver); element lookups that wait, clicks that retry, typing,
//! scripts and screenshots that wait for the frame to show the DOM.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Shared by the desk's GUI tests and the portal's browser tests: each uses part of it.
#![allow(dead_code)]

mod pages;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    agent: ureq::Agent,
    base: String,
    session: String,
    shots: PathBuf,
    shot_no: std::cell::Cell<usize>,
    /// Where screenshots come from: the desk's are read from the X display, Chromium's from
    /// WebDriver.
    grab: Grab,
    /// The browser's driver, when the session owns it (Chromium): a field drops after
    /// `Driver::drop` has ended the session, so the browser is closed before its driver stops.
    /// A guard held beside the `Driver` in a `let (d, guard)` pattern drops first, and a
    /// chromedriver stopped first leaves its Chromium running.
    owned_driver: Option<KillOnDrop>,
}

/// Ends the session, which closes the desk (or Chromium) the session started: a desk left
/// running would keep its store's writer lock, and a browser would be left behind.
impl Drop for Driver {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self.agent.delete(&url).call();
    }
}

/// The desk's WebKitGTK runs without accelerated compositing (P7), and in that mode
/// WebKitWebDriver's screenshot command never answers after the first; the pixels the X
/// server shows are the same ones a clerk sees, so the desk's screenshots are taken there.
#[derive(Clone, Copy)]
enum Grab {
    WebDriver,
    XDisplay,
}

impl Driver {
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
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

    pub fn find(&self, css: &str) -> String {
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
    pub fn click(&self, css: &str) {
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

    /// Signs in on the sign-in screen.
    pub fn sign_in(&self, username: &str, password: &str) {
        self.clear_and_type("#username", username);
        self.clear_and_type("#password", password);
        self.click("#sign-in-submit");
    }

    pub fn clear_and_type(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), None);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Polls a script until it returns true, for at most `limit`; returns how long it took.
    pub fn wait_until(&self, script: &str, args: Value, limit: Duration, what: &str) -> Duration {
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
    pub fn wait_focus(&self, css: &str) {
        self.wait_until(
            "return document.activeElement && document.activeElement.matches(arguments[0])",
            json!([css]),
            Duration::from_secs(10),
            &format!("{css} never got the focus"),
        );
    }

    /// Sends keys to whatever has focus, as a person at the keyboard would.
    pub fn keys(&self, text: &str) {
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

    pub fn text(&self, css: &str) -> String {
        let id = self.find(css);
        self.call("GET", &format!("/element/{id}/text"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn select(&self, css: &str, value: &str) {
        self.find(css);
        self.js(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1];
             s.dispatchEvent(new Event('change', { bubbles: true })); return s.value",
            json!([css, value]),
        );
    }

    pub fn js(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    pub fn wait_for_text(&self, css: &str, needle: &str) -> String {
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
    pub fn screenshot(&self, name: &str) -> PathBuf {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));", "args": []})),
        );
        let png = match self.grab {
            Grab::WebDriver => {
                let b64 = self.call("GET", "/screenshot", None);
                base64::engine::general_purpose::STANDARD
                    .decode(b64.as_str().unwrap())
                    .unwrap()
            }
            Grab::XDisplay => x_display_png(),
        };
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

/// The X display's whole screen (Xvfb's, where the desk's window is the only one) as PNG.
fn x_display_png() -> Vec<u8> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat};
    let (conn, screen_no) = x11rb::connect(None).expect("the X display (xvfb-run)");
    let screen = &conn.setup().roots[screen_no];
    let (width, height) = (screen.width_in_pixels, screen.height_in_pixels);
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, width, height, !0)
        .unwrap()
        .reply()
        .unwrap();
    assert_eq!(image.depth, 24, "a 24-bit screen (-screen 0 WxHx24)");
    // Z-pixmap at depth 24 is 32 bits a pixel, blue first.
    let rgb: Vec<u8> = image
        .data
        .chunks_exact(4)
        .flat_map(|p| [p[2], p[1], p[0]])
        .collect();
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, u32::from(width), u32::from(height));
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .unwrap()
        .write_image_data(&rgb)
        .unwrap();
    png
}

pub struct KillOnDrop(Child);

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

/// The desk under test: ARIZA_DESK_BINARY (the start-up benchmark points it at the release
/// build), else the debug build beside the tests.
pub fn desk_binary() -> PathBuf {
    std::env::var_os("ARIZA_DESK_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| ariza_e2e::binary("ariza-desk"))
}

/// Starts tauri-driver and a WebDriver session on the desk with its database at `db`; the
/// returned guard stops the driver (and with it the desk).
pub fn start_desk(home: &Path, db: &Path, shots_name: &str) -> (Driver, KillOnDrop) {
    start_desk_with(home, db, shots_name, &[])
}

/// [`start_desk`] with more of the desk's environment (a session bus, say).
pub fn start_desk_with(
    home: &Path,
    db: &Path,
    shots_name: &str,
    env: &[(&str, String)],
) -> (Driver, KillOnDrop) {
    let desk = desk_binary();
    assert!(
        desk.exists(),
        "build the desk first: cargo build -p ariza-desk ({})",
        desk.display()
    );
    let shots = fresh_shots_dir(shots_name);

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
        .env("ARIZA_EXPORTS", home.join("exports"))
        // The receipt is checked as a file; no PDF viewer is opened under Xvfb.
        .env("ARIZA_NO_VIEWER", "1")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tauri-driver (cargo install tauri-driver)");
    let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": desk}}}});
    open_session(KillOnDrop(driver), port, caps, shots, Grab::XDisplay)
}

/// `test-output/screenshots/NAME` (or under ARIZA_SCREENSHOTS), emptied for this run.
fn fresh_shots_dir(name: &str) -> PathBuf {
    let root = std::env::var("ARIZA_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| ariza_e2e::workspace_root().join("test-output/screenshots"));
    let shots = root.join(name);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// Waits for the WebDriver server started on `port` (kept by `guard`) and opens a session
/// with `caps`.
fn open_session(
    guard: KillOnDrop,
    port: u16,
    caps: Value,
    shots: PathBuf,
    grab: Grab,
) -> (Driver, KillOnDrop) {
    let base = format!("http://127.0.0.1:{port}");
    // One keep-alive connection for the whole test: closing it per request made tauri-driver
    // drop requests now and then.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(20);
    while agent.get(&format!("{base}/status")).call().is_err() {
        assert!(
            Instant::now() < deadline,
            "the WebDriver server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut r = agent
        .post(&format!("{base}/session"))
        .send_json(caps)
        .expect("new session");
    let v: Value = r.body_mut().read_json().unwrap();
    let session = v["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {v}"))
        .to_string();
    (
        Driver {
            agent,
            base,
            session,
            shots,
            shot_no: std::cell::Cell::new(0),
            grab,
            owned_driver: None,
        },
        guard,
    )
}

impl Driver {
    /// Opens `url` in the browser.
    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// The page's address now.
    pub fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Sets the window's size in CSS pixels (a phone's width, a desk's screen).
    pub fn window(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    /// Presses one key (a WebDriver key code such as [`TAB`] or [`ENTER`]) wherever the focus
    /// is, as a person at the keyboard would: no element is named.
    pub fn press(&self, key: &str) {
        self.call(
            "POST",
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                    {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
                ]}]}),
            ),
        );
    }

    /// Zooms the page as the browser's zoom does (`percent` of 100): the same window shows a
    /// layout that many times narrower, drawn that many times larger. Chromium only (CDP).
    pub fn zoom(&self, percent: u32) {
        let (width, height) = (1280 * 100 / percent, 900 * 100 / percent);
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(
                json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                    "width": width, "height": height,
                    "deviceScaleFactor": f64::from(percent) / 100.0, "mobile": false
                }}),
            ),
        );
    }

    /// Runs axe-core (ui/node_modules/axe-core) on the page as it is: every violation, each as
    /// `{id, impact, help, nodes}`, also saved beside the screenshots as `axe-NAME.json`.
    pub fn axe_violations(&self, name: &str) -> Vec<Value> {
        let source = std::fs::read_to_string(
            ariza_e2e::workspace_root().join("ui/node_modules/axe-core/axe.min.js"),
        )
        .expect("axe-core: run npm ci in ui/");
        self.js(&source, json!([]));
        let result = self.call(
            "POST",
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[0]; axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) })))).catch(e => done({ error: String(e) }));",
                "args": []
            })),
        );
        std::fs::write(
            self.shots.join(format!("axe-{name}.json")),
            serde_json::to_string_pretty(&result).unwrap(),
        )
        .unwrap();
        assert!(
            result.get("error").is_none(),
            "axe failed on {name}: {result}"
        );
        result.as_array().cloned().unwrap_or_default()
    }

    /// [`Driver::axe_violations`], failing on any serious or critical one.
    pub fn axe(&self, name: &str) -> usize {
        let violations = self.axe_violations(name);
        let serious: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            serious.is_empty(),
            "{name}: serious or critical accessibility violations: {serious:#?}"
        );
        println!("axe {name}: {} minor violations", violations.len());
        violations.len()
    }
}

/// WebDriver's key codes.
pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";

/// Starts Debian's chromedriver and a headless Chromium session (never a downloaded
/// browser). Dropping the `Driver` ends the session, which closes the browser, and then stops
/// the driver.
pub fn start_chromium(shots_name: &str) -> Driver {
    let shots = fresh_shots_dir(shots_name);
    let profile = tempfile::tempdir().unwrap().keep();
    let port = free_port();
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{chromedriver} (apt install chromium-driver): {e}"));
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.display()),
            ]
        }
    }}});
    let (mut session, guard) = open_session(KillOnDrop(driver), port, caps, shots, Grab::WebDriver);
    session.owned_driver = Some(guard);
    session
}
