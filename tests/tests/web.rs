//! The portal on the web in a real browser: Debian's Chromium, headless, driven through
//! chromedriver, against a real portal on its own PostgreSQL database, with a real desk
//! delivering to it. axe-core checks every page; screenshots of every page go to
//! `test-output/screenshots/web/` (or ARIZA_SCREENSHOTS).
//!
//! An agency's morning (sign in, the queue, open, take into review, reject with a reason,
//! return with a note, complete, take many into review), the decisions arriving at the desk
//! through the feed; an operator's report, map and exports (the XLSX read back); a regional
//! operator kept to their region; a citizen's status lookup — a mistyped number refused on
//! the page before any request, an unknown number and a wrong code answered alike, nothing
//! personal in any answer; CSRF refused, another agency's application not found, a
//! signed-out session refused.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod webdriver;

use ariza_core::application::Status;
use ariza_e2e::desk::{enrolled_desk, file, file_with_documents};
use ariza_e2e::portal::TestPortal;
use ariza_store::Store;
use serde_json::json;

use webdriver::start_chromium;

/// What must never be on the status page: every name, PINFL and document number the desk
/// filed (the test citizens are the desk helpers' own).
fn personal_data(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for s in store
        .list_applications(&ariza_store::ListFilter::default())
        .unwrap()
    {
        let app = store.application(&s.id.to_string()).unwrap();
        let citizen = store.citizen(app.citizen_id).unwrap();
        out.push(citizen.data.pinfl.as_str().to_string());
        out.push(citizen.data.document_number.clone());
        out.push(citizen.data.surname.clone());
        out.push(citizen.data.given_name.clone());
    }
    out.sort();
    out.dedup();
    out
}

fn assert_nothing_personal(html: &str, personal: &[String], what: &str) {
    for p in personal {
        assert!(!html.contains(p.as_str()), "{what} shows {p}");
    }
}

#[test]
fn agencies_operators_and_citizens_on_the_web() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "tsh07");
    let ids = file(&store, &admin, 7);
    let pdf = ariza_e2e::desk::large_pdf(40_000, 7);
    let (with_documents, _) = file_with_documents(&store, &admin, &pdf);
    // Push the records, then let the documents lane take the scans.
    for _ in 0..20 {
        engine.sync_once(&store).unwrap();
        if store.sync_status().unwrap().documents.waiting == 0 {
            break;
        }
    }
    assert_eq!(store.sync_status().unwrap().backlog, 0);
    portal.add_user("iiv1", "agency", Some("iiv"), "iiv-pass-123");
    portal.add_user("adliya1", "agency", Some("minjust"), "adliya-pass-1");
    portal.add_user("op1", "operator", None, "op-pass-123");
    portal.add_user("andijon1", "operator", None, "andijon-pass-1");
    portal.rt.block_on(async {
        ariza_portal::ops::users::set_user_region(&portal.portal, "andijon1", Some("1703"), "test")
            .await
            .unwrap()
    });
    let personal = personal_data(&store);
    assert!(personal.len() >= 4);
    let base = portal.url.replace("127.0.0.1", "localhost");
    let d = start_chromium("web");

    // ── A citizen checks the application on the status page. ──
    let first = store.application(&ids[0]).unwrap();
    let tracking = first.tracking_number.as_str().to_string();
    let code = first.receipt_code.clone().expect("a receipt code");
    // Chromium asks for English; the portal's default, Uzbek Latin, is one click away.
    d.goto(&format!("{base}/status"));
    d.wait_text("h1", "Application status");
    d.goto(&format!("{base}/lang?to=uz-Latn&back=/status"));
    d.wait_text("h1", "Ariza holati");
    d.screenshot("status-empty");
    d.axe("status-empty");
    // The control: axe does see what is wrong (an image with no text, an unlabeled field).
    d.js(
        "document.body.insertAdjacentHTML('beforeend', '<img src=\"/assets/none.png\"><input id=\"unlabeled\">')",
        json!([]),
    );
    let seen: Vec<String> = d
        .axe_violations("control")
        .iter()
        .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        seen.contains(&"image-alt".to_string()) && seen.contains(&"label".to_string()),
        "{seen:?}"
    );
    d.goto(&format!("{base}/status"));
    // A mistyped number: one character changed, caught on the page — nothing is sent (the
    // marker set on this page survives only if the page did not navigate).
    let mut mistyped: Vec<char> = tracking.chars().collect();
    let last = mistyped.len() - 1;
    mistyped[last - 2] = if mistyped[last - 2] == '1' { '2' } else { '1' };
    let mistyped: String = mistyped.into_iter().collect();
    d.js("window.__notSent = true", json!([]));
    d.clear_and_type("#tracking", &mistyped);
    d.clear_and_type("#code", &code);
    d.click("#lookup-submit");
    d.wait_text("#tracking-error", "xato");
    assert_eq!(
        d.js("return window.__notSent === true", json!([])),
        json!(true)
    );
    assert_eq!(
        d.js("return document.activeElement.id", json!([])),
        json!("tracking")
    );
    d.screenshot("status-mistyped");
    d.axe("status-mistyped");
    // The right pair: service, center, status, dates — nothing personal.
    d.clear_and_type("#tracking", &tracking);
    d.click("#lookup-submit");
    d.wait_text("#lookup-result", &tracking);
    let shown = d.text("#lookup-result");
    assert!(
        shown.contains("Yetkazildi")
            || shown.contains("Delivered")
            || shown.contains("Yetkazilgan"),
        "{shown}"
    );
    assert!(shown.contains("Test DXM"), "{shown}");
    assert_nothing_personal(&d.html(), &personal, "the status page");
    d.screenshot("status-found");
    d.axe("status-found");
    // An unknown number (a valid check character) and a wrong code: the same answer.
    let unknown = ariza_core::tracking::TrackingNumber::new(
        "tsh07",
        chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        9,
        12345,
    );
    d.clear_and_type("#tracking", unknown.as_str());
    d.clear_and_type("#code", &code);
    d.click("#lookup-submit");
    let unknown_answer = d.wait_text("#lookup-not-found", "topilmadi");
    d.screenshot("status-unknown");
    d.axe("status-unknown");
    d.clear_and_type("#tracking", &tracking);
    d.clear_and_type("#code", "ZZZZ-ZZZZ");
    d.click("#lookup-submit");
    let wrong_code_answer = d.wait_text("#lookup-not-found", "topilmadi");
    assert_eq!(unknown_answer, wrong_code_answer);
    assert_nothing_personal(&d.html(), &personal, "the status page");
    // A receipt's QR code fills both in from the fragment.
    d.goto(&format!("{base}/status#n={tracking}&c={code}"));
    d.find("#lookup-form");
    assert_eq!(
        d.js(
            "return document.getElementById('tracking').value",
            json!([])
        ),
        json!(tracking)
    );
    // On a phone's width, in Russian.
    d.window(390, 844);
    d.goto(&format!("{base}/lang?to=ru&back=/status"));
    d.wait_text("h1", "Статус заявления");
    d.screenshot("status-phone-ru");
    d.axe("status-phone-ru");
    d.goto(&format!("{base}/lang?to=uz-Latn&back=/"));
    d.window(1280, 900);

    // ── An agency's morning. ──
    d.sign_in_portal(&base, "iiv1", "wrong-password");
    d.wait_text("#sign-in-error", "notoʻgʻri");
    d.screenshot("sign-in-refused");
    d.axe("sign-in-refused");
    d.sign_in_portal(&base, "iiv1", "iiv-pass-123");
    d.wait_text("h1", "Arizalar navbati");
    d.wait_text("table.queue caption", "8");
    d.screenshot("agency-queue");
    d.axe("agency-queue");
    // Search by tracking number.
    d.clear_and_type("#f-tracking", &tracking);
    d.click("#queue-filter");
    d.wait_text("table.queue caption", "1");
    // Open it, take it into review, then reject it with a reason.
    d.click("table.queue tbody a");
    d.wait_text("h1", &tracking);
    d.screenshot("agency-application");
    d.axe("agency-application");
    d.click("#take-into-review");
    d.wait_text("#decision-done", "Koʻrib chiqilmoqda");
    d.clear_and_type("#reject-reason", "Pasport nusxasi oʻqilmaydi");
    d.click("#reject");
    d.wait_text("#application-status", "Rad etilgan");
    d.screenshot("agency-rejected");
    // The application with documents: its scans, viewable.
    d.goto(&format!("{base}/agency/applications/{with_documents}"));
    d.find("ul.documents img");
    d.js(
        "document.getElementById('documents-title').scrollIntoView()",
        json!([]),
    );
    d.screenshot("agency-documents");
    d.axe("agency-documents");
    let (status, bytes) = d.fetch(&format!(
        "/agency/applications/{with_documents}/documents/{}",
        hex_sha(&pdf)
    ));
    assert_eq!((status, bytes == pdf), (200, true), "the PDF as filed");
    // Return the second with a note, take the rest into review at once, complete two.
    d.goto(&format!("{base}/agency/applications/{}", ids[1]));
    d.click("#take-into-review");
    d.wait_text("#decision-done", "Koʻrib chiqilmoqda");
    d.clear_and_type("#return-reason", "Toʻlov kvitansiyasi yetishmaydi");
    d.click("#return");
    d.wait_text("#application-status", "qaytarilgan");
    d.goto(&format!("{base}/agency?status=new"));
    d.js(
        "document.querySelectorAll('#bulk-review input[type=checkbox]').forEach(c => c.checked = true)",
        json!([]),
    );
    d.screenshot("agency-bulk-selected");
    d.click("#bulk-review-submit");
    d.wait_text("#queue-done", "6");
    d.screenshot("agency-bulk-done");
    d.axe("agency-bulk-done");
    for id in &ids[2..4] {
        d.goto(&format!("{base}/agency/applications/{id}"));
        d.click("#complete");
        d.wait_text("#application-status", "Bajarilgan");
    }
    // CSRF: a decision without the session's token changes nothing.
    let refused = d.post_form(
        &format!("/agency/applications/{}/decide", ids[4]),
        &[("csrf", "not-the-token"), ("status", "completed")],
    );
    assert_eq!(refused, 403);
    let csrf = d
        .js(
            "return document.querySelector('input[name=csrf]').value",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        d.post_form(
            &format!("/agency/applications/{}/decide", ids[4]),
            &[("status", "completed")]
        ),
        403
    );
    let status_of = |id: &str| -> String {
        portal.scalar(
            "SELECT status FROM application WHERE id = $1",
            &[&uuid::Uuid::parse_str(id).unwrap()],
        )
    };
    assert_eq!(status_of(&ids[4]), "in_review");
    // The session's own token works from the same page (the control).
    assert_eq!(
        d.post_form(
            &format!("/agency/applications/{}/decide", ids[4]),
            &[("csrf", &csrf), ("status", "completed")]
        ),
        300
    );
    assert_eq!(status_of(&ids[4]), "completed");
    // A signed-out session opens nothing, even with its old cookie.
    let cookie = d.call("GET", "/cookie/ariza_session", None)["value"]
        .as_str()
        .unwrap()
        .to_string();
    d.sign_out();
    let old = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/agency", portal.url))
        .header("cookie", format!("ariza_session={cookie}"))
        .send()
        .unwrap();
    assert_eq!(old.status().as_u16(), 303);
    assert!(
        old.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sign-in")
    );

    // The decisions reach the desk through the feed.
    engine.sync_once(&store).unwrap();
    let on_desk = |id: &str| store.application(id).unwrap().status;
    assert_eq!(on_desk(&ids[0]), Status::Rejected);
    assert_eq!(on_desk(&ids[1]), Status::Returned);
    assert_eq!(on_desk(&ids[2]), Status::Completed);
    assert_eq!(on_desk(&ids[5]), Status::InReview);

    // ── Another agency: the application is not found. ──
    d.sign_in_portal(&base, "adliya1", "adliya-pass-1");
    d.wait_text("h1", "Arizalar navbati");
    d.wait_text("table.queue caption", "0");
    d.goto(&format!("{base}/agency/applications/{}", ids[5]));
    d.wait_text("h1", "Topilmadi");
    let (status, _) = d.fetch(&format!("/agency/applications/{}", ids[5]));
    assert_eq!(status, 404);
    d.screenshot("other-agency-not-found");
    d.sign_out();

    // ── An operator's report, map and exports. ──
    d.sign_in_portal(&base, "op1", "op-pass-123");
    d.wait_text("h1", "Hisobot");
    d.wait_text("#national", "8");
    d.find("#region-map #map-1726");
    d.screenshot("operator-report");
    d.axe("operator-report");
    d.select("#r-figure", "completed");
    d.click("#report-show");
    d.wait_text("#map-title", "Bajarilgan");
    d.screenshot("operator-report-completed");
    let (status, csv) = d.fetch("/operator/report.csv");
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("center,TSH07"), "{csv}");
    let (status, xlsx) = d.fetch("/operator/report.xlsx");
    assert_eq!(status, 200);
    let xlsx_path = dir.path().join("report.xlsx");
    std::fs::write(&xlsx_path, &xlsx).unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx_path).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let center = rows
        .iter()
        .find(|r| r[1] == "TSH07")
        .expect("the center's row");
    assert_eq!(center[3], "8", "total: {center:?}");
    assert_eq!(center[6], "3", "completed: {center:?}");
    d.sign_out();

    // ── A regional operator sees their region only. ──
    d.sign_in_portal(&base, "andijon1", "andijon-pass-1");
    d.wait_text("h1", "Andijon");
    let regions = d.js(
        "return [...document.querySelectorAll('#by-region tbody tr')].map(r => r.dataset.code)",
        json!([]),
    );
    assert!(
        regions.as_array().unwrap().iter().all(|c| c == "1703"),
        "{regions}"
    );
    assert!(!d.text("#by-center").contains("TSH07"));
    d.screenshot("regional-operator");
    d.axe("regional-operator");
    d.goto(&format!("{base}/agency?status=all&region=1726"));
    d.wait_text("table.queue caption", "0");
    d.sign_out();
    d.screenshot("signed-out");

    // Every status answer, found or not, for every application the desk filed: nothing
    // personal in any body.
    let http = reqwest::blocking::Client::new();
    let mut answers = 0;
    for s in store
        .list_applications(&ariza_store::ListFilter::default())
        .unwrap()
    {
        let app = store.application(&s.id.to_string()).unwrap();
        let right = app.receipt_code.clone().unwrap();
        for (code, expected) in [(right.as_str(), 200), ("ZZZZ-ZZZZ", 404), ("bad", 400)] {
            let r = http
                .post(format!("{}/status", portal.url))
                .form(&[("tracking", app.tracking_number.as_str()), ("code", code)])
                .send()
                .unwrap();
            assert_eq!(r.status().as_u16(), expected, "{code}");
            assert_nothing_personal(&r.text().unwrap(), &personal, "a status answer");
            answers += 1;
        }
    }
    assert_eq!(answers, 8 * 3);
}

fn hex_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
