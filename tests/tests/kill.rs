//! Crashes in the middle of sync: the desk's sync process SIGKILLed at random moments while it
//! delivers over a slow link, and the portal process SIGKILLed and restarted while batches
//! arrive. Afterwards every application is on the portal exactly once and delivered on the
//! desk.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ariza_e2e::desk::{desk, file};
use ariza_e2e::fault_proxy::{FaultProxy, Link};
use ariza_e2e::portal::TestPortal;
use ariza_sync::Engine;
use rand::{Rng, SeedableRng};

fn seed() -> u64 {
    ariza_e2e::env_seed("ARIZA_KILL_SEED")
}

fn assert_exactly_once(
    portal: &TestPortal,
    store: &ariza_store::Store,
    filed: &[String],
    seed: u64,
) {
    assert_eq!(
        portal.count("SELECT count(*) FROM application") as usize,
        filed.len(),
        "seed {seed}"
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM conflict"),
        0,
        "seed {seed}"
    );
    let status = store.sync_status().unwrap();
    assert_eq!((status.backlog, status.quarantined), (0, 0), "seed {seed}");
    for id in filed {
        assert_eq!(
            store.application(id).unwrap().status,
            ariza_core::application::Status::Delivered,
            "seed {seed}"
        );
    }
}

#[test]
fn the_desk_killed_mid_sync_loses_nothing_and_doubles_nothing() {
    let seed = seed();
    println!("desk kill test: seed {seed} (ARIZA_KILL_SEED={seed} to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let portal = TestPortal::start();
    let code = portal.center_and_code("KIL01");
    // A slow link, so that a kill lands in the middle of a batch more often than not.
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    let link = Link {
        up_bytes_per_sec: 8_000,
        down_bytes_per_sec: 30_000,
        one_way_delay: Duration::from_millis(5),
    };
    let proxy = FaultProxy::start(upstream, seed, Some(link)).unwrap();
    proxy.set_faults(false);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let filed = {
        let (store, admin) = desk(&dir, "KIL01");
        Engine::new()
            .unwrap()
            .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
            .unwrap();
        file(&store, &admin, 1000)
    };
    let mut kills = 0;
    for round in 0..40 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sync-runner"))
            .arg(&db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(20..400)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        // The database opens and is intact after every kill.
        let store = ariza_store::Store::open(&db).unwrap();
        assert_eq!(
            store.integrity_check().unwrap(),
            "ok",
            "round {round}, seed {seed}"
        );
        if store.sync_status().unwrap().backlog == 0 {
            break;
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sync-runner"))
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("done"));
    println!("desk kill test: {kills} kills mid-sync");
    assert!(
        kills >= 5,
        "too few kills landed mid-sync ({kills}); seed {seed}"
    );
    let store = ariza_store::Store::open(&db).unwrap();
    assert_exactly_once(&portal, &store, &filed, seed);
}

struct PortalProcess(Child);

impl PortalProcess {
    fn start(database_url: &str, addr: &str) -> PortalProcess {
        let child = Command::new(env!("CARGO_BIN_EXE_portal-server"))
            .args([database_url, addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it answers.
        let client = reqwest::blocking::Client::new();
        for _ in 0..100 {
            if client
                .get(format!("http://{addr}/api/v1/health"))
                .send()
                .is_ok()
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        PortalProcess(child)
    }

    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_portal_killed_mid_batch_loses_nothing_and_doubles_nothing() {
    let seed = seed();
    println!("portal kill test: seed {seed} (ARIZA_KILL_SEED={seed} to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut portal = TestPortal::start();
    let code = portal.center_and_code("KIL02");
    portal.stop_server(); // the in-process server goes; the separate process takes over
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let db_url = portal.database_url();

    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "KIL02");
    let mut server = PortalProcess::start(&db_url, &addr);
    let engine = Engine::new().unwrap();
    engine
        .enroll(
            &store,
            &admin,
            &format!("http://{addr}"),
            &code,
            "desk-1",
            None,
        )
        .unwrap();
    let mut filed = Vec::new();
    let mut kills = 0;
    for _ in 0..20 {
        filed.extend(file(&store, &admin, 100));
        // Kill the portal at a random moment while the desk pushes.
        let killer = std::thread::spawn({
            let wait = Duration::from_millis(rng.random_range(5..150));
            move || {
                std::thread::sleep(wait);
                server.kill();
            }
        });
        let _ = engine.sync_once(&store);
        killer.join().unwrap();
        kills += 1;
        server = PortalProcess::start(&db_url, &addr);
    }
    for _ in 0..10 {
        if engine.sync_once(&store).is_ok() && store.sync_status().unwrap().backlog == 0 {
            break;
        }
    }
    server.kill();
    println!(
        "portal kill test: {kills} portal kills, {} applications",
        filed.len()
    );
    assert_exactly_once(&portal, &store, &filed, seed);
}
