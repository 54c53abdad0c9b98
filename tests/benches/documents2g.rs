//! A scanned document over an emulated Regular 2G link (50 kbit/s up, 250 kbit/s down,
//! 300 ms round trip) that is cut five times during the upload: every connection under way
//! is reset at once, as when the link drops. Prints the wall time against the link's floor
//! for the file's bytes, what went up on the wire, the chunks sent against those needed (each
//! cut costs at most the chunk in flight), and how long a record filed in the middle of the
//! upload waited for delivery (records never wait behind documents).
//! Run: `cargo bench -p ariza-e2e --bench documents2g` (ARIZA_BENCH_DOC_BYTES = the scan's
//! size, default 2,000,000; ARIZA_BENCH_DOC_CUTS = cuts, default 5).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ariza_e2e::desk::{desk, file, file_with_documents, large_pdf};
use ariza_e2e::fault_proxy::{FaultProxy, REGULAR_2G};
use ariza_e2e::portal::TestPortal;
use ariza_sync::Engine;
use ariza_sync::documents::{CHUNK_BYTES, ChunkSent};

const UP: u64 = REGULAR_2G.up_bytes_per_sec;

fn main() {
    let size: usize = ariza_e2e::env_number("ARIZA_BENCH_DOC_BYTES", 2_000_000);
    let cuts: usize = ariza_e2e::env_number("ARIZA_BENCH_DOC_CUTS", 5);
    let portal = TestPortal::start();
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    let link = REGULAR_2G;
    let code = portal.center_and_code("DGG01");
    let proxy = Arc::new(FaultProxy::start(upstream, 0, Some(link)).unwrap());
    proxy.set_faults(false);
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "DGG01");
    let sent: Arc<Mutex<Vec<(Instant, ChunkSent)>>> = Arc::default();
    let mut engine = Engine::new().unwrap();
    let seen = sent.clone();
    engine.observe_chunks(Box::new(move |c| {
        seen.lock().unwrap().push((Instant::now(), c.clone()));
    }));
    engine
        .enroll(&store, &admin, &proxy.url(), &code, "desk", None)
        .unwrap();
    let pdf = large_pdf(size, 2026);
    let (_, sha) = file_with_documents(&store, &admin, &pdf);
    let floor = pdf.len() as f64 / UP as f64;
    println!(
        "documents over 2G: a {} KB scan, {} KiB chunks, {cuts} cuts; link floor for its bytes {floor:.0} s",
        pdf.len() / 1000,
        CHUNK_BYTES / 1024
    );

    let up0 = proxy.bytes_up.load(Ordering::Relaxed);
    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    // The cutter: five cuts spread over the expected upload time.
    let cutter = {
        let proxy = proxy.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let mut made = 0;
            for i in 1..=cuts {
                let at = Duration::from_secs_f64(floor * i as f64 / (cuts as f64 + 1.0));
                while started.elapsed() < at {
                    if done.load(Ordering::Relaxed) {
                        return made;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                if proxy.cut_all() > 0 {
                    made += 1;
                }
            }
            made
        })
    };
    // A record filed during the upload (between two cuts): how long until it is delivered.
    let record_latency = {
        let store_path = dir.path().join("desk.db");
        let done = done.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs_f64(floor * 0.4));
            if done.load(Ordering::Relaxed) {
                return None;
            }
            let store = ariza_store::Store::open(&store_path).unwrap();
            let admin = store
                .sign_in("admin", "admin-pass-1", &ariza_core::clock::SystemClock)
                .unwrap();
            let filed_at = Instant::now();
            let id = file(&store, &admin, 1).remove(0);
            loop {
                let status = store.application(&id).unwrap().status;
                if status == ariza_core::application::Status::Delivered {
                    return Some(filed_at.elapsed());
                }
                if done.load(Ordering::Relaxed) {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let mut runs = 0;
    let mut failed = 0;
    loop {
        runs += 1;
        if engine.sync_once(&store).is_err() {
            failed += 1;
        }
        let status = store.sync_status().unwrap();
        if status.documents.waiting == 0 && status.backlog == 0 {
            break;
        }
        assert!(runs < 500, "the scan never arrived");
    }
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let cuts_made = cutter.join().unwrap();
    let latency = record_latency.join().unwrap();
    let up = proxy.bytes_up.load(Ordering::Relaxed) - up0;
    let chunks: Vec<ChunkSent> = sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, c)| c.sha256 == sha)
        .map(|(_, c)| c.clone())
        .collect();
    let needed = pdf.len().div_ceil(CHUNK_BYTES);
    let on_portal: Vec<u8> = portal.scalar("SELECT bytes FROM document WHERE sha256 = $1", &[&sha]);
    assert!(on_portal == pdf, "the scan arrived byte for byte");
    println!(
        "  wall time {elapsed:7.1} s   ({:.2}× the link's floor), {runs} sync runs, {failed} cut short",
        elapsed / floor
    );
    println!(
        "  up on the wire {:7} KB ({:.3}× the scan), chunks sent {} for {needed} needed, cuts {cuts_made}",
        up / 1000,
        up as f64 / pdf.len() as f64,
        chunks.len()
    );
    match latency {
        Some(l) => println!(
            "  a record filed mid-upload was delivered {:.1} s later (one chunk at 2G takes {:.0} s)",
            l.as_secs_f64(),
            CHUNK_BYTES as f64 / UP as f64
        ),
        None => println!("  (the upload ended before a record could be filed mid-way)"),
    }
}
