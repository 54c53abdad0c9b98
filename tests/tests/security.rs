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
use ariza_sync::{Engine, SyncError};
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
        let mut request = client()
            .get(format!("{}{path}", self.base))
            .build()
            .unwrap();
        ariza_sync::transport::sign(
            &mut request,
            &e.device_id.to_string(),
            key.unwrap_or(&e.signing_key),
            ts,
        )
        .unwrap();
        client().execute(request).unwrap()
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
    let request = ariza_e2e::device::sign_as(&e, client().get(format!("{}{path}", portal.url)));
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
    let mut moved = ariza_e2e::device::sign_as(&e, client().get(format!("{}{path}", portal.url)));
    *moved.url_mut() = format!("{}/api/v1/changes?after=5", portal.url)
        .parse()
        .unwrap();
    let (status, code) = code_of(client().execute(moved).unwrap());
    assert_eq!((status, code.as_str()), (401, "bad_signature"));
    let body = serde_json::to_vec(&PushBatch {
        applications: Vec::new(),
        audit: Vec::new(),
    })
    .unwrap();
    let mut altered = body.clone();
    altered.push(b' ');
    let push = "/api/v1/applications/batch";
    let mut altered_request = ariza_e2e::device::sign_as(
        &e,
        client()
            .post(format!("{}{push}", portal.url))
            .header("content-type", "application/json")
            .body(body),
    );
    *altered_request.body_mut() = Some(altered.into());
    let (status, code) = code_of(client().execute(altered_request).unwrap());
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
    let answer: Value = ariza_e2e::device::send_as(
        &client(),
        &e,
        client()
            .post(format!("{}{push}", portal.url))
            .header("content-type", "application/json")
            .body(body),
    )
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
    let sent = client()
        .post(format!("{}/api/v1/online/applications", portal.url))
        .bearer_auth(&operator)
        .header("content-type", "application/json")
        .body(big)
        .send();
    match sent {
        Ok(r) => assert_eq!(r.status().as_u16(), 413),
        // The portal may answer 413 and close before the client has written the whole body
        // (a loaded machine): the write then fails with a broken pipe. Refused either way;
        // anything else (an accepted body, another failure) fails the test.
        Err(e) => {
            let text = format!("{e:?}");
            assert!(
                e.is_request() && (text.contains("BrokenPipe") || text.contains("ConnectionReset")),
                "{e:?}"
            );
        }
    }
    // Malformed input: a clear code, never a 5xx.
    let r = client()
        .post(format!("{}/api/v1/enroll", portal.url))
        .json(&json!({"code": "x", "device_name": "d", "public_key": "not hex"}))
        .send()
        .unwrap();
    assert_eq!(code_of(r), (400, "bad_request".into()));
}

/// Serves the portal over TLS with `cert` (PEM) and `key` (PEM); its https URL.
fn tls_portal(portal: &TestPortal, cert: &rcgen::Certificate, key: &rcgen::KeyPair) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    portal.rt.block_on(async {
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            cert.pem().into_bytes(),
            key.serialize_pem().into_bytes(),
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
    })
}

/// A self-signed certificate for 127.0.0.1 with `key`, valid from `from` to `to`, with its
/// own serial number (each call is a new certificate).
fn certificate(
    key: &rcgen::KeyPair,
    from: time::OffsetDateTime,
    to: time::OffsetDateTime,
) -> rcgen::Certificate {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    params.not_before = from;
    params.not_after = to;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(
        uuid::Uuid::now_v7().as_bytes(),
    ));
    params.self_signed(key).unwrap()
}

/// HPKP's pin of a key, computed from the key itself (its SubjectPublicKeyInfo, DER), not from
/// any certificate.
fn pin_of(key: &rcgen::KeyPair) -> String {
    use base64::Engine as _;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(key.public_key_der()))
}

/// Points the enrolled desk at another address (the same portal, another certificate).
fn move_portal(dir: &tempfile::TempDir, url: &str) {
    ariza_store::open_keyed_connection(&dir.path().join("desk.db"))
        .unwrap()
        .execute(
            "UPDATE sync_state SET value = ?1 WHERE key = 'portal_url'",
            [url],
        )
        .unwrap();
}

/// Asks for a release as the desk's updater does, over the engine's update link (its TLS, its
/// watch on the pins): the answer's status, or the refusal the watch names (None: it named
/// none).
fn ask_for_update(engine: &Engine, store: &Store) -> Result<u16, Option<&'static str>> {
    let link = engine.update_link(store).unwrap();
    let updater = reqwest::blocking::Client::builder()
        .use_preconfigured_tls(link.tls.clone())
        .build()
        .unwrap();
    match updater
        .get(format!(
            "{}/api/v1/desk/update/linux/x86_64/0.1.0",
            link.portal
        ))
        .send()
    {
        Ok(answer) => {
            assert!(link.watch.refusal().is_none());
            Ok(answer.status().as_u16())
        }
        Err(e) => {
            assert!(e.is_connect(), "{e}");
            Err(link.watch.refusal().map(|r| r.message_key()))
        }
    }
}

#[test]
fn a_pinned_public_key_is_required_and_outlives_its_certificate() {
    let portal = TestPortal::start();
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let key_a = rcgen::KeyPair::generate().unwrap();
    let key_b = rcgen::KeyPair::generate().unwrap();
    let key_c = rcgen::KeyPair::generate().unwrap();
    let cert_a = certificate(&key_a, now - day, now + 30 * day);
    // The same key in a renewed certificate: other serial, other dates, other bytes.
    let renewed_a = certificate(&key_a, now - day, now + 400 * day);
    assert_ne!(cert_a.der(), renewed_a.der());
    let expired_a = certificate(&key_a, now - 400 * day, now - day);
    let later_a = certificate(&key_a, now + 10 * day, now + 400 * day);
    let cert_b = certificate(&key_b, now - day, now + 30 * day);
    let cert_c = certificate(&key_c, now - day, now + 30 * day);
    let url_a = tls_portal(&portal, &cert_a, &key_a);
    let (pin_a, pin_b) = (pin_of(&key_a), pin_of(&key_b));
    let engine = Engine::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "TLS01");
    let code = portal.center_and_code("TLS01");

    // Not trusted without a pin (self-signed); refused with a wrong pin, by name; the expired
    // certificate of the pinned key is refused with its own message. No code is spent.
    assert!(
        engine
            .enroll(&store, &admin, &url_a, &code, "d", None)
            .is_err()
    );
    let err = engine
        .enroll(&store, &admin, &url_a, &code, "d", Some(&pin_b))
        .unwrap_err();
    assert_eq!(err.message_key(), "err-portal-pin-mismatch", "{err}");
    let url_expired = tls_portal(&portal, &expired_a, &key_a);
    let err = engine
        .enroll(&store, &admin, &url_expired, &code, "d", Some(&pin_a))
        .unwrap_err();
    assert_eq!(err.message_key(), "err-portal-cert-expired", "{err}");
    let url_later = tls_portal(&portal, &later_a, &key_a);
    let err = engine
        .enroll(&store, &admin, &url_later, &code, "d", Some(&pin_a))
        .unwrap_err();
    assert_eq!(
        err.message_key(),
        "err-portal-cert-expired",
        "not valid yet: {err}"
    );
    assert_eq!(portal.count("SELECT count(*) FROM device"), 0);
    // Plain http to another machine is refused before any byte is sent.
    let err = engine
        .enroll(&store, &admin, "http://192.0.2.10:8080", &code, "d", None)
        .unwrap_err();
    assert_eq!(err.message_key(), "err-portal-url-insecure");
    // Three pins are one too many.
    let err = engine
        .enroll(
            &store,
            &admin,
            &url_a,
            &code,
            "d",
            Some(&format!("{pin_a},{pin_b},{}", pin_of(&key_c))),
        )
        .unwrap_err();
    assert_eq!(err.message_key(), "err-portal-pin");

    // The key's pin (written in hex here, as `openssl dgst -sha256` prints it) and a backup.
    let hex_a = {
        use base64::Engine as _;
        hex::encode(
            base64::engine::general_purpose::STANDARD
                .decode(&pin_a)
                .unwrap(),
        )
    };
    engine
        .enroll(
            &store,
            &admin,
            &url_a,
            &code,
            "d",
            Some(&format!("{hex_a}, {pin_b}")),
        )
        .unwrap();
    let enrollment = store.enrollment().unwrap().unwrap();
    assert_eq!(enrollment.pins, vec![pin_a.clone(), pin_b.clone()]);
    file(&store, &admin, 3);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 3);

    // The certificate renewed with the same key: still the portal.
    move_portal(&dir, &tls_portal(&portal, &renewed_a, &key_a));
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    // The backup key: the portal moved to its next key, as planned.
    move_portal(&dir, &tls_portal(&portal, &cert_b, &key_b));
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    // The desk's updater asks over the same pinned TLS: it reaches the portal (no release
    // published: 204) and nothing was refused.
    assert_eq!(ask_for_update(&engine, &store), Ok(204));
    // Neither key: refused, by name; so is the pinned key's expired certificate. The updater's
    // link is refused with the same names, not as a portal out of reach.
    move_portal(&dir, &tls_portal(&portal, &cert_c, &key_c));
    file(&store, &admin, 1);
    let err = engine.sync_once(&store).unwrap_err();
    assert_eq!(err.message_key(), "err-portal-pin-mismatch", "{err}");
    assert_eq!(
        ask_for_update(&engine, &store),
        Err(Some("err-portal-pin-mismatch"))
    );
    move_portal(&dir, &url_expired);
    let err = engine.sync_once(&store).unwrap_err();
    assert_eq!(err.message_key(), "err-portal-cert-expired", "{err}");
    assert_eq!(
        ask_for_update(&engine, &store),
        Err(Some("err-portal-cert-expired"))
    );
    assert_eq!(
        store.sync_status().unwrap().last_error.as_deref(),
        Some("err-portal-cert-expired")
    );
    assert_eq!(store.outbox_backlog().unwrap(), 1, "kept for later");
}

#[test]
fn a_desk_pinned_to_a_whole_certificate_keeps_working_and_moves_to_its_key() {
    let portal = TestPortal::start();
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = certificate(&key, now - day, now + 30 * day);
    let renewed = certificate(&key, now - day, now + 400 * day);
    let url = tls_portal(&portal, &cert, &key);
    let engine = Engine::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "TLS02");
    let code = portal.center_and_code("TLS02");
    engine
        .enroll(&store, &admin, &url, &code, "d", Some(&pin_of(&key)))
        .unwrap();
    // As a desk enrolled before key pinning stored it: the certificate's own SHA-256.
    let legacy = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(cert.der()))
    };
    let db = ariza_store::open_keyed_connection(&dir.path().join("desk.db")).unwrap();
    db.execute("DELETE FROM sync_state WHERE key = 'spki_pins'", [])
        .unwrap();
    db.execute(
        "INSERT INTO sync_state (key, value) VALUES ('pinned_cert', ?1)",
        [&legacy],
    )
    .unwrap();
    drop(db);
    let before = store.enrollment().unwrap().unwrap();
    assert!(before.pins.is_empty() && before.legacy_cert_pin.as_deref() == Some(&*legacy));

    // The legacy pin still opens the portal, and becomes that certificate's key pin.
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    let after = store.enrollment().unwrap().unwrap();
    assert_eq!(after.pins, vec![pin_of(&key)]);
    assert_eq!(after.legacy_cert_pin, None);
    // So the renewed certificate, which the old pin would have refused, is accepted.
    move_portal(&dir, &tls_portal(&portal, &renewed, &key));
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
}

/// Answers every request on 127.0.0.1 with `status_line` and `headers`, counting connections.
fn tiny_server(
    status_line: &'static str,
    headers: String,
    body: String,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(50) {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 16 * 1024];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 {status_line}\r\n{headers}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

#[test]
fn a_redirect_is_an_error_and_never_followed() {
    let (evil, evil_hits) = tiny_server(
        "200 OK",
        String::new(),
        json!({"status": "ok", "now": chrono::Utc::now()}).to_string(),
    );
    let (redirector, _) = tiny_server(
        "302 Found",
        format!("location: {evil}/api/v1/enroll\r\n"),
        String::new(),
    );
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "RED01");
    let code = portal.center_and_code("RED02");
    let dir2 = tempfile::tempdir().unwrap();
    let (store2, admin2) = desk(&dir2, "RED02");
    let err = engine
        .enroll(&store2, &admin2, &redirector, &code, "d", None)
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Redirected { status: 302 }),
        "{err:?}"
    );
    assert_eq!(err.message_key(), "err-portal-redirect");
    // A portal whose address now redirects: the desk's signed requests and data stay home.
    move_portal(&dir, &redirector);
    file(&store, &admin, 1);
    let err = engine.sync_once(&store).unwrap_err();
    assert!(
        matches!(err, SyncError::Redirected { status: 302 }),
        "{err:?}"
    );
    assert_eq!(evil_hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(store.outbox_backlog().unwrap(), 1);
}

/// A request for `device` on `base`, signed with `key` (a well-formed signature that does not
/// verify when the key is not the device's), or with no signature at all.
fn request_for(
    base: &str,
    device: &str,
    key: Option<&str>,
    timestamp_ms: i64,
) -> reqwest::blocking::Response {
    let path = "/api/v1/changes?after=0";
    let mut request = client().get(format!("{base}{path}")).build().unwrap();
    match key {
        Some(key) => ariza_sync::transport::sign(&mut request, device, key, timestamp_ms).unwrap(),
        None => {
            request
                .headers_mut()
                .insert("x-ariza-device", device.parse().unwrap());
        }
    }
    client().execute(request).unwrap()
}

#[test]
fn an_outsider_learns_nothing_about_a_device_before_its_signature_verifies() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = enrolled_desk(&portal, &dir, "OUT01");
    let revoked = store.enrollment().unwrap().unwrap();
    portal.rt.block_on(async {
        assert!(
            ariza_portal::revoke_device(&portal.portal, revoked.device_id, "operator")
                .await
                .unwrap()
        );
    });
    let unknown = uuid::Uuid::now_v7().to_string();
    let revoked_id = revoked.device_id.to_string();
    let (forger, _) = ariza_sync::new_device_key();
    let answer = |r: reqwest::blocking::Response| (r.status().as_u16(), r.text().unwrap());
    for (what, key, ts) in [
        ("unsigned", None, now_ms()),
        ("badly signed", Some(forger.as_str()), now_ms()),
        (
            "badly signed and stale",
            Some(forger.as_str()),
            now_ms() - 3_600_000,
        ),
    ] {
        let for_revoked = answer(request_for(&portal.url, &revoked_id, key, ts));
        let for_unknown = answer(request_for(&portal.url, &unknown, key, ts));
        assert_eq!(for_revoked, for_unknown, "{what}");
        assert_eq!(for_revoked.0, 401, "{what}");
        assert!(
            !for_revoked.1.contains("revoked"),
            "{what}: {}",
            for_revoked.1
        );
    }
    // Only a request the device really signed learns that it is revoked.
    let (status, code) = code_of(request_for(
        &portal.url,
        &revoked_id,
        Some(&revoked.signing_key),
        now_ms(),
    ));
    assert_eq!((status, code.as_str()), (401, "device_revoked"));
}

#[test]
fn a_replayed_request_spends_none_of_the_rate_allowance() {
    // Three requests at once, then one every 10 s.
    let portal = TestPortal::start_with_rate(6, 3);
    let dir = tempfile::tempdir().unwrap();
    let (store, _, _) = enrolled_desk(&portal, &dir, "RPL01");
    let e = store.enrollment().unwrap().unwrap();
    let path = "/api/v1/changes?after=0";
    let first = ariza_e2e::device::sign_as(&e, client().get(format!("{}{path}", portal.url)));
    let copies: Vec<_> = (0..5).map(|_| first.try_clone().unwrap()).collect();
    assert_eq!(client().execute(first).unwrap().status().as_u16(), 200);
    for copy in copies {
        let (status, code) = code_of(client().execute(copy).unwrap());
        assert_eq!((status, code.as_str()), (401, "replayed"));
    }
    // The two requests left of the burst are still there for the device itself.
    for _ in 0..2 {
        let r = ariza_e2e::device::send_as(
            &client(),
            &e,
            client().get(format!("{}{path}", portal.url)),
        );
        assert_eq!(r.status().as_u16(), 200);
    }
    let r =
        ariza_e2e::device::send_as(&client(), &e, client().get(format!("{}{path}", portal.url)));
    assert_eq!(code_of(r), (429, "rate_limited".into()));
}

#[test]
fn the_host_and_the_content_encoding_are_signed() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, _) = enrolled_desk(&portal, &dir, "HST01");
    let e = store.enrollment().unwrap().unwrap();
    let path = "/api/v1/changes?after=0";
    // Sent to this portal, signed for it: accepted. The same, claiming another host: refused.
    let mut other_host =
        ariza_e2e::device::sign_as(&e, client().get(format!("{}{path}", portal.url)));
    assert_eq!(
        client()
            .execute(other_host.try_clone().unwrap())
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    other_host
        .headers_mut()
        .insert(reqwest::header::HOST, "portal.example.uz".parse().unwrap());
    let (status, code) = code_of(client().execute(other_host).unwrap());
    assert_eq!((status, code.as_str()), (401, "bad_signature"));

    // A push signed as zstd, relabelled as plain or gzip: refused before it is read.
    file(&store, &admin, 1);
    let body = zstd::encode_all(
        serde_json::to_vec(&PushBatch {
            applications: store.outbox_batch(10).unwrap(),
            audit: Vec::new(),
        })
        .unwrap()
        .as_slice(),
        3,
    )
    .unwrap();
    let push = "/api/v1/applications/batch";
    let signed_push = || {
        ariza_e2e::device::sign_as(
            &e,
            client()
                .post(format!("{}{push}", portal.url))
                .header("content-type", "application/json")
                .header("content-encoding", "zstd")
                .body(body.clone()),
        )
    };
    for relabel in [Some("gzip"), Some("identity"), None] {
        let mut request = signed_push();
        match relabel {
            Some(label) => request
                .headers_mut()
                .insert(reqwest::header::CONTENT_ENCODING, label.parse().unwrap()),
            None => request
                .headers_mut()
                .remove(reqwest::header::CONTENT_ENCODING),
        };
        let (status, code) = code_of(client().execute(request).unwrap());
        assert_eq!(
            (status, code.as_str()),
            (401, "bad_signature"),
            "{relabel:?}"
        );
    }
    let r = ariza_e2e::device::send_as(
        &client(),
        &e,
        client()
            .post(format!("{}{push}", portal.url))
            .header("content-type", "application/json")
            .header("content-encoding", "zstd")
            .body(body),
    );
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(portal.count("SELECT count(*) FROM application"), 1);
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

fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    ariza_store::open_keyed_connection(&dir.path().join("desk.db")).unwrap()
}

/// The newest entry of the desk's trail.
/// An enrolled desk that filed three applications and synced until the portal acknowledged
/// its whole audit trail (the answer to a push adds an entry, which the next run delivers);
/// with the head it acknowledged.
fn acknowledged_desk(
    portal: &TestPortal,
    dir: &tempfile::TempDir,
    center: &str,
) -> (Store, ariza_core::staff::Actor, Engine, i64) {
    let (store, admin, engine) = enrolled_desk(portal, dir, center);
    file(&store, &admin, 3);
    engine.sync_once(&store).unwrap();
    engine.sync_once(&store).unwrap();
    let head = store.audit_entries(1).unwrap()[0].seq;
    (store, admin, engine, head)
}

#[test]
fn cutting_delivered_audit_entries_is_found_when_the_desk_next_syncs() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine, head) = acknowledged_desk(&portal, &dir, "CUT01");
    assert_eq!(portal.count("SELECT max(seq) FROM desk_audit_head"), head);
    assert_eq!(
        portal.count("SELECT count(*) FROM desk_audit_head WHERE signature IS NOT NULL"),
        1
    );
    assert!(store.sync_status().unwrap().audit_alert.is_none());

    // Someone with the database key removes the newest entries.
    raw(&dir)
        .execute("DELETE FROM audit WHERE seq > ?1", [head - 3])
        .unwrap();
    file(&store, &admin, 1);
    // Delivery goes on; the cut is on record on both sides.
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    assert_eq!(
        store.sync_status().unwrap().audit_alert.as_deref(),
        Some("err-audit-diverged")
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM desk_audit_alert"),
        1,
        "one alert, however often the desk pushes"
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM audit_log WHERE action = 'audit.diverged'"),
        1
    );
    // Nothing of the cut chain replaced what the portal acknowledged.
    assert_eq!(portal.count("SELECT max(seq) FROM desk_audit"), head);
    assert_eq!(portal.count("SELECT max(seq) FROM desk_audit_head"), head);
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    assert_eq!(portal.count("SELECT count(*) FROM desk_audit_alert"), 1);
    assert_eq!(
        portal.count("SELECT max(times)::bigint FROM desk_audit_alert"),
        2,
        "seen again, counted"
    );
    let trail = store.audit_entries(50).unwrap();
    assert!(trail.iter().any(|e| e.action == "audit.diverged"));
}

#[test]
fn a_cut_the_desk_cannot_see_is_refused_by_the_portal() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine, head) = acknowledged_desk(&portal, &dir, "CUT02");
    // The cut, and the desk's record of what the portal acknowledged rewritten to match it.
    let db = raw(&dir);
    db.execute("DELETE FROM audit WHERE seq > ?1", [head - 3])
        .unwrap();
    db.execute(
        "UPDATE sync_state SET value = ?1 WHERE key = 'audit_delivered_seq'",
        [(head - 3).to_string()],
    )
    .unwrap();
    db.execute("DELETE FROM sync_state WHERE key = 'audit_ack_hash'", [])
        .unwrap();
    drop(db);
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    // The portal recomputed the new entries from its own acknowledged chain: they replace
    // entries it holds, so it refused them, and told the desk.
    assert_eq!(
        portal.count("SELECT count(*) FROM desk_audit_alert WHERE reason = 'diverged'"),
        1
    );
    assert_eq!(
        store.sync_status().unwrap().audit_alert.as_deref(),
        Some("err-audit-diverged")
    );
    assert_eq!(portal.count("SELECT max(seq) FROM desk_audit"), head);
}
