//! The portal's HTTP API itself: the OpenAPI document, agencies' decisions, the online channel,
//! and `{code, message}` error bodies. Real PostgreSQL, real HTTP on 127.0.0.1.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::Status;
use ariza_core::wire::{Channel, Outcome, PushResponse};
use ariza_e2e::desk::{desk, file};
use ariza_e2e::portal::TestPortal;
use ariza_sync::Engine;
use serde_json::{Value, json};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

#[test]
fn the_openapi_document_describes_every_route() {
    let portal = TestPortal::start();
    let doc: Value = client()
        .get(format!("{}/api/openapi.json", portal.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/agency/applications",
            "/api/v1/applications/batch",
            "/api/v1/changes",
            "/api/v1/decisions",
            "/api/v1/enroll",
            "/api/v1/health",
            "/api/v1/online/applications",
            "/api/v1/reports/regional"
        ]
    );
    for schema in [
        "WireApplication",
        "PushResponse",
        "ApiError",
        "ChangesResponse",
        "DecisionRequest",
        "Status",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    assert!(doc["components"]["securitySchemes"]["device"].is_object());
}

#[test]
fn agencies_decide_through_the_api_and_errors_have_codes() {
    let portal = TestPortal::start();
    let code = portal.center_and_code("DEC01");
    portal.rt.block_on(async {
        ariza_portal::add_user(
            &portal.portal,
            "adliya1",
            "Adliya xodimi",
            "agency",
            Some("iiv"),
            "agency-pass-1",
        )
        .await
        .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "DEC01");
    let engine = Engine::new().unwrap();
    engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    let ids = file(&store, &admin, 2);
    engine.sync_once(&store).unwrap();
    let tracking = store
        .application(&ids[0])
        .unwrap()
        .tracking_number
        .to_string();

    let decide = |user: &str, pass: &str, body: Value| {
        let r = client()
            .post(format!("{}/api/v1/decisions", portal.url))
            .basic_auth(user, Some(pass))
            .json(&body)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().unwrap())
    };
    let (status, body) = decide(
        "adliya1",
        "wrong",
        json!({"application": tracking, "status": "in_review"}),
    );
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = decide(
        "adliya1",
        "agency-pass-1",
        json!({"application": tracking, "status": "in_review"}),
    );
    assert_eq!(status, 200);
    let (status, body) = decide(
        "adliya1",
        "agency-pass-1",
        json!({"application": tracking, "status": "rejected"}),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad_request")),
        "a rejection needs a reason"
    );
    let (status, _) = decide(
        "adliya1",
        "agency-pass-1",
        json!({"application": tracking, "status": "returned", "reason": "rasm yoʻq"}),
    );
    assert_eq!(status, 200);
    let (status, body) = decide(
        "adliya1",
        "agency-pass-1",
        json!({"application": tracking, "status": "completed"}),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("illegal_transition"))
    );
    let (status, body) = decide(
        "adliya1",
        "agency-pass-1",
        json!({"application": "DEC01-261122-01-99999-X", "status": "in_review"}),
    );
    assert!(matches!(status, 404 | 400), "{status} {body}");
    assert!(body["code"].is_string() && body["message"].is_string());

    engine.sync_once(&store).unwrap();
    let back = store.application(&ids[0]).unwrap();
    assert_eq!(back.status, Status::Returned);
    assert_eq!(
        back.history.last().unwrap().reason.as_deref(),
        Some("rasm yoʻq")
    );

    // A device's request without a credential: a code, not a stack trace.
    let r = client()
        .get(format!("{}/api/v1/changes", portal.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().unwrap();
    assert_eq!(body["code"], "unauthorized");
}

#[test]
fn online_applications_are_posted_directly_and_counted_apart() {
    let portal = TestPortal::start();
    let code = portal.center_and_code("ONL01");
    portal.rt.block_on(async {
        ariza_portal::add_user(
            &portal.portal,
            "my-gov",
            "my.gov.uz integration",
            "operator",
            None,
            "operator-pass-1",
        )
        .await
        .unwrap();
    });
    // Build a valid application with a desk, then send it as the online channel would.
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "ONL01");
    Engine::new()
        .unwrap()
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    file(&store, &admin, 1);
    let mut online = store.outbox_batch(1).unwrap();
    online[0].channel = Channel::Online;
    online[0].id = uuid::Uuid::now_v7();
    online[0].tracking_number =
        ariza_core::tracking::TrackingNumber::new("ONL01", chrono::Utc::now().date_naive(), 99, 1)
            .to_string();
    let body = json!({"center_code": "ONL01", "applications": online});
    let post = |pass: &str| {
        client()
            .post(format!("{}/api/v1/online/applications", portal.url))
            .basic_auth("my-gov", Some(pass))
            .json(&body)
            .send()
            .unwrap()
    };
    assert_eq!(post("nope").status().as_u16(), 401);
    let first: PushResponse = post("operator-pass-1").json().unwrap();
    assert_eq!(first.results[0].outcome, Outcome::Accepted);
    let again: PushResponse = post("operator-pass-1").json().unwrap();
    assert_eq!(again.results[0].outcome, Outcome::Duplicate);
    Engine::new().unwrap().sync_once(&store).unwrap();
    assert_eq!(
        portal.count("SELECT count(*) FROM application WHERE channel = 'online'"),
        1
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM application WHERE channel = 'in_person'"),
        1
    );
}
