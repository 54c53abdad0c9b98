//! Desk benchmarks; prints its figures (run: `cargo bench -p ariza-store --bench desk`).
//!
//! 1. Filing latency, durable commit (WAL + synchronous=FULL), p50/p99, beside a bare
//!    single-row INSERT + COMMIT with the same settings in the same folder, in one run.
//! 2. Name search among 1,000,000 citizens (ARIZA_BENCH_CITIZENS to change): p50/p95/p99 of
//!    `find_citizens` for names typed as stored, in the other script, folded (a Russian
//!    keyboard, Russian-style Latin) and with one letter wrong, with the results per query and
//!    the share whose intended citizen is in the first five; beside a `LIKE '%…%'` scan; the
//!    folded index's size per citizen; SQLCipher against unencrypted.
//!
//! `ARIZA_BENCH_ONLY=filing` or `=search` runs one of the two.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[path = "../tests/support/scans.rs"]
mod scans;

use ariza_core::application::FileRequest;
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::FixedClock;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::staff::{NewStaff, Role};
use ariza_core::translit;
use ariza_store::{SetupRequest, Store, open_bare};
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Syllables that compose plausible Uzbek surname stems, so a million citizens carry tens of
/// thousands of distinct surnames as real data does, not a handful.
const SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "sha", "ra", "bek", "jon", "qul", "nur", "zo", "dil", "to", "sh", "ma", "ta",
    "xol", "gʻu", "lo", "oʻt", "kir", "sa", "id", "yu", "su", "er", "ga", "na", "zar", "us", "mon",
    "ba", "xo", "dir", "ul", "fa", "rux", "ja", "hon", "ol", "tin",
];

const SURNAMES: &[&str] = &[
    "Karimov",
    "Rahimov",
    "Yusupov",
    "Aliyev",
    "Gʻulomov",
    "Toshmatov",
    "Ergashev",
    "Xolmatov",
    "Qodirov",
    "Saidov",
    "Oʻtkirov",
    "Nazarov",
    "Abdullayev",
    "Mirzayev",
    "Hasanov",
    "Ismoilov",
    "Jurayev",
    "Sharipov",
    "Umarov",
    "Zokirov",
    "Boboyev",
    "Normatov",
    "Sobirov",
    "Yoʻldoshev",
];
const GIVEN: &[&str] = &[
    "Sherzod",
    "Oʻtkir",
    "Dilnoza",
    "Malika",
    "Jasur",
    "Gulnora",
    "Bekzod",
    "Nodira",
    "Sardor",
    "Shahnoza",
    "Akmal",
    "Feruza",
    "Gʻayrat",
    "Zafar",
    "Lola",
    "Timur",
    "Kamola",
    "Rustam",
    "Sevara",
    "Ulugʻbek",
    "Nigora",
    "Doniyor",
    "Madina",
    "Behruz",
    "Aziz",
    "Barno",
    "Davron",
    "Dildora",
    "Eldor",
    "Fotima",
    "Gʻofur",
    "Hilola",
    "Ibrohim",
    "Iroda",
    "Javohir",
    "Kumush",
    "Laziz",
    "Mohira",
    "Muhammad",
    "Nilufar",
    "Odil",
    "Ozoda",
    "Pulat",
    "Quvonch",
    "Ravshan",
    "Sabina",
    "Sanjar",
    "Shoxrux",
    "Tohir",
    "Umida",
    "Vali",
    "Xurshid",
    "Yulduz",
    "Zarina",
    "Abbos",
    "Asal",
    "Bobur",
    "Charos",
    "Dostonbek",
    "Gavhar",
    "Husniddin",
    "Jamshid",
    "Komil",
    "Lobar",
    "Mirjalol",
    "Nargiza",
    "Otabek",
    "Parvina",
    "Rayhona",
    "Saida",
    "Shuhrat",
    "Temur",
    "Umar",
    "Xadicha",
    "Yorqin",
    "Zuhra",
    "Alisher",
    "Bahodir",
    "Diyor",
    "Elyor",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    (
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.95)),
        ms(percentile(&v, 0.99)),
    )
}

fn setup(path: &std::path::Path, clock: &FixedClock) -> (Store, ariza_core::staff::Actor) {
    setup_store(Store::open(path).unwrap(), clock)
}

/// The same store without encryption: the comparison that prices SQLCipher.
fn setup_plain(path: &std::path::Path, clock: &FixedClock) -> (Store, ariza_core::staff::Actor) {
    setup_store(Store::open_unencrypted_for_benchmark(path).unwrap(), clock)
}

fn setup_store(store: Store, clock: &FixedClock) -> (Store, ariza_core::staff::Actor) {
    let admin = store
        .setup(
            &SetupRequest {
                center_code: "BENCH".into(),
                center_name: "Bench".into(),
                region: "1726".into(),
                district: "1726294".into(),
                admin: NewStaff {
                    username: "admin".into(),
                    full_name: "Admin".into(),
                    role: Role::Admin,
                    password: "bench-pass".into(),
                },
            },
            clock,
        )
        .unwrap();
    (store, admin)
}

fn filing(dir: &std::path::Path) {
    let n: usize = std::env::var("ARIZA_BENCH_FILINGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let clock = FixedClock::at_tashkent(2026, 11, 20, 10, 0);
    let (store, admin) = setup(&dir.join("filing.db"), &clock);
    let (plain, plain_admin) = setup_plain(&dir.join("filing-plain.db"), &clock);
    let birth = NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let input = CitizenInput {
        pinfl: Pinfl::compose(Sex::Male, birth, 26, 1).to_string(),
        document_kind: Some(DocumentKind::Passport),
        document_number: "AA1234567".into(),
        surname: "Karimov".into(),
        given_name: "Sherzod".into(),
        patronymic: String::new(),
        birth_date: "1990-05-12".into(),
        sex: Some(Sex::Male),
        phone: String::new(),
        region: "1726".into(),
        district: "1726294".into(),
        street: String::new(),
    };
    plain
        .register_citizen(&plain_admin, &input, &clock)
        .unwrap();
    let citizen = store.register_citizen(&admin, &input, &clock).unwrap();
    let form: BTreeMap<String, serde_json::Value> = serde_json::from_value(
        serde_json::json!({"holder_type": "individual", "phone": "+998901234567"}),
    )
    .unwrap();
    let req = FileRequest {
        citizen_id: citizen.id,
        service_code: "eri-key".into(),
        form,
        // Filing names the identity document, as at a counter (stored once on each desk).
        documents: scans::required_documents(&store, "eri-key", &clock),
        receipt_locale: None,
    };
    scans::required_documents(&plain, "eri-key", &clock);

    let bare = open_bare(&dir.join("bare.db"), None).unwrap();
    bare.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT")
        .unwrap();
    let body = serde_json::to_string(&req).unwrap();

    // Warm up both to steady state: the WAL file has grown to its working size and is reused
    // after a checkpoint, as on a desk that has been filing all day. (A fresh WAL grows with
    // every commit, and growing a file costs extra metadata syncs that a real desk pays once.)
    for i in 0..n {
        store.file_application(&admin, &req, &clock).unwrap();
        plain.file_application(&plain_admin, &req, &clock).unwrap();
        bare.execute(
            "INSERT INTO t (id, body) VALUES (?1, ?2)",
            rusqlite::params![format!("warm-{i}"), body],
        )
        .unwrap();
    }
    store.checkpoint().unwrap();
    plain.checkpoint().unwrap();
    bare.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .unwrap();

    // Interleave the two stores, taking turns at going first, so that disk state, noise and
    // whatever the previous commit left behind hit all alike.
    let mut filed = Vec::with_capacity(n);
    let mut filed_plain = Vec::with_capacity(n);
    let mut inserted = Vec::with_capacity(n);
    for i in 0..n {
        for turn in 0..2 {
            if (i + turn) % 2 == 0 {
                let t = Instant::now();
                store.file_application(&admin, &req, &clock).unwrap();
                filed.push(t.elapsed());
            } else {
                let t = Instant::now();
                plain.file_application(&plain_admin, &req, &clock).unwrap();
                filed_plain.push(t.elapsed());
            }
        }

        let t = Instant::now();
        bare.execute(
            "INSERT INTO t (id, body) VALUES (?1, ?2)",
            rusqlite::params![format!("row-{i}"), body],
        )
        .unwrap();
        inserted.push(t.elapsed());
    }
    let (version, provider) = store.cipher_version().unwrap();
    let (f50, _, f99) = summary(filed);
    let (p50, _, p99) = summary(filed_plain);
    let (b50, _, b99) = summary(inserted);
    println!(
        "filing latency, {n} durable commits each after {n} to warm up (WAL, synchronous=FULL), same folder:"
    );
    println!(
        "  file_application, SQLCipher   p50 {f50:8.3} ms   p99 {f99:8.3} ms   (target p99 ≤ 1 ms; SQLCipher {version}, provider {provider}, 1 KiB pages, HMAC-SHA256)"
    );
    println!("  file_application, unencrypted p50 {p50:8.3} ms   p99 {p99:8.3} ms");
    println!("  bare insert+commit            p50 {b50:8.3} ms   p99 {b99:8.3} ms");
    println!(
        "  store / bare (unencrypted)    p50 {:8.2} x     p99 {:8.2} x   (target ≤ 1.5 x)",
        p50 / b50,
        p99 / b99
    );
    println!(
        "  encryption overhead on filing p50 {:+7.1} %     p99 {:+7.1} %",
        (f50 / p50 - 1.0) * 100.0,
        (f99 / p99 - 1.0) * 100.0
    );
}

/// A name as a clerk on a Russian keyboard types it: Uzbek Cyrillic with у, к, г, х for
/// ў, қ, ғ, ҳ.
fn russian_keyboard(name: &str) -> String {
    let cyrillic = if translit::has_cyrillic(name) {
        name.to_string()
    } else {
        translit::latin_to_cyrillic(name)
    };
    cyrillic
        .chars()
        .map(|c| match c {
            'ў' => 'у',
            'Ў' => 'У',
            'қ' => 'к',
            'Қ' => 'К',
            'ғ' => 'г',
            'Ғ' => 'Г',
            'ҳ' => 'х',
            'Ҳ' => 'Х',
            c => c,
        })
        .collect()
}

/// A name in Russian-style Latin, as an older passport writes it (ICAO 9303's Cyrillic table).
fn russian_style_latin(name: &str) -> String {
    let latin = if translit::has_cyrillic(name) {
        translit::cyrillic_to_latin(name)
    } else {
        name.to_string()
    };
    latin
        .replace("Oʻ", "U")
        .replace("oʻ", "u")
        .replace("Gʻ", "G")
        .replace("gʻ", "g")
        .replace('X', "Kh")
        .replace('x', "kh")
        .replace('J', "Zh")
        .replace('j', "zh")
        .replace('Q', "K")
        .replace('q', "k")
}

/// One letter of the surname (five letters or more) changed, dropped, doubled or swapped with
/// its neighbour, in the stored script.
fn mistyped(name: &str, rng: &mut StdRng) -> String {
    let mut words: Vec<Vec<char>> = name.split(' ').map(|w| w.chars().collect()).collect();
    let Some(w) = words.iter_mut().find(|w| w.len() >= 5) else {
        return name.to_string();
    };
    // Not the first letter: clerks rarely miss it.
    let i = rng.random_range(1..w.len() - 1);
    match rng.random_range(0..4) {
        0 => {
            w[i] = if w[i] == 'a' || w[i] == 'а' {
                'o'
            } else {
                'a'
            }
        }
        1 => {
            w.remove(i);
        }
        2 => w.insert(i, w[i]),
        _ => w.swap(i, i + 1),
    }
    words
        .iter()
        .map(|w| w.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a set of queries fared: latency, results per query, and how often the intended
/// citizen is among the first five.
fn report(label: &str, store: &Store, queries: &[(String, i64)]) {
    for (q, _) in queries.iter().take(20) {
        store.find_citizens(q, 20).unwrap(); // warm the page cache
    }
    let mut times = Vec::new();
    let mut results = 0;
    let mut top5 = 0;
    for (q, want) in queries {
        let t = Instant::now();
        let found = store.find_citizens(q, 20).unwrap();
        times.push(t.elapsed());
        results += found.len();
        if found.iter().take(5).any(|m| m.id == *want) {
            top5 += 1;
        }
    }
    let (p50, p95, p99) = summary(times);
    println!(
        "  {label:<32} p50 {p50:7.3} ms   p95 {p95:7.3} ms   p99 {p99:7.3} ms   {:5.1} results/query   intended in first 5: {:5.1} %",
        results as f64 / queries.len() as f64,
        top5 as f64 * 100.0 / queries.len() as f64
    );
}

fn page_bytes(conn: &rusqlite::Connection) -> i64 {
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    pages * size
}

fn search(dir: &std::path::Path) {
    let n: usize = std::env::var("ARIZA_BENCH_CITIZENS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let clock = FixedClock::at_tashkent(2026, 11, 20, 10, 0);
    let path = dir.join("search-plain.db");
    let (store, admin) = setup_plain(&path, &clock);
    let mut rng = StdRng::seed_from_u64(7);

    // (full name as stored, id): a thousand citizens the clerk will look for.
    let mut people: Vec<(String, i64)> = Vec::new();
    // Bulk load through one transaction with the store's own search keys; half of the names
    // are stored in Cyrillic, as clerks type them. The folded keys are made afterwards by the
    // store itself, as it does for rows from before folding.
    let t = Instant::now();
    let before_fold;
    {
        let mut conn = open_bare(&path, None).unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO citizen (pinfl, document_kind, document_number, surname, given_name, patronymic,
                        birth_date, sex, phone, region, district, street, name_key, created_at, created_by)
                     VALUES (?1, 'passport', ?2, ?3, ?4, ?5, '1990-01-01', 'male', NULL, '1726', '1726294', '', ?6, '2026-11-20T05:00:00.000Z', ?7)",
                )
                .unwrap();
            for i in 0..n {
                let mut surname = if rng.random_bool(0.3) {
                    SURNAMES[rng.random_range(0..SURNAMES.len())].to_string()
                } else {
                    let syllables = rng.random_range(2..=3);
                    let stem: String = (0..syllables)
                        .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
                        .collect();
                    let mut stem = stem;
                    if let Some(first) = stem.get(..1) {
                        stem = first.to_uppercase() + &stem[1..];
                    }
                    stem + ["ov", "ova", "yev", "yeva"][rng.random_range(0..4)]
                };
                let mut given = GIVEN[rng.random_range(0..GIVEN.len())].to_string();
                let mut patronymic = format!("{}ovich", GIVEN[rng.random_range(0..GIVEN.len())]);
                if i % 2 == 0 {
                    surname = translit::latin_to_cyrillic(&surname);
                    given = translit::latin_to_cyrillic(&given);
                    patronymic = translit::latin_to_cyrillic(&patronymic);
                }
                let full = format!("{surname} {given} {patronymic}");
                let key = translit::search_key(&full);
                stmt.execute(rusqlite::params![
                    format!("{:014}", 10_000_000_000_000u64 + i as u64),
                    format!("AA{:07}", i),
                    surname,
                    given,
                    patronymic,
                    key,
                    admin.staff_id
                ])
                .unwrap();
                if i % (n / 1000).max(1) == 0 {
                    people.push((full, tx.last_insert_rowid()));
                }
            }
        }
        tx.commit().unwrap();
        before_fold = page_bytes(&conn);
    }
    let loaded = t.elapsed();
    let t = Instant::now();
    let folded = store.refresh_name_index().unwrap();
    let fold_time = t.elapsed();
    let after_fold = page_bytes(&open_bare(&path, None).unwrap());
    println!(
        "\nname search among {n} citizens (loaded in {:.1} s; {folded} names folded in {:.1} s):",
        loaded.as_secs_f64(),
        fold_time.as_secs_f64()
    );
    println!(
        "  database {:.0} bytes per citizen; the folded index (key, FTS5, vocabulary) adds {:.0} bytes per citizen",
        after_fold as f64 / n as f64,
        (after_fold - before_fold) as f64 / n as f64
    );

    // What a clerk types for the person in front of them: surname, given name and
    // patronymic, as stored; in the other script (with a plain apostrophe); folded (half on a
    // Russian keyboard, half in Russian-style Latin); with one letter wrong.
    let exact: Vec<(String, i64)> = people.clone();
    let other_script: Vec<(String, i64)> = people
        .iter()
        .map(|(name, id)| {
            let q = if translit::has_cyrillic(name) {
                translit::cyrillic_to_latin(name).replace('ʻ', "'")
            } else {
                translit::latin_to_cyrillic(name)
            };
            (q, *id)
        })
        .collect();
    let folded_queries: Vec<(String, i64)> = people
        .iter()
        .enumerate()
        .map(|(i, (name, id))| {
            let q = if i % 2 == 0 {
                russian_keyboard(name)
            } else {
                russian_style_latin(name)
            };
            (q, *id)
        })
        .collect();
    let typos: Vec<(String, i64)> = people
        .iter()
        .map(|(name, id)| (mistyped(name, &mut rng), *id))
        .collect();
    for (q, _) in folded_queries.iter().take(2).chain(typos.iter().take(2)) {
        println!(
            "  e.g. {q:?}: {} found",
            store.find_citizens(q, 20).unwrap().len()
        );
    }
    report("exact (as stored)", &store, &exact);
    report("other script", &store, &other_script);
    report("folded (Russian kbd / ICAO)", &store, &folded_queries);
    report("one letter wrong", &store, &typos);

    // The same rows in an encrypted store: copy the plain file's rows into it.
    let enc_path = dir.join("search.db");
    let (enc, _) = setup(&enc_path, &clock);
    drop(enc);
    {
        let conn = ariza_store::open_keyed_connection(&enc_path).unwrap();
        conn.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [path.to_string_lossy()],
        )
        .unwrap();
        conn.execute_batch(
            "BEGIN; INSERT INTO citizen SELECT * FROM plain.citizen WHERE id > 0 AND id NOT IN (SELECT id FROM main.citizen);
             INSERT OR IGNORE INTO name_word SELECT * FROM plain.name_word;
             INSERT OR IGNORE INTO name_word_variant SELECT * FROM plain.name_word_variant; COMMIT;",
        )
        .unwrap();
    }
    let enc = Store::open(&enc_path).unwrap();
    let mixed: Vec<&(String, i64)> = other_script
        .iter()
        .zip(&folded_queries)
        .flat_map(|(a, b)| [a, b])
        .collect();
    for (q, _) in mixed.iter().take(20) {
        enc.find_citizens(q, 20).unwrap();
    }
    let mut encrypted = Vec::new();
    let mut plain_again = Vec::new();
    for (i, (q, _)) in mixed.iter().enumerate() {
        // Taking turns at going first, as for filing.
        for turn in 0..2 {
            if (i + turn) % 2 == 0 {
                let t = Instant::now();
                enc.find_citizens(q, 20).unwrap();
                encrypted.push(t.elapsed());
            } else {
                let t = Instant::now();
                store.find_citizens(q, 20).unwrap();
                plain_again.push(t.elapsed());
            }
        }
    }
    let (e50, e95, _) = summary(encrypted);
    let (q50, q95, _) = summary(plain_again);

    let conn = open_bare(&path, None).unwrap();
    let mut scan = Vec::new();
    let mut scan_hits = 0;
    for (q, _) in other_script.iter().take(20) {
        let key = translit::search_key(q);
        let patterns: Vec<String> = key.split(' ').map(|t| format!("%{t}%")).collect();
        let t = Instant::now();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id FROM citizen WHERE name_key LIKE ?1 AND name_key LIKE ?2 LIMIT 20",
            )
            .unwrap();
        scan_hits += stmt
            .query_map(rusqlite::params![patterns[0], patterns[1]], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
            .count();
        scan.push(t.elapsed());
    }
    let scanned = scan.len();
    let (s50, s95, _) = summary(scan);
    println!(
        "  LIKE '%…%' scan ({scanned} queries)       p50 {s50:7.3} ms   p95 {s95:7.3} ms   {:5.1} results/query   (target for the indexed search: p95 ≤ 10 ms)",
        scan_hits as f64 / scanned as f64
    );
    println!(
        "  interleaved, SQLCipher vs unencrypted: p50 {e50:.3} vs {q50:.3} ms ({:+.1} %), p95 {e95:.3} vs {q95:.3} ms ({:+.1} %)   (target ≤ 15 %)",
        (e50 / q50 - 1.0) * 100.0,
        (e95 / q95 - 1.0) * 100.0
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    println!("bench folder: {}", dir.path().display());
    // ARIZA_BENCH_ONLY=filing (or search) runs one part: search builds a million citizens.
    let only = std::env::var("ARIZA_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "filing" {
        filing(dir.path());
    }
    if only.is_empty() || only == "search" {
        search(dir.path());
    }
}
