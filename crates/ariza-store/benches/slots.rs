//! What a key slot costs: prints the Argon2id parameters of a password slot and the time to
//! seal one (a new person, a password change) and to unlock one (a staff password opening the
//! database), beside the sign-in hash for comparison.
//! Run: `cargo bench -p ariza-store --bench slots` (ARIZA_BENCH_RUNS to change the 15 runs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ariza_store::{DbKey, KeySlots, SlotKdf, StaffIdentity};

fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

fn main() {
    let runs: usize = std::env::var("ARIZA_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let kdf = SlotKdf::CURRENT;
    println!(
        "slot KDF: Argon2id v19, m = {} KiB ({} MiB), t = {}, p = {}; {runs} runs each",
        kdf.m_kib,
        kdf.m_kib / 1024,
        kdf.t,
        kdf.p
    );
    let key = DbKey::random();
    let mut slots = KeySlots::default();
    let (median, min) = timed(runs, || {
        let staff = StaffIdentity::seal("bench", "correct horse battery").unwrap();
        slots.put_staff_identity(&staff, &key).unwrap();
    });
    println!(
        "seal a slot (new identity, Argon2id, wrap): median {:.3} s, min {:.3} s",
        median.as_secs_f64(),
        min.as_secs_f64()
    );
    let (median, min) = timed(runs, || {
        let opened = slots.open_staff("bench", "correct horse battery").unwrap();
        assert_eq!(opened.id(), key.id());
    });
    println!(
        "unlock a slot (Argon2id, open identity, unwrap): median {:.3} s, min {:.3} s",
        median.as_secs_f64(),
        min.as_secs_f64()
    );
    let (median, min) = timed(runs, || {
        assert!(slots.open_staff("bench", "wrong guess").is_err());
    });
    println!(
        "one wrong guess against a copied slot: median {:.3} s, min {:.3} s",
        median.as_secs_f64(),
        min.as_secs_f64()
    );
    let hash = ariza_core::staff::hash_password("correct horse battery").unwrap();
    let (median, min) = timed(runs, || {
        assert!(ariza_core::staff::verify_password(
            "correct horse battery",
            &hash
        ));
    });
    println!(
        "for comparison, the sign-in hash (19 MiB, t = 2): median {:.3} s, min {:.3} s",
        median.as_secs_f64(),
        min.as_secs_f64()
    );
}
