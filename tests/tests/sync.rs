//! Desk ↔ portal over real HTTP, against a real PostgreSQL (started by `scripts/setup.sh
//! --test`; `ARIZA_TEST_PG` overrides the admin URL). Each test creates its own uniquely named
//! database and drops it.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::Status;
use ariza_core::clock::SystemClock;
use ariza_core::wire::{Outcome, PushBatch, PushResponse};
use ariza_e2e::desk::{desk, enrolled_desk, file, file_with_clock};
use ariza_e2e::portal::TestPortal;
use ariza_sync::{Engine, SyncError};

fn raw(dir: &tempfile::TempDir) -> rusqlite::Connection {
    ariza_store::open_keyed_connection(&dir.path().join("desk.db")).unwrap()
}

#[test]
fn applications_reach_the_portal_once_and_decisions_come_back() {
    let portal = TestPortal::start();
    let code = portal.center_and_code("TSH07");
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "TSH07");
    let engine = Engine::new().unwrap();

    // Filed before enrollment: they wait.
    let ids = file(&store, &admin, 3);
    assert!(matches!(
        engine.sync_once(&store),
        Err(SyncError::NotEnrolled)
    ));
    assert_eq!(
        store.sync_status().unwrap().last_error.as_deref(),
        Some("err-not-enrolled")
    );

    let enrolled = engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    assert_eq!(enrolled.center.code, "TSH07");
    assert_eq!(enrolled.device_number, 1);

    let report = engine.sync_once(&store).unwrap();
    assert_eq!(report.delivered, 3);
    assert_eq!(portal.count("SELECT count(*) FROM application"), 3);
    let status = store.sync_status().unwrap();
    assert_eq!((status.backlog, status.quarantined), (0, 0));
    assert!(status.last_error.is_none() && status.last_success_at.is_some());
    assert_eq!(
        store.application(&ids[0]).unwrap().status,
        Status::Delivered
    );

    // Again: nothing to send, nothing doubled.
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 0);
    assert_eq!(portal.count("SELECT count(*) FROM application"), 3);

    // The answer to a push was lost: the desk sends the same batch again. Acknowledged as
    // duplicates, no second row.
    raw(&dir)
        .execute("INSERT INTO outbox (application_id, enqueued_at) SELECT id, updated_at FROM application", [])
        .unwrap();
    let again = store.outbox_batch(10).unwrap();
    assert_eq!(again.len(), 3);
    let client = reqwest::blocking::Client::new();
    let enrollment = store.enrollment().unwrap().unwrap();
    let body = serde_json::to_vec(&PushBatch {
        applications: again,
        audit: Vec::new(),
    })
    .unwrap();
    let path = "/api/v1/applications/batch";
    let resp: PushResponse = ariza_e2e::device::send_as(
        &client,
        &enrollment,
        client
            .post(format!("{}{path}", portal.url))
            .header("content-type", "application/json")
            .body(body),
    )
    .json()
    .unwrap();
    assert!(
        resp.results.iter().all(|r| r.outcome == Outcome::Duplicate),
        "{resp:?}"
    );
    assert_eq!(
        engine.sync_once(&store).unwrap().delivered,
        3,
        "re-acknowledged"
    );
    assert_eq!(portal.count("SELECT count(*) FROM application"), 3);

    // Decisions on the portal come back to the desk, once.
    portal.decide(&ids[0], Status::InReview, None);
    portal.decide(&ids[0], Status::Completed, None);
    portal.decide(&ids[1], Status::InReview, None);
    portal.decide(&ids[1], Status::Rejected, Some("hujjatlar toʻliq emas"));
    let report = engine.sync_once(&store).unwrap();
    assert_eq!(report.decisions, 4);
    let done = store.application(&ids[0]).unwrap();
    assert_eq!(done.status, Status::Completed);
    let rejected = store.application(&ids[1]).unwrap();
    assert_eq!(rejected.status, Status::Rejected);
    let last = rejected.history.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.reason.as_deref()),
        ("portal", Some("hujjatlar toʻliq emas"))
    );
    assert_eq!(
        store.application(&ids[2]).unwrap().status,
        Status::Delivered
    );
    assert_eq!(
        engine.sync_once(&store).unwrap().decisions,
        0,
        "the cursor advanced"
    );
}

#[test]
fn only_an_administrator_enrolls_and_a_refused_clerk_spends_no_code() {
    use ariza_core::error::Describe;
    let portal = TestPortal::start();
    let code = portal.center_and_code("ENR01");
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "ENR01");
    let clerk = store
        .add_staff(
            &admin,
            &ariza_core::staff::NewStaff {
                username: "dilnoza".into(),
                full_name: "Dilnoza".into(),
                role: ariza_core::staff::Role::Clerk,
                password: "clerk-pass-1".into(),
            },
            &SystemClock,
        )
        .unwrap();
    let clerk = store
        .sign_in(&clerk.username, "clerk-pass-1", &SystemClock)
        .unwrap();
    let engine = Engine::new().unwrap();
    let err = engine
        .enroll(&store, &clerk, &portal.url, &code, "desk-1", None)
        .unwrap_err();
    assert_eq!(err.code(), ariza_core::error::Code::Forbidden);
    assert_eq!(err.message().0, "err-forbidden");
    assert!(store.enrollment().unwrap().is_none(), "nothing saved");
    assert_eq!(
        portal.count("SELECT count(*) FROM device"),
        0,
        "code unspent"
    );
    // The store refuses too, whoever calls it.
    let err = store
        .save_enrollment(
            &clerk,
            "http://127.0.0.1:1",
            &ariza_core::wire::EnrollResponse {
                device_id: uuid::Uuid::now_v7(),
                device_number: 1,
                center: ariza_core::wire::WireCenter {
                    code: "ENR01".into(),
                    name: "n".into(),
                    region: "1726".into(),
                    district: "1726294".into(),
                },
                bundle_keys: None,
            },
            &ariza_sync::new_device_key().0,
            &[],
            chrono::Utc::now(),
        )
        .unwrap_err();
    assert_eq!(err.code(), ariza_core::error::Code::Forbidden);
    assert!(store.enrollment().unwrap().is_none());

    engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    assert!(store.enrollment().unwrap().is_some());
    let trail = store.audit_entries(50).unwrap();
    let enrolled = trail.iter().find(|e| e.action == "device.enroll").unwrap();
    assert_eq!(enrolled.actor, "admin", "the trail says who enrolled");
}

#[test]
fn a_used_unknown_or_expired_enrollment_code_is_refused() {
    let portal = TestPortal::start();
    let code = portal.center_and_code("AND01");
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "AND01");
    let engine = Engine::new().unwrap();
    engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();

    let dir2 = tempfile::tempdir().unwrap();
    let (store2, admin2) = desk(&dir2, "AND01");
    let err = engine
        .enroll(&store2, &admin2, &portal.url, &code, "desk-2", None)
        .unwrap_err();
    assert_eq!(err.message_key(), "err-enroll-code");
    let err = engine
        .enroll(
            &store2,
            &admin2,
            &portal.url,
            "0000-0000-0000-0000",
            "desk-2",
            None,
        )
        .unwrap_err();
    assert_eq!(err.message_key(), "err-enroll-code");
    assert!(store2.enrollment().unwrap().is_none());
    assert_eq!(portal.count("SELECT count(*) FROM device"), 1);
}

#[test]
fn conflicts_and_refusals_are_quarantined_and_never_block_the_queue() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "SAM02");

    let first = file(&store, &admin, 1);
    engine.sync_once(&store).unwrap();

    // Same id, different content: a conflict, recorded on the portal, never overwritten.
    let db = raw(&dir);
    db.execute(
        "UPDATE application SET form = '{\"reason\":\"lost\"}' WHERE id = ?1",
        [&first[0]],
    )
    .unwrap();
    db.execute(
        "INSERT INTO outbox (application_id, enqueued_at) VALUES (?1, '2026-01-01T00:00:00.000Z')",
        [&first[0]],
    )
    .unwrap();
    // And one the portal must refuse (a service it does not know), between two good ones.
    let more = file(&store, &admin, 3);
    db.execute(
        "UPDATE application SET service_code = 'no-such-service' WHERE id = ?1",
        [&more[1]],
    )
    .unwrap();

    let report = engine.sync_once(&store).unwrap();
    assert_eq!(
        (report.delivered, report.conflicts, report.rejected),
        (2, 1, 1)
    );
    assert_eq!(portal.count("SELECT count(*) FROM conflict"), 1);
    assert_eq!(portal.count("SELECT count(*) FROM application"), 3);
    let stored: String = portal.scalar(
        "SELECT body->'form'->>'reason' FROM application WHERE id = $1",
        &[&uuid::Uuid::parse_str(&first[0]).unwrap()],
    );
    assert_eq!(stored, "expired", "the portal kept the first content");
    let status = store.sync_status().unwrap();
    assert_eq!((status.backlog, status.quarantined), (0, 2));
    let key: String = db
        .query_row(
            "SELECT quarantine_key FROM outbox WHERE application_id = ?1",
            [&more[1]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(key, "err-portal-unknown-service");
    // The application itself says why, for the detail screen and `ariza show`.
    assert_eq!(
        store.application(&more[1]).unwrap().quarantine.as_deref(),
        Some("err-portal-unknown-service")
    );
    assert_eq!(
        store.application(&first[0]).unwrap().quarantine.as_deref(),
        Some("err-portal-conflict")
    );
    assert_eq!(store.application(&more[0]).unwrap().quarantine, None);
    // Later filings still flow.
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
}

#[test]
fn an_unreachable_portal_keeps_everything_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "NUK01");
    // Enrollment recorded by hand against a port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    store
        .save_enrollment(
            &admin,
            &url,
            &ariza_core::wire::EnrollResponse {
                device_id: uuid::Uuid::now_v7(),
                device_number: 1,
                center: ariza_core::wire::WireCenter {
                    code: "NUK01".into(),
                    name: "n".into(),
                    region: "1735".into(),
                    district: "1735401".into(),
                },
                bundle_keys: None,
            },
            &ariza_sync::new_device_key().0,
            &[],
            chrono::Utc::now(),
        )
        .unwrap();
    file(&store, &admin, 2);
    let err = Engine::new().unwrap().sync_once(&store).unwrap_err();
    assert_eq!(err.message_key(), "err-sync-offline");
    let status = store.sync_status().unwrap();
    assert_eq!(status.backlog, 2);
    assert_eq!(status.last_error.as_deref(), Some("err-sync-offline"));
}

/// Exactly once under faults: a proxy between engine and portal drops, resets, truncates and
/// delays connections and answers 502 at random, while the desk keeps filing and the portal
/// keeps deciding. Afterwards, with the link healed, every filed application is on the portal
/// exactly once and every decision is back on the desk.
#[test]
fn exactly_once_through_a_faulty_link() {
    use rand::{Rng, SeedableRng};
    let rounds: usize = ariza_e2e::env_number("ARIZA_FAULT_ROUNDS", 200);
    let seed = ariza_e2e::env_seed("ARIZA_FAULT_SEED");
    println!("fault test: {rounds} rounds, seed {seed} (ARIZA_FAULT_SEED={seed} to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let portal = TestPortal::start();
    let code = portal.center_and_code("FLT01");
    let upstream: std::net::SocketAddr = portal.url.trim_start_matches("http://").parse().unwrap();
    let proxy = ariza_e2e::fault_proxy::FaultProxy::start(upstream, seed, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "FLT01");
    let engine = Engine::new().unwrap();
    proxy.set_faults(false);
    engine
        .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
        .unwrap();
    proxy.set_faults(true);
    // A fresh engine, so its keep-alive connections are made through the faulty proxy.
    let engine = Engine::new().unwrap();

    let mut filed: Vec<String> = Vec::new();
    let (mut ok_runs, mut failed_runs) = (0, 0);
    for _ in 0..rounds {
        filed.extend(file(&store, &admin, rng.random_range(0..4)));
        if rng.random_bool(0.4) {
            let delivered: Vec<uuid::Uuid> = portal
                .query("SELECT id FROM application WHERE status IN ('delivered', 'in_review') ORDER BY random() LIMIT 2", &[])
                .iter()
                .map(|r| r.get(0))
                .collect();
            for id in delivered {
                let key = id.to_string();
                let current: String =
                    portal.scalar("SELECT status FROM application WHERE id = $1", &[&id]);
                if current == "delivered" {
                    portal.decide(&key, Status::InReview, None);
                } else {
                    match rng.random_range(0..3) {
                        0 => portal.decide(&key, Status::Completed, None),
                        1 => portal.decide(&key, Status::Rejected, Some("rad etildi")),
                        _ => portal.decide(&key, Status::Returned, Some("tuzatish kerak")),
                    }
                }
            }
        }
        match engine.sync_once(&store) {
            Ok(_) => ok_runs += 1,
            Err(_) => failed_runs += 1,
        }
    }
    println!(
        "fault test: {ok_runs} clean runs, {failed_runs} failed runs, {} connections",
        proxy.connections.load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(
        failed_runs > rounds / 10,
        "the proxy injected too few faults ({failed_runs}); seed {seed}"
    );

    // Heal the link and let the engine catch up.
    proxy.set_faults(false);
    for _ in 0..20 {
        if engine.sync_once(&store).is_ok() && store.sync_status().unwrap().backlog == 0 {
            break;
        }
    }
    engine.sync_once(&store).unwrap();

    let on_portal = portal.count("SELECT count(*) FROM application");
    assert_eq!(on_portal as usize, filed.len(), "seed {seed}");
    let ids: Vec<uuid::Uuid> = filed
        .iter()
        .map(|s| uuid::Uuid::parse_str(s).unwrap())
        .collect();
    let found: i64 = portal.scalar(
        "SELECT count(DISTINCT id) FROM application WHERE id = ANY($1)",
        &[&ids],
    );
    assert_eq!(
        found as usize,
        filed.len(),
        "every filed application is on the portal; seed {seed}"
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM conflict"),
        0,
        "seed {seed}"
    );
    let statuses: Vec<(uuid::Uuid, String)> = portal
        .query("SELECT id, status FROM application", &[])
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut decided = 0;
    for (id, status) in statuses {
        let desk_status = store.application(&id.to_string()).unwrap().status;
        assert_eq!(desk_status.as_str(), status, "{id}: seed {seed}");
        if status != "delivered" {
            decided += 1;
        }
    }
    println!(
        "fault test: {} applications exactly once, {decided} decided and back on the desk",
        filed.len()
    );
    assert_eq!(store.sync_status().unwrap().quarantined, 0);
}

/// Order and deadlines come from the portal's clock: a desk whose clock is three days ahead
/// still gets its applications ordered by arrival and its deadlines counted from the day the
/// portal received them.
#[test]
fn a_desk_with_a_wrong_clock_gets_portal_order_and_deadlines() {
    use ariza_core::clock::{Clock, FixedClock, tashkent};
    let portal = TestPortal::start();
    let code_a = portal.center_and_code("SKW01");
    let code_b = portal.rt.block_on(async {
        ariza_portal::new_enroll_code(&portal.portal, "SKW01", 1)
            .await
            .unwrap()
    });
    let engine = Engine::new().unwrap();

    let dir_a = tempfile::tempdir().unwrap();
    let (ahead, admin_a) = desk(&dir_a, "SKW01");
    engine
        .enroll(&ahead, &admin_a, &portal.url, &code_a, "desk-ahead", None)
        .unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let (right, admin_b) = desk(&dir_b, "SKW01");
    engine
        .enroll(&right, &admin_b, &portal.url, &code_b, "desk-right", None)
        .unwrap();

    let wrong_clock = FixedClock::new(chrono::Utc::now() + chrono::Duration::days(3));
    let a = file_with_clock(&ahead, &admin_a, 1, &wrong_clock).remove(0);
    let desk_due = ahead.application(&a).unwrap().due_date;
    engine.sync_once(&ahead).unwrap();
    let b = file(&right, &admin_b, 1).remove(0);
    engine.sync_once(&right).unwrap();

    // Arrival order on the portal, whatever the desks' clocks said.
    let order: Vec<uuid::Uuid> = portal
        .query("SELECT id FROM application ORDER BY receive_seq", &[])
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        order.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
        [a.clone(), b.clone()]
    );
    let filed_later_by_desk_clock =
        ahead.application(&a).unwrap().filed_at > right.application(&b).unwrap().filed_at;
    assert!(
        filed_later_by_desk_clock,
        "the skewed desk's own timestamp is later"
    );

    // The deadline is the portal's, counted from today's date in Tashkent.
    let catalog = ariza_core::catalog::default_catalog().unwrap();
    let days = catalog.service("id-card").unwrap().deadline_working_days;
    let today = SystemClock.now().with_timezone(&tashkent()).date_naive();
    let expected = ariza_core::working_days::add_working_days(today, days, &catalog.holidays);
    assert_eq!(
        ahead.application(&a).unwrap().due_date,
        expected,
        "desk had {desk_due}"
    );
    let on_portal: chrono::NaiveDate = portal.scalar(
        "SELECT due_date FROM application WHERE id = $1",
        &[&uuid::Uuid::parse_str(&a).unwrap()],
    );
    assert_eq!(on_portal, expected);
}

/// The feed also carries catalog versions and staff: a new version reaches the desk and new
/// filings use it; a staff member added on the portal can sign in at the desk with no network.
#[test]
fn catalog_versions_and_staff_come_down_the_feed() {
    let portal = TestPortal::start();
    let mut v2 = ariza_core::catalog::default_catalog().unwrap();
    v2.version += 1;
    v2.services
        .iter_mut()
        .find(|s| s.code == "id-card")
        .unwrap()
        .fee_uzs = 99_000;
    portal.rt.block_on(async {
        ariza_portal::publish_catalog(&portal.portal, &v2)
            .await
            .unwrap()
    });
    // The center is created after the publication: its feed starts with the catalog in force.
    let code = portal.center_and_code("CAT01");
    let staff = ariza_core::wire::StaffChange {
        username: "malika".into(),
        full_name: "Malika Saidova".into(),
        role: ariza_core::staff::Role::Clerk,
        active: true,
        password_hash: ariza_core::staff::hash_password("malika-pass-1").unwrap(),
    };
    portal.rt.block_on(async {
        ariza_portal::set_center_staff(&portal.portal, "CAT01", &staff)
            .await
            .unwrap()
    });

    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "CAT01");
    assert!(
        store
            .sign_in("malika", "malika-pass-1", &ariza_core::clock::SystemClock)
            .is_err()
    );
    let engine = Engine::new().unwrap();
    engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    engine.sync_once(&store).unwrap();
    assert_eq!(store.catalog().unwrap().version, v2.version);
    // The checklist travels with the version: which documents are required, which formats.
    let eri = store.catalog().unwrap().service("eri-key").unwrap().clone();
    let identity = eri.documents.iter().find(|d| d.key == "identity").unwrap();
    assert!(identity.required);
    assert_eq!(eri.documents, v2.service("eri-key").unwrap().documents);
    let malika = store
        .sign_in("malika", "malika-pass-1", &ariza_core::clock::SystemClock)
        .unwrap();
    assert_eq!(malika.role, ariza_core::staff::Role::Clerk);
    let id = file(&store, &malika, 1).remove(0);
    let app = store.application(&id).unwrap();
    assert_eq!((app.catalog_version, app.fee_uzs), (v2.version, 99_000));

    // Applying the same feed again changes nothing; an older version never replaces a newer.
    engine.sync_once(&store).unwrap();
    assert_eq!(store.catalog().unwrap().version, v2.version);
    let mut v1 = ariza_core::catalog::default_catalog().unwrap();
    v1.version = 1;
    let older = portal
        .rt
        .block_on(async { ariza_portal::publish_catalog(&portal.portal, &v1).await });
    assert!(older.is_err(), "versions only go up");

    // A staff member deactivated on the portal can no longer sign in at the desk.
    let off = ariza_core::wire::StaffChange {
        active: false,
        ..staff
    };
    portal.rt.block_on(async {
        ariza_portal::set_center_staff(&portal.portal, "CAT01", &off)
            .await
            .unwrap()
    });
    engine.sync_once(&store).unwrap();
    assert!(
        store
            .sign_in("malika", "malika-pass-1", &ariza_core::clock::SystemClock)
            .is_err()
    );
}

/// A damaged row in the outbox stops the push: the engine reports the damage (table and
/// column) and the portal receives nothing, rather than a citizen with a made-up birth date.
#[test]
fn a_damaged_row_is_never_delivered() {
    let portal = TestPortal::start();
    let code = portal.center_and_code("TSH07");
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "TSH07");
    let engine = Engine::new().unwrap();
    file(&store, &admin, 2);
    engine
        .enroll(&store, &admin, &portal.url, &code, "desk-1", None)
        .unwrap();
    raw(&dir)
        .execute("UPDATE citizen SET birth_date = 'not-a-date'", [])
        .unwrap();
    match engine.sync_once(&store) {
        Err(SyncError::Store(ariza_store::StoreError::Corrupt { table, column })) => {
            assert_eq!((table, column), ("citizen", "birth_date"));
        }
        other => panic!("expected the damage reported, got {other:?}"),
    }
    assert_eq!(portal.count("SELECT count(*) FROM application"), 0);
    assert_eq!(store.outbox_backlog().unwrap(), 2);

    // Repaired, the same applications go.
    raw(&dir)
        .execute("UPDATE citizen SET birth_date = '1990-05-12'", [])
        .unwrap();
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 2);
    assert_eq!(portal.count("SELECT count(*) FROM application"), 2);
}

#[test]
fn an_enrollment_whose_answer_was_lost_is_answered_again() {
    use ariza_e2e::fault_proxy::{Fault, FaultProxy};
    let portal = TestPortal::start();
    let code = portal.center_and_code("RTY01");
    // The first connection reaches the portal, which enrolls the desk and commits; then the
    // link resets before the answer gets back.
    let proxy = FaultProxy::scripted(
        portal.url.trim_start_matches("http://").parse().unwrap(),
        &[Fault::ResetAfterAnswer],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "RTY01");
    let engine = Engine::new().unwrap();
    let enrolled = engine
        .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
        .unwrap();
    assert_eq!(
        proxy.connections.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "the answer was lost once and asked for again"
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM device"),
        1,
        "enrolled once"
    );
    let e = store.enrollment().unwrap().unwrap();
    assert_eq!(e.device_id, enrolled.device_id);
    file(&store, &admin, 2);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 2);

    // Asked again by hand: the same code and key get the same answer; another key does not.
    let ask = |public_key: &str| {
        reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/enroll", portal.url))
            .json(&ariza_core::wire::EnrollRequest {
                code: code.clone(),
                device_name: "desk-1".into(),
                public_key: public_key.to_string(),
                bundle_recipient: None,
            })
            .send()
            .unwrap()
    };
    let same = ask(&ariza_sync::transport::public_key_of(&e.signing_key).unwrap());
    assert_eq!(same.status().as_u16(), 200);
    assert_eq!(
        same.json::<ariza_core::wire::EnrollResponse>().unwrap(),
        enrolled
    );
    let other = ask(&ariza_sync::new_device_key().1);
    assert_eq!(other.status().as_u16(), 403);
    assert_eq!(
        other.json::<serde_json::Value>().unwrap()["code"],
        "enroll_code_invalid"
    );
    assert_eq!(portal.count("SELECT count(*) FROM device"), 1);
}
