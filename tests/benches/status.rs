//! The citizens' status page under load: a portal holding the synthetic 2022 Q1
//! (`ARIZA_BENCH_SCALE`, default 0.1 = 854,719 applications; 1.0 is the real 8.5 million),
//! looked up by `wrk` (Debian's package) with 10,000 real tracking number + verification code
//! pairs, the per-address limit raised for the run. Prints wrk's latency distribution and
//! requests per second; the portal and wrk share this machine's cores.
//!   cargo bench -p ariza-e2e --bench status
//! Knobs: ARIZA_BENCH_SCALE, ARIZA_WRK_SECONDS (20), ARIZA_WRK_CONNECTIONS (32), and
//! ARIZA_BENCH_START_FILE: when set, the bench waits after loading until that file exists, so
//! an hour-long load at scale 1.0 can share the machine and the measurement need not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use ariza_e2e::portal::TestPortal;

const SCRIPT: &str = r#"
local lines = {}
for line in io.lines(os.getenv("ARIZA_PAIRS")) do lines[#lines + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/status",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, lines[(n % #lines) + 1])
end
"#;

fn main() {
    let scale: f64 = ariza_e2e::env_number("ARIZA_BENCH_SCALE", 0.1);
    let seconds: u32 = ariza_e2e::env_number("ARIZA_WRK_SECONDS", 20);
    let connections: u32 = ariza_e2e::env_number("ARIZA_WRK_CONNECTIONS", 32);
    let portal = TestPortal::start();
    let t = Instant::now();
    let loaded = portal
        .rt
        .block_on(ariza_demo::load_2022q1(&portal.portal, scale))
        .unwrap();
    println!(
        "demo-load 2022q1 at scale {scale}: {} applications in {:.1} s",
        loaded.applications,
        t.elapsed().as_secs_f64()
    );
    portal.execute("VACUUM ANALYZE");
    if let Ok(start) = std::env::var("ARIZA_BENCH_START_FILE") {
        println!("loaded; measuring once {start} exists");
        while !std::path::Path::new(&start).exists() {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
    }
    let numbers: Vec<String> = portal
        .query(
            "SELECT tracking_number FROM application ORDER BY random() LIMIT 10000",
            &[],
        )
        .iter()
        .map(|r| r.get(0))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path().join("pairs.txt");
    let mut f = std::fs::File::create(&pairs).unwrap();
    for n in &numbers {
        let code = ariza_demo::demo_receipt_code(n);
        writeln!(f, "tracking={n}&code={}", code.as_str()).unwrap();
    }
    drop(f);
    // The control: a pair from the file is found, so wrk measures found lookups, not 404s.
    let check = reqwest::blocking::Client::new()
        .post(format!("{}/status", portal.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            std::fs::read_to_string(&pairs)
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_string(),
        )
        .send()
        .unwrap();
    assert_eq!(check.status().as_u16(), 200, "a demo pair is found");
    let script = dir.path().join("status.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
            script.to_str().unwrap(),
            &portal.url,
        ])
        .env("ARIZA_PAIRS", &pairs)
        .output()
        .expect("wrk (apt install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    println!(
        "status lookups, {} applications, {connections} connections, {seconds} s:",
        loaded.applications
    );
    println!("{text}");
    assert!(
        text.contains("Requests/sec"),
        "wrk: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("Non-2xx"), "every lookup was found");
}
