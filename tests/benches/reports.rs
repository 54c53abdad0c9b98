//! The regional report at national scale: loads a synthetic 2022 Q1 (`ARIZA_BENCH_SCALE`,
//! default 0.1 = 854,719 applications; 1.0 is the real 8.5 million) through the ingest path,
//! prints the load rate, then times the report over the whole quarter from the roll-up and by
//! a plain GROUP BY over the raw rows, side by side in one run.
//!   cargo bench -p ariza-e2e --bench reports

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use ariza_e2e::portal::TestPortal;
use chrono::NaiveDate;

fn main() {
    let scale: f64 = std::env::var("ARIZA_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.1);
    let portal = TestPortal::start();
    let t = Instant::now();
    let loaded = portal
        .rt
        .block_on(ariza_demo::load_2022q1(&portal.portal, scale))
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "demo-load 2022q1 at scale {scale}: {} applications, {} centers, {} batches in {secs:.1} s = {:.0} applications/s",
        loaded.applications,
        loaded.centers,
        loaded.batches,
        loaded.applications as f64 / secs
    );
    portal.execute("VACUUM ANALYZE");
    let (from, to) = (
        NaiveDate::from_ymd_opt(2022, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2022, 3, 31).unwrap(),
    );
    let mut rollup = Vec::new();
    let mut raw = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let a = portal
            .rt
            .block_on(ariza_portal::reports::regional(
                &portal.portal,
                from,
                to,
                true,
            ))
            .unwrap();
        rollup.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let b = portal
            .rt
            .block_on(ariza_portal::reports::regional_from_rows(
                &portal.portal,
                from,
                to,
                true,
            ))
            .unwrap();
        raw.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(a, b);
    }
    rollup.sort_by(f64::total_cmp);
    raw.sort_by(f64::total_cmp);
    let rows = portal.count("SELECT count(*) FROM report_rollup");
    println!(
        "national quarter report, by region and center (7 runs, interleaved):\n  roll-up ({rows} rows)        median {:8.1} ms   max {:8.1} ms   (target < 200 ms)\n  GROUP BY over raw rows       median {:8.1} ms   max {:8.1} ms\n  roll-up is {:.0}x faster",
        rollup[3],
        rollup[6],
        raw[3],
        raw[6],
        raw[3] / rollup[3]
    );
}
