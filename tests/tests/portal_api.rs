//! The portal's HTTP API itself: the OpenAPI document, agencies' decisions, the online channel,
//! and `{code, message}` error bodies. Real PostgreSQL, real HTTP on 127.0.0.1.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::Status;
use ariza_core::wire::{Channel, Outcome, PushResponse};
use ariza_e2e::desk::{enrolled_desk, file};
use ariza_e2e::portal::TestPortal;

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
            "/api/v1/agency/applications/{id}/documents",
            "/api/v1/applications/batch",
            "/api/v1/changes",
            "/api/v1/decisions",
            "/api/v1/desk/releases/{version}/{arch}/package",
            "/api/v1/desk/update/{target}/{arch}/{current_version}",
            "/api/v1/enroll",
            "/api/v1/health",
            "/api/v1/online/applications",
            "/api/v1/reports/regional",
            "/api/v1/session",
            "/api/v1/uploads",
            "/api/v1/uploads/{id}",
            "/api/v2/applications/batch"
        ]
    );
    for schema in [
        "WireApplication",
        "PushBatch",
        "PushBatchV2",
        "AuditUpload",
        "AuditColumns",
        "ApplicationColumns",
        "CitizenColumns",
        "AuditHead",
        "AuditRefusal",
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
    // Portal users send the session's token; HTTP Basic is gone.
    assert_eq!(
        doc["components"]["securitySchemes"]["portal_user"]["scheme"],
        "bearer"
    );
}

#[test]
fn agencies_decide_through_the_api_and_errors_have_codes() {
    let portal = TestPortal::start();
    portal.add_user("adliya1", "agency", Some("iiv"), "agency-pass-1");
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "DEC01");
    let ids = file(&store, &admin, 2);
    engine.sync_once(&store).unwrap();
    let tracking = store
        .application(&ids[0])
        .unwrap()
        .tracking_number
        .to_string();

    let decide = |token: &str, body: Value| {
        let r = client()
            .post(format!("{}/api/v1/decisions", portal.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().unwrap())
    };
    let signing_in = client()
        .post(format!("{}/api/v1/session", portal.url))
        .json(&json!({"username": "adliya1", "password": "wrong"}))
        .send()
        .unwrap();
    assert_eq!(signing_in.status().as_u16(), 401, "a wrong password");
    let (status, body) = decide(
        "not-a-token",
        json!({"application": tracking, "status": "in_review"}),
    );
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let token = portal.sign_in("adliya1", "agency-pass-1");
    let (status, _) = decide(
        &token,
        json!({"application": tracking, "status": "in_review"}),
    );
    assert_eq!(status, 200);
    let (status, body) = decide(
        &token,
        json!({"application": tracking, "status": "rejected"}),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("bad_request")),
        "a rejection needs a reason"
    );
    let (status, _) = decide(
        &token,
        json!({"application": tracking, "status": "returned", "reason": "rasm yoʻq"}),
    );
    assert_eq!(status, 200);
    let (status, body) = decide(
        &token,
        json!({"application": tracking, "status": "completed"}),
    );
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("illegal_transition"))
    );
    let (status, body) = decide(
        &token,
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
    portal.add_user("my-gov", "operator", None, "operator-pass-1");
    // Build a valid application with a desk, then send it as the online channel would.
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "ONL01");
    file(&store, &admin, 1);
    let mut online = store.outbox_batch(1).unwrap();
    online[0].channel = Channel::Online;
    online[0].id = uuid::Uuid::now_v7();
    online[0].tracking_number =
        ariza_core::tracking::TrackingNumber::new("ONL01", chrono::Utc::now().date_naive(), 99, 1)
            .to_string();
    let body = json!({"center_code": "ONL01", "applications": online});
    let token = portal.sign_in("my-gov", "operator-pass-1");
    let post = |token: &str| {
        client()
            .post(format!("{}/api/v1/online/applications", portal.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap()
    };
    assert_eq!(post("nope").status().as_u16(), 401);
    let first: PushResponse = post(&token).json().unwrap();
    assert_eq!(first.results[0].outcome, Outcome::Accepted);
    let again: PushResponse = post(&token).json().unwrap();
    assert_eq!(again.results[0].outcome, Outcome::Duplicate);
    engine.sync_once(&store).unwrap();
    assert_eq!(
        portal.count("SELECT count(*) FROM application WHERE channel = 'online'"),
        1
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM application WHERE channel = 'in_person'"),
        1
    );
}

/// Every refusal is `{code, message}` as JSON, with a code of `PortalCode` and the status the
/// OpenAPI document lists: never the framework's plain-text rejection.
#[test]
fn every_rejection_is_the_documented_json() {
    use ariza_core::error::PortalCode;
    use ariza_core::wire::ApiError;
    let portal = TestPortal::start();
    portal.rt.block_on(async {
        ariza_portal::add_user(&portal.portal, "op1", "op1", "operator", None, "op-pass-1")
            .await
            .unwrap()
    });
    let operator = portal.sign_in("op1", "op-pass-1");
    let url = |path: &str| format!("{}{path}", portal.url);
    let expect = |what: &str, r: reqwest::blocking::Response, status: u16, code: PortalCode| {
        assert_eq!(r.status().as_u16(), status, "{what}");
        let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {content_type}"
        );
        let body: ApiError = r.json().unwrap();
        assert_eq!(body.code, code, "{what}");
        assert!(!body.message.is_empty(), "{what}");
    };
    let enroll = |body: &str, content_type: &str| {
        client()
            .post(url("/api/v1/enroll"))
            .header("content-type", content_type)
            .body(body.to_string())
            .send()
            .unwrap()
    };
    expect(
        "malformed JSON",
        enroll("{\"code\": ", "application/json"),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "a field of the wrong type",
        enroll(
            r#"{"code": 5, "device_name": "d", "public_key": "00"}"#,
            "application/json",
        ),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "a missing field",
        enroll(r#"{"code": "x"}"#, "application/json"),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "a NUL character, which PostgreSQL cannot store",
        enroll(
            r#"{"code": "x", "device_name": "a\u0000b", "public_key": "00"}"#,
            "application/json",
        ),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "not declared as JSON",
        enroll(r#"{"code": "x"}"#, "text/plain"),
        415,
        PortalCode::UnsupportedMediaType,
    );
    expect(
        "an unknown content encoding",
        client()
            .post(url("/api/v1/enroll"))
            .header("content-type", "application/json")
            .header("content-encoding", "br")
            .body("{}")
            .send()
            .unwrap(),
        415,
        PortalCode::UnsupportedMediaType,
    );
    expect(
        "a body over 16 MiB",
        client()
            .post(url("/api/v1/enroll"))
            .header("content-type", "application/json")
            .body(vec![b' '; 16 * 1024 * 1024 + 1])
            .send()
            .unwrap(),
        413,
        PortalCode::TooLarge,
    );
    let report = |query: &str| {
        client()
            .get(url(&format!("/api/v1/reports/regional{query}")))
            .bearer_auth(&operator)
            .send()
            .unwrap()
    };
    expect(
        "a missing query parameter",
        report("?from=2026-01-01"),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "a query parameter that does not parse",
        report("?from=2026-01-01&to=yesterday"),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "a query value outside its enum",
        report("?from=2026-01-01&to=2026-01-02&format=xml"),
        400,
        PortalCode::BadRequest,
    );
    expect(
        "a misspelt query parameter",
        report("?from=2026-01-01&to=2026-01-02&fromat=csv"),
        400,
        PortalCode::BadRequest,
    );
    assert_eq!(
        report("?from=2026-01-01&to=2026-01-02").status().as_u16(),
        200
    );
    expect(
        "an unknown route",
        client().get(url("/api/v1/nothing-here")).send().unwrap(),
        404,
        PortalCode::NotFound,
    );
    let wrong_method = client().delete(url("/api/v1/decisions")).send().unwrap();
    assert_eq!(
        wrong_method.headers()["allow"].to_str().unwrap(),
        "POST",
        "405 says which method the route takes"
    );
    expect(
        "a wrong method",
        wrong_method,
        405,
        PortalCode::MethodNotAllowed,
    );
    expect(
        "no credentials",
        client()
            .get(url("/api/v1/agency/applications"))
            .send()
            .unwrap(),
        401,
        PortalCode::Unauthorized,
    );
}

/// The document lists what each operation can answer: a body can be malformed, too large or
/// not JSON; a caller without credentials is refused; a route anyone can call is limited per
/// address.
#[test]
fn the_openapi_document_lists_every_status_a_route_returns() {
    let doc: Value =
        serde_json::to_value(<ariza_portal::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let statuses: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let mut needed = Vec::new();
            if op.get("requestBody").is_some() {
                needed.extend(["400", "413", "415"]);
            }
            if op.get("parameters").is_some() {
                needed.push("400");
            }
            if op.get("security").is_some() {
                needed.push("401");
            } else {
                needed.push("429");
            }
            // Only these two answer without the database.
            let without_database =
                path == "/api/v1/health" || (path == "/api/v1/uploads" && method == "options");
            if !without_database {
                needed.push("503");
            }
            for status in needed {
                assert!(
                    statuses.contains(&status),
                    "{method} {path} does not list {status}: {statuses:?}"
                );
            }
        }
    }
}
