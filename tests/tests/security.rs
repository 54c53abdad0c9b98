//! Devices and the portal, attacked: forged, replayed, stale and revoked requests; one center
//! reaching for another's data; one agency for another's; TLS with a pinned certificate;
//! rate limits, size limits and headers; the audit trail delivered and tamper-checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::Status;
use ariza_core::wire::{ChangesResponse, PushBatch};
use ariza_e2e::desk::{desk, enrolled_desk, file};
use ariza_e2e::device::now_ms;
use ariza_e2e::portal::TestPortal;
use ariza_store::Store;
use ariza_sync::Engine;
use serde_json::{Value, json};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

struct Signed<'a> {
    store: &'a Store,
    base: String,
}

impl Signed<'_> {
    fn get(&self, path: &str, ts: i64, key: Option<&str>) -> reqwest::blocking::Response {
        let e = self.store.enrollment().unwrap().unwrap();
        ariza_sync::transport::sign(
            client().get(format!("{}{path}", self.base)),
            &e.device_id.to_string(),
            key.unwrap_or(&e.signing_key),
            "GET",
            path,
            b"",
            ts,
        )
        .unwrap()
        .send()
        .unwrap()
    }
}

fn code_of(r: reqwest::blocking::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().unwrap_or(Value::Null);
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn forged_replayed_stale_and_revoked_requests_are_refused() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "SEC01");
    file(&store, &admin, 2);
    engine.sync_once(&store).unwrap();
    let signed = Signed {
        store: &store,
        base: portal.url.clone(),
    };
    let path = "/api/v1/changes?after=0";
    assert_eq!(signed.get(path, now_ms(), None).status().as_u16(), 200);

    // Unsigned: refused.
    let (status, code) = code_of(
        client()
            .get(format!("{}{path}", portal.url))
            .send()
            .unwrap(),
    );
    assert_eq!((status, code.as_str()), (401, "unauthorized"));

    // Replay: the same signed request twice.
    let e = store.enrollment().unwrap().unwrap();
    let request = ariza_e2e::device::sign_as(
        &e,
        client().get(format!("{}{path}", portal.url)),
        "GET",
        path,
        b"",
    )
    .build()
    .unwrap();
    let again = request.try_clone().unwrap();
    assert_eq!(client().execute(request).unwrap().status().as_u16(), 200);
    let (status, code) = code_of(client().execute(again).unwrap());
    assert_eq!((status, code.as_str()), (401, "replayed"));

    // Stale and future timestamps.
    for skew in [-10 * 60_000, 10 * 60_000] {
        let (status, code) = code_of(signed.get(path, now_ms() + skew, None));
        assert_eq!(
            (status, code.as_str()),
            (401, "stale_request"),
            "skew {skew}"
        );
    }

    // Signed with another key (a forger who knows the device id).
    let (forged_key, _) = ariza_sync::new_device_key();
    let (status, code) = code_of(signed.get(path, now_ms(), Some(&forged_key)));
    assert_eq!((status, code.as_str()), (401, "bad_signature"));

    // Signed for one path, sent to another; signed body, altered body.
    let (status, code) = code_of(
        ariza_e2e::device::sign_as(
            &e,
            client().get(format!("{}/api/v1/changes?after=5", portal.url)),
            "GET",
            path,
            b"",
        )
        .send()
        .unwrap(),
    );
    assert_eq!((status, code.as_str()), (401, "bad_signature"));
    let body = serde_json::to_vec(&PushBatch {
        applications: Vec::new(),
        audit: Vec::new(),
    })
    .unwrap();
    let mut altered = body.clone();
    altered.push(b' ');
    let push = "/api/v1/applications/batch";
    let (status, code) = code_of(
        ariza_e2e::device::sign_as(
            &e,
            client()
                .post(format!("{}{push}", portal.url))
                .header("content-type", "application/json")
                .body(altered),
            "POST",
            push,
            &body,
        )
        .send()
        .unwrap(),
    );
    assert_eq!((status, code.as_str()), (401, "bad_signature"));

    // Revoked: refused at once, and the desk says so in the clerk's words.
    portal.rt.block_on(async {
        assert!(
            ariza_portal::revoke_device(&portal.portal, e.device_id, "operator")
                .await
                .unwrap()
        );
    });
    let (status, code) = code_of(signed.get(path, now_ms(), None));
    assert_eq!((status, code.as_str()), (401, "device_revoked"));
    file(&store, &admin, 1);
    let err = engine.sync_once(&store).unwrap_err();
    assert_eq!(err.message_key(), "err-sync-unauthorized");
    assert_eq!(store.outbox_backlog().unwrap(), 1, "kept for later");
}

#[test]
fn a_device_reaches_only_its_own_center() {
    let portal = TestPortal::start();
    let code_a = portal.center_and_code("CNA01");
    let code_b = portal.center_and_code("CNB01");
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (store_a, admin_a) = desk(&dir_a, "CNA01");
    let (store_b, admin_b) = desk(&dir_b, "CNB01");
    let engine = Engine::new().unwrap();
    engine
        .enroll(&store_a, &admin_a, &portal.url, &code_a, "a", None)
        .unwrap();
    engine
        .enroll(&store_b, &admin_b, &portal.url, &code_b, "b", None)
        .unwrap();
    let ids_a = file(&store_a, &admin_a, 1);
    let ids_b = file(&store_b, &admin_b, 1);
    engine.sync_once(&store_a).unwrap();
    engine.sync_once(&store_b).unwrap();
    portal.decide(&ids_b[0], Status::InReview, None);
    portal.decide(&ids_a[0], Status::InReview, None);

    // A's feed carries A's decision only, never B's.
    let signed = Signed {
        store: &store_a,
        base: portal.url.clone(),
    };
    let feed: ChangesResponse = signed
        .get("/api/v1/changes?after=0&limit=500", now_ms(), None)
        .json()
        .unwrap();
    let decided: Vec<String> = feed
        .changes
        .iter()
        .filter_map(|c| c.application_id.map(|id| id.to_string()))
        .collect();
    assert_eq!(decided, vec![ids_a[0].clone()]);

    // Desk A pushes an application of center B (B's tracking number): refused, quarantined.
    let mut stolen = store_b.application(&ids_b[0]).unwrap();
    let e = store_a.enrollment().unwrap().unwrap();
    stolen.id = uuid::Uuid::now_v7();
    let mut wire = store_b.outbox_batch(1).unwrap();
    assert!(wire.is_empty(), "B delivered everything");
    let apps = {
        // Reconstruct B's wire form by re-queuing it on B.
        let conn = ariza_store::open_keyed_connection(&dir_b.path().join("desk.db")).unwrap();
        conn.execute(
            "INSERT INTO outbox (application_id, enqueued_at) VALUES (?1, '2026-01-01T00:00:00.000Z')",
            [&ids_b[0]],
        )
        .unwrap();
        drop(conn);
        wire = store_b.outbox_batch(1).unwrap();
        wire[0].id = stolen.id;
        wire
    };
    let body = serde_json::to_vec(&PushBatch {
        applications: apps,
        audit: Vec::new(),
    })
    .unwrap();
    let push = "/api/v1/applications/batch";
    let answer: Value = ariza_e2e::device::sign_as(
        &e,
        client()
            .post(format!("{}{push}", portal.url))
            .header("content-type", "application/json")
            .body(body.clone()),
        "POST",
        push,
        &body,
    )
    .send()
    .unwrap()
    .json()
    .unwrap();
    assert_eq!(answer["results"][0]["outcome"], "rejected");
    assert_eq!(answer["results"][0]["code"], "wrong_center");
    assert_eq!(
        portal.count(&format!(
            "SELECT count(*) FROM application WHERE id = '{}'",
            stolen.id
        )),
        0
    );
}

#[test]
fn an_agency_sees_and_decides_only_its_own_services() {
    let portal = TestPortal::start();
    portal.rt.block_on(async {
        for (user, role, agency) in [
            ("iiv1", "agency", Some("iiv")),
            ("adliya1", "agency", Some("minjust")),
            ("op1", "operator", None),
        ] {
            ariza_portal::add_user(&portal.portal, user, user, role, agency, "agency-pass-1")
                .await
                .unwrap();
        }
    });
    let tokens: std::collections::HashMap<&str, String> = ["iiv1", "adliya1", "op1"]
        .into_iter()
        .map(|user| (user, portal.sign_in(user, "agency-pass-1")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "AGY01");
    let ids = file(&store, &admin, 2); // id-card: Ministry of Internal Affairs (iiv)
    engine.sync_once(&store).unwrap();

    let list = |user: &str| -> (u16, Value) {
        let r = client()
            .get(format!("{}/api/v1/agency/applications", portal.url))
            .bearer_auth(&tokens[user])
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap())
    };
    let (status, iiv) = list("iiv1");
    assert_eq!(status, 200);
    assert_eq!(iiv.as_array().unwrap().len(), 2);
    let (_, justice) = list("adliya1");
    assert_eq!(justice.as_array().unwrap().len(), 0, "not their service");
    let (_, all) = list("op1");
    assert_eq!(all.as_array().unwrap().len(), 2);

    let decide = |user: &str| {
        let r = client()
            .post(format!("{}/api/v1/decisions", portal.url))
            .bearer_auth(&tokens[user])
            .json(&json!({"application": ids[0], "status": "in_review"}))
            .send()
            .unwrap();
        code_of(r)
    };
    assert_eq!(decide("adliya1"), (404, "not_found".into()));
    assert_eq!(decide("iiv1").0, 200);
    // A device credential is not a portal user.
    let r = client()
        .get(format!("{}/api/v1/agency/applications", portal.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[test]
fn rate_limits_size_limits_and_headers() {
    let portal = TestPortal::start_with_rate(6, 3);
    let dir = tempfile::tempdir().unwrap();
    let (store, _, engine) = enrolled_desk(&portal, &dir, "RAT01");
    let signed = Signed {
        store: &store,
        base: portal.url.clone(),
    };
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(code_of(signed.get(
            "/api/v1/changes?after=0",
            now_ms(),
            None,
        )));
    }
    assert_eq!(
        codes[..3].iter().filter(|c| c.0 == 200).count(),
        3,
        "{codes:?}"
    );
    assert_eq!(codes[4], (429, "rate_limited".into()));
    // The desk keeps its work and says so.
    let err = engine.sync_once(&store).unwrap_err();
    assert_eq!(err.message_key(), "err-sync-rate-limited");

    let health = client()
        .get(format!("{}/api/v1/health", portal.url))
        .send()
        .unwrap();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(health.headers()[name], value, "{name}");
    }
    // 17 MiB is over the 16 MiB limit: refused before anything is read into the database.
    // (Signed in: a caller without credentials is refused before its body is read at all.)
    portal.rt.block_on(async {
        ariza_portal::add_user(&portal.portal, "op1", "op1", "operator", None, "op-pass-1")
            .await
            .unwrap()
    });
    let operator = portal.sign_in("op1", "op-pass-1");
    let big = vec![b'x'; 17 * 1024 * 1024];
    let r = client()
        .post(format!("{}/api/v1/online/applications", portal.url))
        .bearer_auth(&operator)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    // Malformed input: a clear code, never a 5xx.
    let r = client()
        .post(format!("{}/api/v1/enroll", portal.url))
        .json(&json!({"code": "x", "device_name": "d", "public_key": "not hex"}))
        .send()
        .unwrap();
    assert_eq!(code_of(r), (400, "bad_request".into()));
}

#[test]
fn https_with_a_pinned_certificate_and_no_plain_http_off_this_machine() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let portal = TestPortal::start();
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let pin = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(cert.cert.der()))
    };
    let tls_url = portal.rt.block_on(async {
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            cert.cert.pem().into_bytes(),
            cert.key_pair.serialize_pem().into_bytes(),
        )
        .await
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let app = ariza_portal::router(portal.portal.clone());
        tokio::spawn(async move {
            axum_server::from_tcp_rustls(listener, config)
                .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .unwrap();
        });
        format!("https://127.0.0.1:{}", addr.port())
    });
    let engine = Engine::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "TLS01");

    // Not trusted without the pin (self-signed), refused with a wrong pin.
    let code = portal.center_and_code("TLS01");
    assert!(
        engine
            .enroll(&store, &admin, &tls_url, &code, "d", None)
            .is_err()
    );
    let wrong = "00".repeat(32);
    assert!(
        engine
            .enroll(&store, &admin, &tls_url, &code, "d", Some(&wrong))
            .is_err()
    );
    // Plain http to another machine is refused before any byte is sent.
    let err = engine
        .enroll(&store, &admin, "http://192.0.2.10:8080", &code, "d", None)
        .unwrap_err();
    assert_eq!(err.message_key(), "err-portal-url-insecure");

    // With the right pin (as `openssl x509 -fingerprint -sha256` prints it): enrolled, and
    // every sync goes over the pinned TLS connection.
    let colon_pin = pin
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
        .collect::<Vec<_>>()
        .join(":");
    engine
        .enroll(&store, &admin, &tls_url, &code, "d", Some(&colon_pin))
        .unwrap();
    assert_eq!(
        store.enrollment().unwrap().unwrap().pinned_cert.as_deref(),
        Some(pin.as_str())
    );
    file(&store, &admin, 3);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 3);
}

#[test]
fn audit_trails_reach_the_portal_and_tampering_is_found_on_both_sides() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "AUD01");
    let ids = file(&store, &admin, 3);
    store
        .open_application(&admin, &ids[0], &ariza_core::clock::SystemClock)
        .unwrap();
    engine.sync_once(&store).unwrap();
    portal.decide(&ids[0], Status::InReview, None);
    engine.sync_once(&store).unwrap();
    // The last sync recorded the decision; one more delivers that entry too.
    engine.sync_once(&store).unwrap();

    let desk_entries = store.verify_audit().unwrap();
    assert!(desk_entries.ok());
    let delivered = portal.count("SELECT count(*) FROM desk_audit");
    assert_eq!(
        delivered, desk_entries.entries,
        "every desk entry delivered once"
    );
    assert!(store.audit_outbox(10).unwrap().is_empty());
    let report = portal
        .rt
        .block_on(ariza_portal::audit::verify(&portal.portal))
        .unwrap();
    assert!(report.ok(), "{report:?}");
    assert!(
        report.portal.entries >= 4,
        "enroll, center, receive, decide"
    );

    // An operator edits the portal's trail, or a desk's delivered trail: found.
    portal.count("WITH u AS (UPDATE audit_log SET detail = 'x' WHERE seq = 2 RETURNING 1) SELECT count(*) FROM u");
    let report = portal
        .rt
        .block_on(ariza_portal::audit::verify(&portal.portal))
        .unwrap();
    assert_eq!(report.portal.broken_at, Some(2));
    portal.count(
        "WITH d AS (DELETE FROM desk_audit WHERE seq = 3 RETURNING 1) SELECT count(*) FROM d",
    );
    let report = portal
        .rt
        .block_on(ariza_portal::audit::verify(&portal.portal))
        .unwrap();
    assert_eq!(report.desks[0].1.broken_at, Some(4));
    assert!(!report.ok());
}
