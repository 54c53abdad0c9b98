//! What a key slot costs: prints the Argon2id parameters of a password slot and the time to
//! seal one (a new person, a password change) and to unlock one (a staff password opening the
//! database), beside the sign-in hash for comparison.
//! Run: `cargo bench -p ariza-store --bench slots` (ARIZA_BENCH_RUNS to change the 15 runs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ariza_store::{DbKey, KeySlots, SlotKdf, StaffIdentity};

/// This thread's time on a CPU so far (Linux: `/proc/thread-self/schedstat`), so that the
/// figure is not inflated by other builds sharing the machine's two cores.
fn cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Median and minimum wall time, and median CPU time, of `runs` calls.
struct Timing {
    median: Duration,
    min: Duration,
    cpu_median: Option<Duration>,
}

fn timed(runs: usize, mut f: impl FnMut()) -> Timing {
    let mut wall = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (start, start_cpu) = (Instant::now(), cpu_time());
        f();
        wall.push(start.elapsed());
        if let (Some(a), Some(b)) = (start_cpu, cpu_time()) {
            cpu.push(b - a);
        }
    }
    wall.sort();
    cpu.sort();
    Timing {
        median: wall[wall.len() / 2],
        min: wall[0],
        cpu_median: cpu.get(cpu.len() / 2).copied(),
    }
}

fn print(what: &str, t: &Timing) {
    let cpu = t
        .cpu_median
        .map(|c| format!(", CPU median {:.3} s", c.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "{what}: wall median {:.3} s, min {:.3} s{cpu}",
        t.median.as_secs_f64(),
        t.min.as_secs_f64()
    );
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
    let seal = timed(runs, || {
        let staff = StaffIdentity::seal("bench", "correct horse battery").unwrap();
        slots.put_staff_identity(&staff, &key).unwrap();
    });
    print("seal a slot (new identity, Argon2id, wrap)", &seal);
    let unlock = timed(runs, || {
        let opened = slots.open_staff("bench", "correct horse battery").unwrap();
        assert_eq!(opened.id(), key.id());
    });
    print("unlock a slot (Argon2id, open identity, unwrap)", &unlock);
    let guess = timed(runs, || {
        assert!(slots.open_staff("bench", "wrong guess").is_err());
    });
    print("one wrong guess against a copied slot", &guess);
    let hash = ariza_core::staff::hash_password("correct horse battery").unwrap();
    let sign_in = timed(runs, || {
        assert!(ariza_core::staff::verify_password(
            "correct horse battery",
            &hash
        ));
    });
    print("for comparison, the sign-in hash (19 MiB, t = 2)", &sign_in);
}
