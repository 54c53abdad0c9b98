//! Operators keep the centers running, in a real browser (Debian's Chromium through
//! chromedriver) against a real portal on its own PostgreSQL database, with real desks:
//! the centers' health page (every device, its last contact, its last delivery and the
//! backlog it reported, silent devices first), revoking a device (its desk is refused at
//! once), issuing an enrollment code (a new desk enrolls with it), and publishing a catalog
//! version (upload, the diff of services, confirm; a desk receives it). A regional operator
//! sees and acts on their region only; the catalog is the nation's. The pages work with the
//! keyboard alone and reflow at 200 % zoom; axe-core checks every page. Screenshots go to
//! `test-output/screenshots/web-operators/`.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod webdriver;

use ariza_e2e::desk::{desk, enrolled_desk, file};
use ariza_e2e::device::TestDevice;
use ariza_e2e::portal::TestPortal;
use serde_json::json;

use webdriver::{Driver, ENTER, TAB, start_chromium};

/// The element that has the keyboard focus, as `tag#id.class`.
fn focused(d: &Driver) -> String {
    d.js(
        "const e = document.activeElement; return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')",
        json!([]),
    )
    .as_str()
    .unwrap()
    .to_string()
}

/// Tabs forward until `css` has the focus, failing after `most` presses; how many it took.
fn tab_to(d: &Driver, css: &str, most: usize) -> usize {
    for n in 1..=most {
        d.press(TAB);
        let there = d.js(
            "return document.activeElement.matches(arguments[0])",
            json!([css]),
        );
        if there == json!(true) {
            return n;
        }
    }
    d.screenshot("FAILED-keyboard");
    panic!(
        "{css} not reached in {most} tabs; the focus is on {}",
        focused(d)
    );
}

/// What sticks out of the page sideways (wider than its window), which 200 % zoom must not
/// make anything do: empty when nothing does. A wide table scrolls inside its own box instead.
fn sticking_out(d: &Driver) -> Vec<String> {
    let found = d.js(
        "const w = document.documentElement.clientWidth;
         if (document.documentElement.scrollWidth <= w + 1) return [];
         return [...document.querySelectorAll('body *')]
           .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap'))
           .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right));",
        json!([]),
    );
    let mut out: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    if out.is_empty() && d.js(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1",
        json!([]),
    ) == json!(true)
    {
        out.push("the page".into());
    }
    out
}

#[test]
fn operators_keep_the_centers_running() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    // A desk in Tashkent that delivered three applications.
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "tsh07");
    file(&store, &admin, 3);
    engine.sync_once(&store).unwrap();
    assert_eq!(store.sync_status().unwrap().backlog, 0);
    // A desk in Andijon, not heard from for five days.
    let and_dir = tempfile::tempdir().unwrap();
    let and_code = portal.rt.block_on(async {
        ariza_portal::add_center(&portal.portal, "and02", "Andijon DXM", "1703", "1703203")
            .await
            .unwrap();
        ariza_portal::new_enroll_code(&portal.portal, "and02", 1)
            .await
            .unwrap()
    });
    let (and_store, and_admin) = desk(&and_dir, "and02");
    engine
        .enroll(
            &and_store,
            &and_admin,
            &portal.url,
            &and_code,
            "desk-1",
            None,
        )
        .unwrap();
    engine.sync_once(&and_store).unwrap();
    portal.execute(
        "UPDATE device SET last_seen_at = now() - interval '5 days' WHERE center_code = 'AND02'",
    );
    // A second Tashkent device that says 42 applications are still waiting.
    let http = reqwest::blocking::Client::new();
    let code = portal.rt.block_on(async {
        ariza_portal::new_enroll_code(&portal.portal, "tsh07", 1)
            .await
            .unwrap()
    });
    let second = TestDevice::enroll(&http, &portal.url, &code);
    let asked = second.request(
        &http,
        &portal.url,
        "GET",
        "/api/v1/changes?after=0&backlog=42",
        b"",
        &[],
        ariza_e2e::device::now_ms(),
    );
    assert_eq!(http.execute(asked).unwrap().status().as_u16(), 200);
    // The real desk reported its own backlog (none) and its delivery.
    let (backlog, delivered): (Option<i32>, Option<i32>) = {
        let rows = portal.query(
            "SELECT reported_backlog, last_delivered_count FROM device WHERE center_code = 'TSH07' AND device_number = 1",
            &[],
        );
        (rows[0].get(0), rows[0].get(1))
    };
    assert_eq!((backlog, delivered), (Some(0), Some(3)));

    portal.add_user("op1", "operator", None, "op-pass-123");
    portal.add_user("andijon1", "operator", None, "andijon-pass-1");
    portal.add_user("iiv1", "agency", Some("iiv"), "iiv-pass-123");
    portal.rt.block_on(async {
        ariza_portal::ops::users::set_user_region(&portal.portal, "andijon1", Some("1703"), "test")
            .await
            .unwrap()
    });
    let base = portal.url.replace("127.0.0.1", "localhost");
    let d = start_chromium("web-operators");

    // ── Keyboard alone: a citizen's lookup, then an operator signing in. ──
    let app = store
        .list_applications(&ariza_store::ListFilter::default())
        .unwrap()
        .remove(0);
    let app = store.application(&app.id.to_string()).unwrap();
    d.goto(&format!("{base}/lang?to=uz-Latn&back=/status"));
    d.wait_text("h1", "Ariza holati");
    d.press(TAB);
    assert_eq!(focused(&d), "a.skip", "the first tab reaches the skip link");
    // The skip link shows itself when focused.
    assert_eq!(
        d.js(
            "return document.activeElement.getBoundingClientRect().left >= 0",
            json!([])
        ),
        json!(true)
    );
    d.screenshot("keyboard-skip-link");
    d.press(ENTER);
    d.wait_focus("main");
    tab_to(&d, "#tracking", 3);
    d.keys(app.tracking_number.as_str());
    tab_to(&d, "#code", 3);
    d.keys(app.receipt_code.as_deref().unwrap());
    d.press(ENTER);
    d.wait_text("#lookup-result", app.tracking_number.as_str());
    d.screenshot("keyboard-status-found");
    d.goto(&format!("{base}/sign-in"));
    // The sign-in page puts the cursor in its first field.
    d.wait_focus("#username");
    d.keys("op1");
    tab_to(&d, "#password", 2);
    d.keys("op-pass-123");
    d.press(ENTER);
    d.wait_text("h1", "Hisobot");
    // The navigation is reachable too, and says where the reader is.
    tab_to(&d, "a[href='/operator/centers']", 12);
    d.press(ENTER);
    d.wait_text("h1", "Markazlar holati");
    assert_eq!(
        d.js(
            "return document.querySelector(\"a[href='/operator/centers']\").getAttribute('aria-current')",
            json!([])
        ),
        json!("page")
    );

    // ── The centers' health: silent first, the backlog each reported. ──
    let rows = d.js(
        "return [...document.querySelectorAll('#devices tbody tr')].map(r => [r.dataset.device, r.classList.contains('overdue'), r.querySelector('td.backlog').innerText])",
        json!([]),
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][0], "AND02-01", "the silent device first: {rows:?}");
    assert_eq!(rows[0][1], true);
    let tsh: Vec<_> = rows.iter().filter(|r| r[0] == "TSH07-02").collect();
    assert!(tsh[0][2].as_str().unwrap().starts_with("42"), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r[1] == true).count(), 1);
    d.wait_text("#silent-count", "1");
    d.wait_text("tr[data-device='TSH07-01']", "3");
    d.screenshot("centers");
    d.axe("centers");
    // Six days asked: the Andijon desk is no longer "silent" by that measure.
    d.clear_and_type("#c-silent", "6");
    d.click("#centers-show");
    d.wait_text("#silent-count", "0");

    // ── Revoke the Andijon device: its desk is refused at once. ──
    d.click("tr[data-device='AND02-01'] details.revoke summary");
    d.screenshot("centers-revoke-open");
    d.click("#revoke-AND02-01");
    d.wait_text("#centers-done", "AND02-01");
    d.wait_text("tr[data-device='AND02-01']", "Bekor qilingan");
    d.screenshot("centers-revoked");
    d.axe("centers-revoked");
    let refused = engine.sync_once(&and_store).unwrap_err();
    assert_eq!(refused.message_key(), "err-sync-unauthorized", "{refused}");
    assert_eq!(
        portal.count(
            "SELECT count(*) FROM audit_log WHERE action = 'device.revoke' AND actor = 'op1'"
        ),
        1
    );

    // ── An enrollment code for Tashkent; a new desk enrolls with it. ──
    d.select("#e-center", "TSH07");
    d.click("#enroll-issue");
    let shown = d.wait_text("#enroll-code", "-");
    d.screenshot("enrollment-code");
    d.axe("enrollment-code");
    let new_dir = tempfile::tempdir().unwrap();
    let (new_store, new_admin) = desk(&new_dir, "tsh07");
    engine
        .enroll(
            &new_store,
            &new_admin,
            &portal.url,
            shown.trim(),
            "desk-3",
            None,
        )
        .unwrap();
    assert!(new_store.enrollment().unwrap().is_some());
    assert_eq!(
        portal.count("SELECT count(*) FROM device WHERE center_code = 'TSH07'"),
        3
    );
    assert_eq!(
        portal.count(
            "SELECT count(*) FROM audit_log WHERE action = 'enroll_code.issue' AND actor = 'op1'"
        ),
        1
    );

    // ── A catalog version: a broken file refused, then the diff, then published. ──
    let mut catalog = ariza_core::catalog::default_catalog().unwrap();
    let mut broken = catalog.clone();
    broken.version += 1;
    broken.services.push(broken.services[0].clone());
    let broken_path = dir.path().join("broken.json");
    std::fs::write(&broken_path, serde_json::to_vec(&broken).unwrap()).unwrap();
    d.goto(&format!("{base}/operator/catalog"));
    d.wait_text("#catalog-in-force", &catalog.version.to_string());
    d.screenshot("catalog");
    d.axe("catalog");
    d.choose_file("#catalog-file", &broken_path);
    d.click("#catalog-preview");
    d.wait_text("#catalog-error", "ikki marta");
    d.screenshot("catalog-refused");
    d.axe("catalog-refused");
    let before = catalog.version;
    catalog.version += 1;
    let fee = catalog.service("id-card").unwrap().fee_uzs;
    catalog
        .services
        .iter_mut()
        .find(|s| s.code == "id-card")
        .unwrap()
        .fee_uzs = fee + 10_000;
    let mut extra = catalog.services[0].clone();
    extra.code = "test-new-service".into();
    catalog.services.push(extra);
    let path = dir.path().join("catalog.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&catalog).unwrap()).unwrap();
    d.choose_file("#catalog-file", &path);
    d.click("#catalog-preview");
    d.wait_text("#catalog-added", "test-new-service");
    d.wait_text(
        "#catalog-changed li[data-code='id-card']",
        &format!("{fee} → {}", fee + 10_000),
    );
    d.screenshot("catalog-diff");
    d.axe("catalog-diff");
    // Nothing is published before the confirmation.
    assert_eq!(
        portal.count("SELECT count(*) FROM catalog_version"),
        0,
        "the preview published"
    );
    d.click("#catalog-publish");
    d.wait_text("#catalog-done", &catalog.version.to_string());
    d.screenshot("catalog-published");
    engine.sync_once(&store).unwrap();
    assert_eq!(store.catalog().unwrap().version, before + 1);
    assert_eq!(
        store.catalog().unwrap().service("id-card").unwrap().fee_uzs,
        fee + 10_000
    );

    // ── 200 % zoom: every operator page reflows to the narrower window. ──
    d.zoom(200);
    for (path, name) in [
        ("/operator", "zoom-report"),
        ("/operator/centers", "zoom-centers"),
        ("/operator/catalog", "zoom-catalog"),
        ("/agency", "zoom-queue"),
        ("/status", "zoom-status"),
    ] {
        d.goto(&format!("{base}{path}"));
        d.find("h1");
        d.screenshot(name);
        let out = sticking_out(&d);
        assert!(out.is_empty(), "{path} scrolls sideways at 200 %: {out:?}");
    }
    // The control: a page wider than the window is seen to scroll.
    d.js(
        "document.querySelector('main').append(Object.assign(document.createElement('div'), { id: 'too-wide' })); document.getElementById('too-wide').style.width = '3000px'; document.getElementById('too-wide').style.height = '1px';",
        json!([]),
    );
    assert!(
        sticking_out(&d)
            .iter()
            .any(|e| e.starts_with("div#too-wide")),
        "the check would not see a wide page"
    );
    d.zoom(100);
    d.goto(&format!("{base}/operator"));
    d.sign_out();

    // ── A regional operator: their region only; the catalog is not theirs. ──
    d.sign_in_portal(&base, "andijon1", "andijon-pass-1");
    d.wait_text("h1", "Andijon");
    d.goto(&format!("{base}/operator/centers"));
    d.wait_text("h1", "Markazlar holati");
    let seen = d.js(
        "return [...document.querySelectorAll('#devices tbody tr')].map(r => r.dataset.device)",
        json!([]),
    );
    assert_eq!(seen, json!(["AND02-01"]));
    assert!(!d.html().contains("TSH07"), "another region's center shown");
    d.screenshot("regional-centers");
    d.axe("regional-centers");
    let csrf = d
        .js(
            "return document.querySelector('input[name=csrf]').value",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    let tashkent_device = second.id.clone();
    assert_eq!(
        d.post_form(
            &format!("/operator/devices/{tashkent_device}/revoke"),
            &[("csrf", &csrf)]
        ),
        404
    );
    assert_eq!(
        d.post_form(
            "/operator/enrollment-codes",
            &[("csrf", &csrf), ("center", "TSH07"), ("hours", "24")]
        ),
        404
    );
    let (status, _) = d.fetch("/operator/catalog");
    assert_eq!(status, 403);
    assert!(
        d.js(
            "return !document.querySelector(\"a[href='/operator/catalog']\")",
            json!([])
        ) == json!(true),
        "a regional operator is not offered the catalog"
    );
    // CSRF: the national operator's form without the session's token changes nothing.
    assert_eq!(
        d.post_form(
            "/operator/enrollment-codes",
            &[("csrf", "forged"), ("center", "AND02"), ("hours", "24")]
        ),
        403
    );
    // The control: the session's own token issues a code for their own region.
    assert_eq!(
        d.post_form(
            "/operator/enrollment-codes",
            &[("csrf", &csrf), ("center", "AND02"), ("hours", "24")]
        ),
        200
    );
    let revoked_elsewhere: i64 = portal.scalar(
        "SELECT count(*) FROM device WHERE revoked_at IS NOT NULL AND center_code = 'TSH07'",
        &[],
    );
    assert_eq!(revoked_elsewhere, 0);
    d.sign_out();

    // ── Agency staff see none of it. ──
    d.sign_in_portal(&base, "iiv1", "iiv-pass-123");
    d.wait_text("h1", "Arizalar navbati");
    for path in ["/operator/centers", "/operator/catalog"] {
        let (status, _) = d.fetch(path);
        assert_eq!(status, 403, "{path}");
    }
    assert_eq!(
        portal.count("SELECT count(*) FROM device WHERE revoked_at IS NOT NULL"),
        1
    );
}
