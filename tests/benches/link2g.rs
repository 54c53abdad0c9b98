//! Delivery over an emulated Regular 2G link (50 kbit/s up, 250 kbit/s down, 300 ms round
//! trip), through the shaping proxy on 127.0.0.1. Prints wall time and bytes on the wire for
//! the sync engine (zstd batches in push format 2) beside a baseline that posts one application
//! per request, uncompressed, after a probe request, the way OpenRosa clients (ODK Collect:
//! HEAD, then POST per submission) do; the bytes up per application, split into what the
//! applications and what their audit entries cost (each part of every push compressed alone,
//! as the engine would send it); and the engine's time against the link's floor.
//! Run: `cargo bench -p ariza-e2e --bench link2g` (ARIZA_BENCH_2G = applications, default
//! 10,000; ARIZA_BENCH_2G_BASELINE = how many the baseline sends, default 200, scaled up).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ariza_core::wire::{ApplicationColumns, AuditColumns, PushBatch, PushBatchV2};
use ariza_e2e::desk::{desk, file_varied};
use ariza_e2e::fault_proxy::{FaultProxy, REGULAR_2G};
use ariza_e2e::portal::TestPortal;
use ariza_sync::Engine;

const UP: u64 = REGULAR_2G.up_bytes_per_sec;
const DOWN: u64 = REGULAR_2G.down_bytes_per_sec;

fn main() {
    let n: usize = std::env::var("ARIZA_BENCH_2G")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let base_n: usize = std::env::var("ARIZA_BENCH_2G_BASELINE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let portal = TestPortal::start();
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    let link = REGULAR_2G;
    let rtt = 0.3;

    // The engine: all n applications.
    let code = portal.center_and_code("GTG01");
    let proxy = FaultProxy::start(upstream, 0, Some(link)).unwrap();
    proxy.set_faults(false);
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "GTG01");
    let mut engine = Engine::new().unwrap();
    let pushes: Arc<Mutex<Vec<(PushBatchV2, usize)>>> = Arc::default();
    let seen = pushes.clone();
    engine.observe_pushes(Box::new(move |push, body| {
        seen.lock().unwrap().push((push.clone(), body));
    }));
    engine
        .enroll(&store, &admin, &proxy.url(), &code, "desk", None)
        .unwrap();
    file_varied(&store, &admin, n);
    let (up0, down0) = (
        proxy.bytes_up.load(Ordering::Relaxed),
        proxy.bytes_down.load(Ordering::Relaxed),
    );
    let t = Instant::now();
    let mut batches = 0;
    let mut runs = 0;
    while store.sync_status().unwrap().backlog > 0 {
        let r = engine.sync_once(&store).unwrap();
        batches += r.batches;
        runs += 1;
    }
    let engine_secs = t.elapsed().as_secs_f64();
    let up = proxy.bytes_up.load(Ordering::Relaxed) - up0;
    let down = proxy.bytes_down.load(Ordering::Relaxed) - down0;
    // One round trip per request (the probe and one change-feed read per run, and each batch),
    // plus the bytes at the link's rates.
    let requests = batches + 2 * runs;
    let floor = up as f64 / UP as f64 + down as f64 / DOWN as f64 + requests as f64 * rtt;
    assert_eq!(portal.count("SELECT count(*) FROM application") as usize, n);
    // What the push bodies were made of: each push's applications alone and its audit entries
    // alone, compressed as the engine compresses.
    let (mut bodies, mut app_bytes, mut audit_bytes, mut entries) = (0, 0, 0, 0);
    for (push, body) in pushes.lock().unwrap().iter() {
        bodies += body;
        entries += push.audit.entries.len();
        let mut apps_only = push.clone();
        apps_only.audit.entries = AuditColumns::default();
        app_bytes += ariza_sync::encode_push(&apps_only).unwrap().len();
        let mut audit_only = push.clone();
        audit_only.applications = ApplicationColumns::default();
        audit_bytes += ariza_sync::encode_push(&audit_only).unwrap().len();
    }

    // The baseline: one application per request, uncompressed, after a probe.
    let code_b = portal.rt.block_on(async {
        ariza_portal::new_enroll_code(&portal.portal, "GTG01", 1)
            .await
            .unwrap()
    });
    let proxy_b = FaultProxy::start(upstream, 0, Some(link)).unwrap();
    proxy_b.set_faults(false);
    let dir_b = tempfile::tempdir().unwrap();
    let (store_b, admin_b) = desk(&dir_b, "GTG01");
    engine
        .enroll(
            &store_b,
            &admin_b,
            &proxy_b.url(),
            &code_b,
            "baseline",
            None,
        )
        .unwrap();
    let enrollment = store_b.enrollment().unwrap().unwrap();
    file_varied(&store_b, &admin_b, base_n);
    let apps = store_b.outbox_batch(base_n).unwrap();
    let client = reqwest::blocking::Client::new();
    let (bu0, bd0) = (
        proxy_b.bytes_up.load(Ordering::Relaxed),
        proxy_b.bytes_down.load(Ordering::Relaxed),
    );
    let t = Instant::now();
    for app in apps {
        client
            .get(format!("{}/api/v1/health", proxy_b.url()))
            .send()
            .unwrap()
            .bytes()
            .unwrap();
        let body = serde_json::to_vec(&PushBatch {
            applications: vec![app],
            audit: Vec::new(),
        })
        .unwrap();
        let path = "/api/v1/applications/batch";
        let r = ariza_e2e::device::send_as(
            &client,
            &enrollment,
            client
                .post(format!("{}{path}", proxy_b.url()))
                .header("content-type", "application/json")
                .body(body),
        );
        assert!(r.status().is_success());
        r.bytes().unwrap();
    }
    let scale = n as f64 / base_n as f64;
    let base_secs = t.elapsed().as_secs_f64() * scale;
    let base_up = (proxy_b.bytes_up.load(Ordering::Relaxed) - bu0) as f64 * scale;
    let base_down = (proxy_b.bytes_down.load(Ordering::Relaxed) - bd0) as f64 * scale;

    println!(
        "delivery of {n} applications over emulated Regular 2G (50 kbit/s up, 250 kbit/s down, 300 ms RTT):"
    );
    println!(
        "  sync engine (zstd batches)  {engine_secs:8.1} s   {:>10} bytes up {:>9} down   {requests} requests",
        up, down
    );
    println!(
        "  one per request (baseline)  {base_secs:8.1} s   {:>10.0} bytes up {:>9.0} down   (measured on {base_n}, scaled x{scale:.0})",
        base_up, base_down
    );
    println!(
        "  engine vs baseline: {:.1}x less time (target ≥ 20x), {:.1}x fewer bytes (target ≥ 4x)",
        base_secs / engine_secs,
        (base_up + base_down) / (up + down) as f64
    );
    let per = |b: f64| b / n as f64;
    println!(
        "  bytes up per application: {:.1} (target ≤ 50): push bodies {:.1} ({} pushes), requests' headers and the other requests {:.1}",
        per(up as f64),
        per(bodies as f64),
        pushes.lock().unwrap().len(),
        per((up as usize - bodies) as f64)
    );
    println!(
        "    compressed alone: applications {:.1}, audit entries {:.1} ({entries} entries, {:.2} per application)",
        per(app_bytes as f64),
        per(audit_bytes as f64),
        entries as f64 / n as f64
    );
    println!(
        "  link floor for the engine's bytes and requests: {floor:.1} s; engine/floor = {:.2} (target ≤ 1.1)",
        engine_secs / floor
    );
}
