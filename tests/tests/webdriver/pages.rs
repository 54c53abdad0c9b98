//! What the portal's page tests do in Chromium: wait for a text, read the page, fetch and
//! post from inside it (with its cookies), sign in and out.

use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use super::Driver;

impl Driver {
    /// Waits until `css` shows `needle`, reading it in the page: a page that navigates meanwhile
    /// is read again, never a stale element.
    pub fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let t = self
                .js(
                    "const e = document.querySelector(arguments[0]); return e ? (e.innerText || e.textContent) : ''",
                    json!([css]),
                )
                .as_str()
                .unwrap_or_default()
                .to_string();
            if t.contains(needle) {
                return t;
            }
            if std::time::Instant::now() > deadline {
                self.screenshot("FAILED");
                panic!("{css} never showed {needle:?}; it shows {t:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page's HTML as it is now.
    pub fn html(&self) -> String {
        self.js("return document.documentElement.outerHTML", json!([]))
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Fetches `path` from inside the page (with its cookies) and returns (status, base64 body).
    pub fn fetch(&self, path: &str) -> (u16, Vec<u8>) {
        let v = self.call(
            "POST",
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[1]; fetch(arguments[0], { credentials: 'same-origin' })
                    .then(async r => { const b = new Uint8Array(await r.arrayBuffer()); let s = '';
                        for (const x of b) s += String.fromCharCode(x); done([r.status, btoa(s)]); })
                    .catch(e => done([0, String(e)]));",
                "args": [path]
            })),
        );
        let status = v[0].as_u64().unwrap() as u16;
        assert_ne!(status, 0, "fetch {path}: {}", v[1]);
        let body = base64::engine::general_purpose::STANDARD
            .decode(v[1].as_str().unwrap())
            .unwrap();
        (status, body)
    }

    /// Posts a form from inside the page; the status (300 for any redirect, which a page's
    /// `fetch` may not read further).
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> u16 {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        self.call(
            "POST",
            "/execute/async",
            Some(json!({
                "script": "const done = arguments[2]; fetch(arguments[0], { method: 'POST', redirect: 'manual',
                    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: arguments[1],
                    credentials: 'same-origin' }).then(r => done(r.type === 'opaqueredirect' ? 300 : r.status)).catch(e => done(0));",
                "args": [path, body]
            })),
        )
        .as_u64()
        .unwrap() as u16
    }

    /// Signs in on the portal's sign-in page.
    pub fn sign_in_portal(&self, base: &str, username: &str, password: &str) {
        self.goto(&format!("{base}/sign-in"));
        self.clear_and_type("#username", username);
        self.clear_and_type("#password", password);
        self.click("#sign-in-submit");
    }

    /// Signs out with the header's button.
    pub fn sign_out(&self) {
        self.click("form.sign-out button");
        self.find("a.sign-in");
    }

    /// Chooses a file in a file input, as a person picking it in the dialog would.
    pub fn choose_file(&self, css: &str, path: &std::path::Path) {
        let id = self.find(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": path.display().to_string()})),
        );
    }
}
