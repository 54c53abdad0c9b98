//! How many pages one filing writes, and which b-trees they belong to: each page written is
//! encrypted and authenticated on its own, so this is what encryption costs a filing.
//!   cargo run --release -p ariza-store --example pages_per_filing [plain|encrypted] [one|by-btree]

// A measuring tool: a failure is a panic with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#[path = "../tests/support/scans.rs"]
mod scans;

use std::collections::BTreeMap;

use ariza_core::application::FileRequest;
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::FixedClock;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::staff::{NewStaff, Role};
use ariza_store::{SetupRequest, Store};

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let clock = FixedClock::at_tashkent(2026, 11, 20, 10, 0);
    let encrypted = std::env::args().nth(1).as_deref() == Some("encrypted");
    let store = if encrypted {
        Store::open(&path).unwrap()
    } else {
        Store::open_unencrypted_for_benchmark(&path).unwrap()
    };
    let admin = store
        .setup(
            &SetupRequest {
                center_code: "BENCH".into(),
                center_name: "B".into(),
                region: "1726".into(),
                district: "1726294".into(),
                admin: NewStaff {
                    username: "admin".into(),
                    full_name: "A".into(),
                    role: Role::Admin,
                    password: "bench-pass".into(),
                },
            },
            &clock,
        )
        .unwrap();
    let birth = chrono::NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let c = store
        .register_citizen(
            &admin,
            &CitizenInput {
                pinfl: Pinfl::compose(Sex::Male, birth, 26, 1).to_string(),
                document_kind: Some(DocumentKind::Passport),
                document_number: "AA1234567".into(),
                surname: "K".into(),
                given_name: "S".into(),
                patronymic: String::new(),
                birth_date: "1990-05-12".into(),
                sex: Some(Sex::Male),
                phone: String::new(),
                region: "1726".into(),
                district: "1726294".into(),
                street: String::new(),
            },
            &clock,
        )
        .unwrap();
    let form: BTreeMap<String, serde_json::Value> = serde_json::from_value(
        serde_json::json!({"holder_type": "individual", "phone": "+998901234567"}),
    )
    .unwrap();
    let req = FileRequest {
        citizen_id: c.id,
        service_code: "eri-key".into(),
        form,
        documents: scans::required_documents(&store, "eri-key", &clock),
        receipt_locale: None,
    };
    for _ in 0..500 {
        store.file_application(&admin, &req, &clock).unwrap();
    }
    store.checkpoint().unwrap();
    let wal = path.with_extension("db-wal");
    let conn = if encrypted {
        ariza_store::open_keyed_connection(&path).unwrap()
    } else {
        ariza_store::open_bare(&path, None).unwrap()
    };
    let frames = |c: &rusqlite::Connection| -> i64 {
        c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
            .unwrap()
    };
    // The first write after a full checkpoint restarts the WAL; count from after it.
    frames(&conn);
    store.file_application(&admin, &req, &clock).unwrap();
    let f0 = frames(&conn);
    for _ in 0..100 {
        store.file_application(&admin, &req, &clock).unwrap();
    }
    let f1 = frames(&conn);
    let detail = std::env::args().nth(2);
    if let Some(filings) = detail.as_deref().and_then(|d| match d {
        "one" => Some(1),
        "by-btree" => Some(100),
        _ => None,
    }) {
        // Filings after a full checkpoint, then which b-trees their WAL frames belong to: each
        // frame for "one", frames per filing by b-tree for "by-btree".
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        for _ in 0..filings {
            store.file_application(&admin, &req, &clock).unwrap();
        }
        let mut by_btree: BTreeMap<String, u32> = BTreeMap::new();
        let bytes = std::fs::read(&wal).unwrap();
        let page_size = u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize;
        let mut off = 32;
        while off + 24 + page_size <= bytes.len() {
            let pgno = u32::from_be_bytes(bytes[off..off + 4].try_into().unwrap());
            let name: String = conn
                .query_row("SELECT name FROM dbstat WHERE pageno = ?1", [pgno], |r| {
                    r.get(0)
                })
                .unwrap_or_else(|_| "?".into());
            if filings == 1 {
                println!("  frame: page {pgno} {name}");
            }
            *by_btree.entry(name).or_default() += 1;
            off += 24 + page_size;
        }
        if filings > 1 {
            for (name, frames) in by_btree {
                println!(
                    "  {name:40} {:5.2} frames per filing",
                    frames as f64 / filings as f64
                );
            }
        }
    }
    println!(
        "WAL frames per filing: {:.1} (log {f0} -> {f1})",
        (f1 - f0) as f64 / 100.0
    );
}
