//! Bytes of push bodies in the encodings considered for push format 2, step by step, on the
//! same varied applications as the 2G benchmark, batched as the engine batches (figures in
//! docs/benchmarks.md). Run: `cargo run --release -p ariza-e2e --example wire_bytes`
//! (N = applications, default 10,000; LEVELS = zstd levels for the steps, default 9).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::audit::AuditLine;
use ariza_core::wire::{ApplicationColumns, AuditColumns, AuditUpload, PushBatchV2};
use ariza_e2e::desk::{desk, file_varied};
use serde_json::{Map, Value, json};

fn z(v: &Value, level: i32) -> usize {
    let bytes = serde_json::to_vec(v).unwrap();
    zstd::encode_all(bytes.as_slice(), level).unwrap().len()
}

/// Array of objects → object of arrays (recursively for nested objects).
fn columns(rows: &[Value]) -> Value {
    let mut keys: Vec<String> = Vec::new();
    for r in rows {
        if let Value::Object(m) = r {
            for k in m.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    let mut out = Map::new();
    for k in keys {
        let col: Vec<Value> = rows
            .iter()
            .map(|r| r.get(&k).cloned().unwrap_or(Value::Null))
            .collect();
        let nested = col.iter().all(|v| v.is_object()) && k != "form";
        out.insert(
            k,
            if nested {
                columns(&col)
            } else {
                Value::Array(col)
            },
        );
    }
    Value::Object(out)
}

fn ms(v: &Value) -> Value {
    match v
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    {
        Some(t) => Value::from(t.timestamp_millis()),
        None => v.clone(),
    }
}

/// Columns with timestamps (filed_at, at, history[].at) as epoch ms; `delta`: differences.
fn ts_cols(mut v: Value, delta: bool) -> Value {
    fn conv(col: &mut Value, delta: bool) {
        if let Value::Array(items) = col {
            let mut prev = 0i64;
            for it in items.iter_mut() {
                let m = ms(it);
                if let (true, Some(n)) = (delta, m.as_i64()) {
                    *it = Value::from(n - prev);
                    prev = n;
                } else {
                    *it = m;
                }
            }
        }
    }
    if let Some(apps) = v.get_mut("applications") {
        if let Some(c) = apps.get_mut("filed_at") {
            conv(c, delta);
        }
        if let Some(Value::Array(hs)) = apps.get_mut("history") {
            for h in hs.iter_mut() {
                if let Value::Array(es) = h {
                    for e in es.iter_mut() {
                        if let Some(a) = e.get_mut("at") {
                            *a = ms(a);
                        }
                    }
                }
            }
        }
    }
    if let Some(c) = v.get_mut("audit").and_then(|a| a.get_mut("at")) {
        conv(c, delta);
    }
    v
}

fn uuid_b64(mut v: Value) -> Value {
    use base64::Engine as _;
    let conv = |x: &mut Value| {
        if let Some(u) = x.as_str().and_then(|t| uuid::Uuid::parse_str(t).ok()) {
            *x = Value::from(base64::engine::general_purpose::STANDARD_NO_PAD.encode(u.as_bytes()));
        }
    };
    if let Some(Value::Array(ids)) = v.get_mut("applications").and_then(|a| a.get_mut("id")) {
        ids.iter_mut().for_each(conv);
    }
    if let Some(Value::Array(ids)) = v.get_mut("audit").and_then(|a| a.get_mut("subject")) {
        ids.iter_mut().for_each(conv);
    }
    v
}

fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let levels: Vec<i32> = std::env::var("LEVELS")
        .unwrap_or("9".into())
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "GTG01");
    file_varied(&store, &admin, n);
    let apps = store.outbox_batch(n).unwrap();
    let audit = store.audit_outbox(1_000_000).unwrap();
    let apps_json: Vec<Value> = apps
        .iter()
        .map(|a| serde_json::to_value(a).unwrap())
        .collect();
    let audit_json: Vec<Value> = audit
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    println!("{} applications, {} audit entries", apps.len(), audit.len());
    println!(
        "sample app: {}",
        serde_json::to_string(&apps_json[1]).unwrap()
    );
    println!(
        "sample audit: {}",
        serde_json::to_string(&audit_json[audit_json.len() - 1]).unwrap()
    );
    // batch sizes as the engine grows them
    let mut sizes = Vec::new();
    let (mut left, mut b) = (apps.len(), 100usize);
    while left > 0 {
        let s = b.min(left);
        sizes.push(s);
        left -= s;
        b = (b * 2).min(1000);
    }
    // audit seq of each app's filing entry
    let file_seq: std::collections::HashMap<String, usize> = audit
        .iter()
        .enumerate()
        .filter(|(_, e)| e.action == "application.file")
        .map(|(i, e)| (e.subject.clone(), i))
        .collect();

    let strip_audit = |e: &Value, keep: &[&str]| -> Value {
        let mut m = Map::new();
        for k in keep {
            if let Some(v) = e.get(*k) {
                m.insert((*k).to_string(), v.clone());
            }
        }
        Value::Object(m)
    };
    let lean_app = |a: &Value| -> Value {
        let mut a = a.clone();
        let m = a.as_object_mut().unwrap();
        m.remove("channel");
        m.remove("catalog_version");
        m.remove("history");
        m.remove("clerk");
        a
    };

    type Enc = dyn Fn(&[Value], &[Value]) -> Value;
    let variants: Vec<(&str, bool, Box<Enc>)> = vec![
        (
            "v1 as today (hashes, audit 2000/push)",
            false,
            Box::new(|a: &[Value], e: &[Value]| json!({"applications": a, "audit": e})),
        ),
        (
            "no seq/hashes, misaligned",
            false,
            Box::new(
                move |a: &[Value], e: &[Value]| json!({"applications": a, "audit": e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>()}),
            ),
        ),
        (
            "no seq/hashes, aligned",
            true,
            Box::new(
                move |a: &[Value], e: &[Value]| json!({"applications": a, "audit": e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>()}),
            ),
        ),
        (
            "aligned, apps lean (no channel/version/history/clerk)",
            true,
            Box::new(
                move |a: &[Value], e: &[Value]| json!({"applications": a.iter().map(lean_app).collect::<Vec<_>>(), "audit": e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>()}),
            ),
        ),
        (
            "aligned, columnar (full apps)",
            true,
            Box::new(
                move |a: &[Value], e: &[Value]| json!({"applications": columns(a), "audit": columns(&e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>())}),
            ),
        ),
        (
            "aligned, columnar lean",
            true,
            Box::new(
                move |a: &[Value], e: &[Value]| json!({"applications": columns(&a.iter().map(lean_app).collect::<Vec<_>>()), "audit": columns(&e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>())}),
            ),
        ),
        (
            "columnar, timestamps ms",
            true,
            Box::new(move |a: &[Value], e: &[Value]| {
                ts_cols(
                    json!({"applications": columns(a), "audit": columns(&e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>())}),
                    false,
                )
            }),
        ),
        (
            "columnar, timestamps ms deltas",
            true,
            Box::new(move |a: &[Value], e: &[Value]| {
                ts_cols(
                    json!({"applications": columns(a), "audit": columns(&e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>())}),
                    true,
                )
            }),
        ),
        (
            "columnar, ts deltas, uuid base64",
            true,
            Box::new(move |a: &[Value], e: &[Value]| {
                uuid_b64(ts_cols(
                    json!({"applications": columns(a), "audit": columns(&e.iter().map(|x| strip_audit(x, &["at","actor","action","subject","detail"])).collect::<Vec<_>>())}),
                    true,
                ))
            }),
        ),
    ];
    // Format 2 as built (the real types), at several levels, with compression time.
    for level in [3, 6, 9, 12, 15, 19] {
        let (mut total, mut secs) = (0usize, 0f64);
        let (mut ai, mut ei) = (0usize, 0usize);
        for (k, s) in sizes.iter().enumerate() {
            let batch = apps[ai..ai + s].to_vec();
            ai += s;
            let upto = if k + 1 == sizes.len() {
                audit.len()
            } else {
                batch
                    .iter()
                    .filter_map(|a| file_seq.get(&a.id.to_string()))
                    .max()
                    .map_or(ei, |m| m + 1)
                    .min(ei + 2000)
            }
            .max(ei);
            let lines = audit[ei..upto].iter().map(AuditLine::from);
            ei = upto;
            let push = PushBatchV2 {
                applications: ApplicationColumns::from_rows(batch),
                audit: AuditUpload {
                    after_seq: 0,
                    after_hash: "0".repeat(64),
                    entries: AuditColumns::from_lines(lines),
                    newest_seq: 0,
                    head_signature: "ab".repeat(64),
                },
                merges: Vec::new(),
            };
            let json = serde_json::to_vec(&push).unwrap();
            if let (Ok(path), 4) = (std::env::var("DUMP"), k) {
                // One full batch (1000 applications), for `zstd -b` to time the levels.
                std::fs::write(path, &json).unwrap();
            }
            let t = std::time::Instant::now();
            total += zstd::encode_all(json.as_slice(), level).unwrap().len();
            secs += t.elapsed().as_secs_f64();
        }
        println!(
            "format 2 as built, level {level:2}: {:6.1} B/app, compressing {:6.1} ms per 1000 applications",
            total as f64 / n as f64,
            secs * 1e6 / n as f64
        );
    }
    for level in levels {
        println!("zstd level {level}");
        for (name, aligned, enc) in &variants {
            let (mut total, mut app_only, mut audit_only) = (0, 0, 0);
            let (mut ai, mut ei) = (0usize, 0usize);
            for (k, s) in sizes.iter().enumerate() {
                let batch = &apps_json[ai..ai + s];
                ai += s;
                let last = k + 1 == sizes.len();
                let upto = if last {
                    audit.len()
                } else if *aligned {
                    batch
                        .iter()
                        .filter_map(|a| file_seq.get(a["id"].as_str().unwrap()))
                        .max()
                        .map_or(ei, |m| m + 1)
                        .min(ei + 2000)
                } else {
                    (ei + 2000).min(audit.len())
                };
                let upto = upto.max(ei);
                let e = &audit_json[ei..upto];
                ei = upto;
                total += z(&enc(batch, e), level);
                app_only += z(&enc(batch, &[]), level);
                audit_only += z(&enc(&[], e), level);
            }
            // leftover audit (misaligned runs ahead, so none usually)
            while ei < audit.len() {
                let upto = (ei + 2000).min(audit.len());
                total += z(&enc(&[], &audit_json[ei..upto]), level);
                ei = upto;
            }
            println!(
                "{name:55} total {:6.1} B/app   apps alone {:6.1}   audit alone {:6.1}",
                total as f64 / n as f64,
                app_only as f64 / n as f64,
                audit_only as f64 / n as f64
            );
        }
    }
}
