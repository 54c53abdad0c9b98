//! P7: the desk's start-up and memory, measured and printed (never asserted: a benchmark,
//! run by `scripts/p7.sh`, which builds the release desk and the package first).
//!
//! - cold start: from spawning the desk to its first screen asking for the desk's state
//!   (the sign-in screen's first call), the median of 10 launches under Xvfb;
//! - memory: the proportional set size (Pss) summed over the desk and every process it
//!   started (WebKit's web and network processes), after sign-in and after filing 100
//!   applications and opening today's list of them;
//! - the `.deb`'s size (ARIZA_DEB) and the UI bundle's (ui/dist).

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod webdriver;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use webdriver::{desk_binary, start_desk};

/// Pss of one process in KiB, from /proc/PID/smaps_rollup.
fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Every process as (pid, parent, command name).
fn processes() -> Vec<(u32, u32, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let comm = stat[stat.find('(').unwrap_or(0) + 1..close].to_string();
        let ppid = stat[close + 2..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        out.push((pid, ppid, comm));
    }
    out
}

/// The desk whose database is `db`, and every process under it: (pid, name) each.
fn desk_family(db: &Path) -> Vec<(u32, String)> {
    let all = processes();
    let wanted = format!("ARIZA_DB={}", db.display());
    let Some(desk) = all.iter().find(|(pid, _, comm)| {
        comm.starts_with("ariza-desk")
            && std::fs::read(format!("/proc/{pid}/environ"))
                .map(|e| e.split(|b| *b == 0).any(|v| v == wanted.as_bytes()))
                .unwrap_or(false)
    }) else {
        return Vec::new();
    };
    let mut family = vec![desk.0];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(all.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    family
        .iter()
        .map(|pid| {
            let name = all
                .iter()
                .find(|p| p.0 == *pid)
                .map(|p| p.2.clone())
                .unwrap_or_default();
            (*pid, name)
        })
        .collect()
}

/// The desk whose database is `db`, and every process under it: (name, Pss KiB) each.
fn desk_memory(db: &Path) -> Vec<(String, u64)> {
    desk_family(db)
        .into_iter()
        .map(|(pid, name)| (name, pss_kib(pid)))
        .collect()
}

/// With `ARIZA_P7_DETAIL=1`, where each process's Pss goes: its largest mappings (by file,
/// anonymous memory as one), to see which part of the desk or of WebKit a change would move.
fn print_detail(db: &Path) {
    if std::env::var_os("ARIZA_P7_DETAIL").is_none() {
        return;
    }
    for (pid, name) in desk_family(db) {
        let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
            continue;
        };
        let mut by_file: std::collections::BTreeMap<String, u64> = Default::default();
        let mut current = String::new();
        for line in smaps.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields
                .first()
                .is_some_and(|f| f.contains('-') && !f.ends_with(':'))
            {
                current = fields.get(5).map_or("[anon]", |v| v).to_string();
            } else if fields.first() == Some(&"Pss:") {
                let kib: u64 = fields.get(1).and_then(|v| v.parse().ok()).unwrap_or(0);
                *by_file.entry(current.clone()).or_default() += kib;
            }
        }
        let mut top: Vec<_> = by_file.into_iter().collect();
        top.sort_by_key(|b| std::cmp::Reverse(b.1));
        for (file, kib) in top.iter().take(12) {
            println!("P7 detail {name} {:>7.1} MB {file}", *kib as f64 / 1024.0);
        }
    }
}

fn print_memory(when: &str, parts: &[(String, u64)]) {
    let total: u64 = parts.iter().map(|p| p.1).sum();
    let each: Vec<String> = parts
        .iter()
        .map(|(n, k)| format!("{n} {:.0}", *k as f64 / 1024.0))
        .collect();
    println!(
        "P7 memory {when}: {:.0} MB Pss in all ({})",
        total as f64 / 1024.0,
        each.join(", ")
    );
}

fn set_up(db: &Path) {
    let store = ariza_store::Store::open(db).unwrap();
    ariza_e2e::desk::set_up_tsh11(&store);
}

/// Launches the desk on `db` and waits for its first screen's call; the time it took.
fn cold_start(home: &Path, db: &Path) -> Duration {
    let logs = db.parent().unwrap().join("logs");
    let _ = std::fs::remove_dir_all(&logs);
    let started = Instant::now();
    let mut desk = Command::new(desk_binary())
        .env("ARIZA_DB", db)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ariza-bench-bus",
        )
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = started + Duration::from_secs(60);
    let took = loop {
        let seen = std::fs::read_dir(&logs).ok().is_some_and(|files| {
            files.flatten().any(|f| {
                std::fs::read_to_string(f.path())
                    .is_ok_and(|t| t.contains("first screen asked for the desk's state"))
            })
        });
        if seen {
            break started.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the desk never showed its first screen"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = desk.kill();
    let _ = desk.wait();
    took
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_bytes(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
#[ignore = "a benchmark: run by scripts/p7.sh (needs a display and tauri-driver)"]
fn p7_start_memory_and_sizes() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("desk/ariza.db");
    set_up(&db);
    println!("P7 desk binary: {}", desk_binary().display());

    // Cold start, 10 times (the first fills the OS's caches like a morning's first launch).
    let mut starts: Vec<Duration> = (0..10).map(|_| cold_start(home.path(), &db)).collect();
    starts.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    println!(
        "P7 cold start to the sign-in screen: median {:.0} ms (min {:.0}, max {:.0}; target 1500)",
        ms(&starts[4]) / 2.0 + ms(&starts[5]) / 2.0,
        ms(&starts[0]),
        ms(&starts[9])
    );

    // Memory after sign-in, and after a day's worth of filing.
    let (d, _driver) = start_desk(home.path(), &db, "p7");
    d.sign_in("aziza", "aziza-pass-1");
    d.find("#today");
    std::thread::sleep(Duration::from_secs(2));
    print_memory("after sign-in", &desk_memory(&db));
    print_detail(&db);
    let filed = d.call(
        "POST",
        "/execute/async",
        Some(json!({
            "script": r#"
                const done = arguments[0];
                const invoke = window.__TAURI_INTERNALS__.invoke;
                (async () => {
                    const c = await invoke("register_citizen", { input: {
                        pinfl: "31205900260129", document_kind: "passport", document_number: "AB1234567",
                        surname: "Karimov", given_name: "Sherzod", patronymic: "", birth_date: "1990-05-12",
                        sex: "male", phone: "", region: "1726", district: "1726294", street: "" } });
                    for (let i = 0; i < 100; i++) {
                        await invoke("file_application", { req: { citizen_id: c.id, service_code: "id-card",
                            form: { reason: "expired" }, documents: [], receipt_locale: null }, draft: null, replaces: null });
                    }
                    return 100;
                })().then(done).catch(e => done(String(e && e.message || e)));
            "#,
            "args": []
        })),
    );
    assert_eq!(filed, json!(100), "{filed}");
    d.click("#nav-queues");
    d.find("#queues");
    d.click("#nav-today");
    d.wait_for_text("#today-list", "TSH11-");
    std::thread::sleep(Duration::from_secs(2));
    print_memory("after filing 100 applications", &desk_memory(&db));
    print_detail(&db);
    d.screenshot("after-100");
    drop(d);
    drop(_driver);

    let root = ariza_e2e::workspace_root();
    let dist = root.join("ui/dist");
    println!(
        "P7 UI bundle: {:.0} KB (ui/dist)",
        dir_bytes(&dist) as f64 / 1000.0
    );
    match std::env::var_os("ARIZA_DEB") {
        Some(deb) => println!(
            "P7 .deb: {:.1} MB ({}; target 15)",
            std::fs::metadata(&deb).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0,
            Path::new(&deb).display()
        ),
        None => println!("P7 .deb: not built (scripts/p7.sh builds it)"),
    }
    println!(
        "P7 desk binary: {:.1} MB",
        std::fs::metadata(desk_binary())
            .map(|m| m.len())
            .unwrap_or(0) as f64
            / 1_048_576.0
    );
}
