//! Crash test: a child process files applications in a loop, printing each tracking number
//! after its commit returns; we SIGKILL it at random moments. After every kill the database
//! must open, pass `PRAGMA integrity_check`, and hold every number that was printed.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ariza_store::{ListFilter, Store};
use rand::{Rng, SeedableRng};

#[test]
fn no_filed_application_is_lost_when_the_process_is_killed() {
    let rounds: usize = ariza_e2e::env_number("ARIZA_CRASH_ROUNDS", 60);
    let seed = ariza_e2e::env_seed("ARIZA_CRASH_SEED");
    println!("crash test: {rounds} rounds, seed {seed} (ARIZA_CRASH_SEED={seed} to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut printed: Vec<(String, String)> = Vec::new();

    for round in 0..rounds {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-filer"))
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first commit so every round kills mid-loop, then a random moment more.
        let first = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("round {round}: no output"));
        std::thread::sleep(Duration::from_millis(rng.random_range(0..150)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let mut lines = vec![first];
        lines.extend(rx.try_iter());
        for line in lines {
            // A line is only complete (and so only counts) with both fields.
            if let Some((id, tracking)) = line.split_once(' ') {
                printed.push((id.to_string(), tracking.to_string()));
            }
        }

        let store = Store::open(&db).unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
        assert_eq!(
            store.integrity_check().unwrap(),
            "ok",
            "round {round} (seed {seed})"
        );
        for (id, tracking) in &printed {
            let app = store
                .application(id)
                .unwrap_or_else(|e| panic!("round {round} (seed {seed}): {tracking} lost: {e}"));
            assert_eq!(app.tracking_number.as_str(), tracking);
            assert_eq!(app.history.len(), 1);
        }
        // Every application in the file (printed or committed just before the kill) waits in
        // the outbox: none filed without being queued for delivery.
        let all = store
            .list_applications(&ListFilter {
                limit: Some(10_000_000),
                ..Default::default()
            })
            .unwrap();
        assert!(all.len() >= printed.len());
        assert_eq!(
            store.outbox_backlog().unwrap() as usize,
            all.len(),
            "round {round} (seed {seed})"
        );
    }
    assert!(
        printed.len() >= rounds,
        "only {} applications were filed",
        printed.len()
    );
    println!(
        "crash test: {} applications printed and found intact",
        printed.len()
    );
}
