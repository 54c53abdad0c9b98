//! Portal users sign in once and send a bearer token: sessions that end (signed out, idle,
//! too old, user deactivated), no HTTP Basic, an unknown name that costs a wrong password's
//! time, a lockout by name, and per-address limits on the routes anyone can call. Real
//! PostgreSQL, real HTTP on 127.0.0.1; times moved by editing the rows (the portal uses the
//! database's clock).

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ariza_e2e::portal::TestPortal;
use ariza_portal::AddressRate;
use serde_json::{Value, json};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn sign_in(portal: &TestPortal, username: &str, password: &str) -> reqwest::blocking::Response {
    client()
        .post(format!("{}/api/v1/session", portal.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .unwrap()
}

fn code_of(r: reqwest::blocking::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().unwrap();
    (status, body["code"].as_str().unwrap_or("").to_string())
}

fn queue(portal: &TestPortal, token: &str) -> u16 {
    client()
        .get(format!("{}/api/v1/agency/applications", portal.url))
        .bearer_auth(token)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// Runs an UPDATE or DELETE in the test's database (through `count`, which reads a number).
fn exec(portal: &TestPortal, sql: &str) -> i64 {
    portal.count(&format!(
        "WITH done AS ({sql} RETURNING 1) SELECT count(*) FROM done"
    ))
}

#[test]
fn a_session_token_replaces_the_password_and_basic_auth_is_refused() {
    let portal = TestPortal::start();
    portal.add_user("iiv1", "agency", Some("iiv"), "agency-pass-1");
    let r = sign_in(&portal, "  IIV1 ", "agency-pass-1");
    assert_eq!(
        r.status().as_u16(),
        200,
        "the name as add_user normalizes it"
    );
    let body: Value = r.json().unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43, "32 bytes, base64url");
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["expires_at"].clone()).unwrap();
    let hours = (expires - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((7.9..=8.0).contains(&hours), "8 hours at most: {hours}");
    assert_eq!(body["idle_timeout_seconds"], 1800);
    assert_eq!(queue(&portal, &token), 200);

    // Only the token's digest is stored: a copy of the table opens nothing.
    assert_eq!(
        portal.count(&format!(
            "SELECT count(*) FROM portal_session WHERE token_hash = '{token}'"
        )),
        0
    );
    assert_eq!(
        portal.count(&format!(
            "SELECT count(*) FROM portal_session WHERE token_hash = '{}'",
            sha256_hex(&token)
        )),
        1
    );

    // HTTP Basic, with the right password, is no credential any more.
    let basic = client()
        .get(format!("{}/api/v1/agency/applications", portal.url))
        .basic_auth("iiv1", Some("agency-pass-1"))
        .send()
        .unwrap();
    assert_eq!(code_of(basic), (401, "unauthorized".into()));
    // A token one character off, or none.
    let mut forged = token.clone();
    forged.replace_range(0..1, if token.starts_with('A') { "B" } else { "A" });
    assert_eq!(queue(&portal, &forged), 401);
    assert_eq!(
        client()
            .get(format!("{}/api/v1/agency/applications", portal.url))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    // An agency's session is not an operator's.
    let report = client()
        .get(format!(
            "{}/api/v1/reports/regional?from=2026-01-01&to=2026-01-02",
            portal.url
        ))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(code_of(report), (403, "forbidden".into()));

    // The body is strict, as every body is.
    let r = client()
        .post(format!("{}/api/v1/session", portal.url))
        .json(&json!({"username": "iiv1", "password": "agency-pass-1", "remember": true}))
        .send()
        .unwrap();
    assert_eq!(code_of(r), (400, "bad_request".into()));

    // Signing out ends this session, not the user's others.
    let other = portal.sign_in("iiv1", "agency-pass-1");
    let out = |token: &str| {
        client()
            .delete(format!("{}/api/v1/session", portal.url))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(out(&token), 204);
    assert_eq!(queue(&portal, &token), 401);
    assert_eq!(out(&token), 401, "already signed out");
    assert_eq!(queue(&portal, &other), 200);
    assert_eq!(
        portal.count(
            "SELECT count(*) FROM audit_log WHERE action IN ('user.sign_in', 'user.sign_out')"
        ),
        3
    );
}

#[test]
fn a_session_ends_when_idle_too_long_too_old_or_its_user_is_switched_off() {
    let portal = TestPortal::start();
    portal.add_user("op1", "operator", None, "op-pass-1");
    let digest = |token: &str| sha256_hex(token);

    // Idle for 31 minutes (the default is 30).
    let token = portal.sign_in("op1", "op-pass-1");
    exec(
        &portal,
        &format!(
            "UPDATE portal_session SET last_used_at = now() - interval '29 minutes' WHERE token_hash = '{}'",
            digest(&token)
        ),
    );
    assert_eq!(queue(&portal, &token), 200, "used within the idle time");
    exec(
        &portal,
        &format!(
            "UPDATE portal_session SET last_used_at = now() - interval '31 minutes' WHERE token_hash = '{}'",
            digest(&token)
        ),
    );
    assert_eq!(queue(&portal, &token), 401, "idle too long");

    // Busy, but past its absolute end.
    let token = portal.sign_in("op1", "op-pass-1");
    exec(
        &portal,
        &format!(
            "UPDATE portal_session SET expires_at = now() - interval '1 second' WHERE token_hash = '{}'",
            digest(&token)
        ),
    );
    assert_eq!(queue(&portal, &token), 401, "past its maximum age");

    // Every session of a user can be ended without switching them off.
    let (a, b) = (
        portal.sign_in("op1", "op-pass-1"),
        portal.sign_in("op1", "op-pass-1"),
    );
    let ended = portal
        .rt
        .block_on(ariza_portal::sign_out_user(&portal.portal, "op1", "test"))
        .unwrap();
    assert!(ended >= 2, "{ended}");
    assert_eq!((queue(&portal, &a), queue(&portal, &b)), (401, 401));

    // Deactivated: the live session is refused at once, and signing in is too.
    let token = portal.sign_in("op1", "op-pass-1");
    assert_eq!(queue(&portal, &token), 200);
    assert!(
        portal
            .rt
            .block_on(ariza_portal::set_user_active(
                &portal.portal,
                "op1",
                false,
                "test"
            ))
            .unwrap()
    );
    assert_eq!(queue(&portal, &token), 401);
    assert_eq!(
        code_of(sign_in(&portal, "op1", "op-pass-1")),
        (401, "unauthorized".into())
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM portal_session WHERE username = 'op1'"),
        0
    );
    // Back on: a new sign-in works; the old token stays dead.
    exec(&portal, "DELETE FROM portal_sign_in_failure");
    portal
        .rt
        .block_on(ariza_portal::set_user_active(
            &portal.portal,
            "op1",
            true,
            "test",
        ))
        .unwrap();
    let fresh = portal.sign_in("op1", "op-pass-1");
    assert_eq!((queue(&portal, &fresh), queue(&portal, &token)), (200, 401));
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Without the dummy verification an unknown name is answered ~100× faster than a wrong
/// password (two quick queries against an Argon2id verification). The two kinds of try are
/// interleaved, so a machine that gets busier halfway slows both alike.
#[test]
fn an_unknown_name_costs_as_much_as_a_wrong_password() {
    const TRIES: usize = 11;
    let portal = TestPortal::start();
    // One try per name: no name gets near its lockout.
    for i in 0..TRIES {
        portal.add_user(&format!("real{i}"), "operator", None, "the-right-pass");
    }
    let http = client();
    let time = |username: &str| {
        let started = Instant::now();
        let r = http
            .post(format!("{}/api/v1/session", portal.url))
            .json(&json!({"username": username, "password": "a-wrong-pass"}))
            .send()
            .unwrap();
        let took = started.elapsed();
        assert_eq!(r.status().as_u16(), 401, "{username}");
        took
    };
    time("warm-up");
    let (mut wrong, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..TRIES {
        wrong.push(time(&format!("real{i}")));
        unknown.push(time(&format!("nobody{i}")));
    }
    let (wrong, unknown) = (median(wrong), median(unknown));
    println!("median sign-in: wrong password {wrong:?}, unknown name {unknown:?}");
    assert!(
        unknown.as_secs_f64() >= 0.5 * wrong.as_secs_f64(),
        "an unknown name answers faster ({unknown:?}) than a wrong password ({wrong:?}): the names that exist can be told"
    );
}

#[test]
fn repeated_failures_lock_a_name_whether_it_exists_or_not() {
    let portal = TestPortal::start();
    portal.add_user("iiv1", "agency", Some("iiv"), "agency-pass-1");
    let row = |name: &str| {
        format!(
            "name_hash = '{}'",
            sha256_hex(&format!("ariza-portal-sign-in\0{name}"))
        )
    };
    for name in ["iiv1", "ghost"] {
        // Two typos are free, the third try still gets an answer; then it waits.
        for attempt in 1..=3 {
            assert_eq!(
                code_of(sign_in(&portal, name, "wrong")),
                (401, "unauthorized".into()),
                "{name} try {attempt}"
            );
        }
        let locked = sign_in(&portal, name, "agency-pass-1");
        let retry_after: u64 = locked.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=5).contains(&retry_after), "{retry_after}");
        assert_eq!(
            code_of(locked),
            (429, "account_locked".into()),
            "{name}: locked, even with the right password"
        );
        assert_eq!(
            portal.count(&format!(
                "SELECT failures::bigint FROM portal_sign_in_failure WHERE {}",
                row(name)
            )),
            3,
            "{name}: a locked try is not counted, nor checked"
        );
    }
    // The lock over (moved back on the database's clock): the right password clears it.
    exec(
        &portal,
        &format!(
            "UPDATE portal_sign_in_failure SET next_try_at = now() - interval '1 second' WHERE {}",
            row("iiv1")
        ),
    );
    assert_eq!(
        sign_in(&portal, "iiv1", "agency-pass-1").status().as_u16(),
        200
    );
    assert_eq!(
        portal.count(&format!(
            "SELECT count(*) FROM portal_sign_in_failure WHERE {}",
            row("iiv1")
        )),
        0,
        "a success clears the count"
    );
    // From the sixth failure on, 15 minutes.
    exec(
        &portal,
        &format!(
            "UPDATE portal_sign_in_failure SET failures = 5, next_try_at = now() WHERE {}",
            row("ghost")
        ),
    );
    assert_eq!(code_of(sign_in(&portal, "ghost", "x")).0, 401);
    let locked = sign_in(&portal, "ghost", "x");
    let retry_after: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(code_of(locked).1, "account_locked");

    // A password typed into the name field lands in no table.
    let typed = "Parol-Typed-As-Name-7";
    assert_eq!(code_of(sign_in(&portal, typed, "")).0, 401);
    for table in [
        "portal_sign_in_failure",
        "portal_session",
        "audit_log",
        "portal_user",
    ] {
        assert_eq!(
            portal.count(&format!(
                "SELECT count(*) FROM {table} t WHERE lower(t::text) LIKE '%parol-typed%' OR t::text LIKE '%ghost%'"
            )),
            0,
            "{table}"
        );
    }
}

#[test]
fn the_routes_anyone_can_call_are_limited_per_address() {
    let tight = |burst| AddressRate {
        per_minute: 1,
        burst,
    };
    let portal = TestPortal::start_with(|p| p.with_address_rates(tight(3), tight(2)));
    let get = |path: &str, forwarded: Option<&str>| {
        let mut r = client().get(format!("{}{path}", portal.url));
        if let Some(f) = forwarded {
            r = r.header("x-forwarded-for", f);
        }
        r.send().unwrap()
    };
    for _ in 0..3 {
        assert_eq!(get("/api/v1/health", None).status().as_u16(), 200);
    }
    // The fourth: refused, with how long to wait. X-Forwarded-For from a client that is no
    // trusted proxy changes nothing.
    let refused = get("/api/v1/health", Some("198.51.100.1"));
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(code_of(refused), (429, "rate_limited".into()));
    // The same bucket covers the OpenAPI document and enrollment.
    assert_eq!(code_of(get("/api/openapi.json", None)).0, 429);
    let enroll = client()
        .post(format!("{}/api/v1/enroll", portal.url))
        .json(&json!({"code": "x", "device_name": "d", "public_key": "00"}))
        .send()
        .unwrap();
    assert_eq!(code_of(enroll), (429, "rate_limited".into()));
    // And what the uploads speak (tus OPTIONS, unsigned); creating an upload is signed, so it
    // is refused for its missing signature, not by the address's bucket.
    let options = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/uploads", portal.url),
        )
        .send()
        .unwrap();
    assert_eq!(code_of(options), (429, "rate_limited".into()));
    let create = client()
        .post(format!("{}/api/v1/uploads", portal.url))
        .header("tus-resumable", "1.0.0")
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(code_of(create).0, 401);
    // A person at the status page shares the bucket, and is told so in a page in their
    // language, with how long to wait.
    let page = client()
        .post(format!("{}/status", portal.url))
        .header("accept-language", "ru")
        .form(&[("tracking", "x"), ("code", "y")])
        .send()
        .unwrap();
    assert_eq!(page.status().as_u16(), 429);
    assert!(page.headers().contains_key("retry-after"));
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().unwrap().contains("Слишком много запросов"));

    // Signing in has its own, smaller bucket (different names: no lockout involved).
    assert_eq!(code_of(sign_in(&portal, "a1", "x")).0, 401);
    assert_eq!(code_of(sign_in(&portal, "a2", "x")).0, 401);
    assert_eq!(
        code_of(sign_in(&portal, "a3", "x")),
        (429, "rate_limited".into())
    );
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let portal = TestPortal::start_with(|p| {
        p.with_address_rates(
            AddressRate {
                per_minute: 1,
                burst: 2,
            },
            ariza_portal::DEFAULT_SIGN_IN_RATE,
        )
        .with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()])
    });
    let health = |client_address: &str| {
        client()
            .get(format!("{}/api/v1/health", portal.url))
            .header("x-forwarded-for", format!("6.6.6.6, {client_address}"))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        [
            health("203.0.113.1"),
            health("203.0.113.1"),
            health("203.0.113.1")
        ],
        [200, 200, 429]
    );
    // Another client behind the same proxy (what it wrote before the proxy's entry is not
    // believed, so the same 6.6.6.6 does not join them).
    assert_eq!(health("203.0.113.2"), 200);
}
