//! Portal benchmarks; prints its figures. Needs PostgreSQL (scripts/setup.sh --test).
//! Run: `cargo bench -p ariza-e2e --bench portal`
//!
//! Ingest: applications per second sustained into PostgreSQL through the HTTP API that desks
//! use (zstd batches of 1000 from several concurrent senders), N = ARIZA_BENCH_INGEST (50,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use ariza_core::application::{HistoryEntry, HistoryEvent, Status};
use ariza_core::citizen::Sex;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::{Channel, PushBatch, PushResponse, WireApplication, WireCitizen};
use ariza_e2e::portal::TestPortal;
use chrono::{NaiveDate, Utc};

fn application(center: &str, device: u32, seq: u32) -> WireApplication {
    let birth =
        NaiveDate::from_ymd_opt(1980 + (seq % 30) as i32, 1 + seq % 12, 1 + seq % 28).unwrap();
    let now = Utc::now();
    WireApplication {
        id: uuid::Uuid::now_v7(),
        tracking_number: TrackingNumber::new(center, now.date_naive(), device, seq).to_string(),
        channel: Channel::InPerson,
        service_code: "id-card".into(),
        catalog_version: 1,
        citizen: WireCitizen {
            pinfl: Pinfl::compose(Sex::Female, birth, 26, seq % 1000).to_string(),
            document_kind: DocumentKind::Passport,
            document_number: format!("AA{:07}", seq),
            surname: "Karimova".into(),
            given_name: "Dilnoza".into(),
            patronymic: "Akmalovna".into(),
            birth_date: birth,
            sex: Sex::Female,
        },
        form: [("reason".to_string(), "expired".to_string())]
            .into_iter()
            .collect(),
        fee_uzs: 82_400,
        clerk: "dilnoza".into(),
        filed_at: now,
        history: vec![HistoryEntry {
            from: Some(Status::Draft),
            to: Status::Filed,
            at: now,
            actor: "dilnoza".into(),
            actor_name: "Dilnoza".into(),
            reason: None,
            event: HistoryEvent::Status,
            detail: None,
        }],
        documents: Vec::new(),
        receipt_code: None,
    }
}

fn main() {
    let n: u32 = std::env::var("ARIZA_BENCH_INGEST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let senders: u32 = 4;
    let portal = TestPortal::start();
    let client = reqwest::blocking::Client::new();
    // One center per sender, each with its enrolled device.
    let mut devices = Vec::new();
    for s in 0..senders {
        let center = format!("BEN{s:02}");
        let code = portal.center_and_code(&center);
        let device = ariza_e2e::device::TestDevice::enroll(&client, &portal.url, &code);
        devices.push((center, device));
    }
    let per_sender = n / senders;
    let batches: Vec<Vec<(Vec<u8>, usize)>> = devices
        .iter()
        .map(|(center, _)| {
            (0..per_sender)
                .collect::<Vec<_>>()
                .chunks(1000)
                .map(|chunk| {
                    let apps: Vec<_> = chunk
                        .iter()
                        .map(|&i| application(center, 1, i + 1))
                        .collect();
                    let json = serde_json::to_vec(&PushBatch {
                        applications: apps,
                        audit: Vec::new(),
                    })
                    .unwrap();
                    (zstd::encode_all(json.as_slice(), 3).unwrap(), chunk.len())
                })
                .collect()
        })
        .collect();
    let t = Instant::now();
    std::thread::scope(|scope| {
        for ((_, device), batches) in devices.iter().zip(&batches) {
            let base = portal.url.clone();
            scope.spawn(move || {
                let client = reqwest::blocking::Client::new();
                for (body, _) in batches {
                    let request = device.request(
                        &client,
                        &base,
                        "POST",
                        "/api/v1/applications/batch",
                        body,
                        &[
                            ("content-encoding", "zstd"),
                            ("content-type", "application/json"),
                        ],
                        ariza_e2e::device::now_ms(),
                    );
                    let r: PushResponse = client.execute(request).unwrap().json().unwrap();
                    assert!(
                        r.results
                            .iter()
                            .all(|x| x.outcome == ariza_core::wire::Outcome::Accepted)
                    );
                }
            });
        }
    });
    let secs = t.elapsed().as_secs_f64();
    let stored = portal.count("SELECT count(*) FROM application");
    println!(
        "portal ingest: {stored} applications in {secs:.2} s = {:.0} applications/s ({senders} concurrent senders, batches of 1000, zstd; target ≥ 5000/s)",
        stored as f64 / secs
    );
}
