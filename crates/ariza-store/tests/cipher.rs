//! SQLCipher's own provider on the desk's settings (1 KiB pages, HMAC-SHA256, WAL): what it
//! writes it reads back and verifies; a wrong key opens nothing; a flipped byte is reported
//! by `cipher_integrity_check` and the page is never returned as data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rusqlite::Connection;

const KEY: &str = "x'2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c'";
const OTHER_KEY: &str = "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'";

/// The desk's settings (see `apply_key` in the store).
fn open(path: &std::path::Path, key: &str) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"{key}\";
         PRAGMA cipher_page_size = 1024;
         PRAGMA cipher_hmac_algorithm = HMAC_SHA256;
         PRAGMA journal_mode = WAL;"
    ))
    .unwrap();
    conn
}

/// `PRAGMA cipher_integrity_check` checks every page's HMAC; it lists failures, if any.
fn integrity_failures(conn: &Connection) -> Vec<String> {
    let mut stmt = conn.prepare("PRAGMA cipher_integrity_check").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn rows(conn: &Connection) -> Vec<(i64, String)> {
    let mut stmt = conn.prepare("SELECT id, body FROM t ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn insert(conn: &Connection, from: i64, to: i64) {
    conn.execute_batch("BEGIN").unwrap();
    for i in from..to {
        // Varied lengths, so rows spill over pages and the b-tree splits.
        let body = format!("row {i} ").repeat(1 + (i as usize * 7) % 60);
        conn.execute("INSERT INTO t (id, body) VALUES (?1, ?2)", (i, body))
            .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
}

#[test]
fn the_stock_provider_verifies_every_page_and_refuses_a_wrong_key_or_a_flipped_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cipher.db");
    let conn = open(&path, KEY);
    let provider: String = conn
        .query_row("PRAGMA cipher_provider", [], |r| r.get(0))
        .unwrap();
    assert_eq!(provider, "openssl");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .unwrap();
    insert(&conn, 0, 2_000);
    conn.execute(
        "UPDATE t SET body = body || ' changed' WHERE id % 3 = 0",
        [],
    )
    .unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let expected = rows(&conn);
    assert_eq!(expected.len(), 2_000);
    assert!(integrity_failures(&conn).is_empty());
    drop(conn);

    // A second connection reads and verifies every page.
    let again = open(&path, KEY);
    assert_eq!(rows(&again), expected);
    assert!(integrity_failures(&again).is_empty());
    drop(again);

    // A wrong key reads nothing: not even the journal mode in the header.
    let wrong = Connection::open(&path).unwrap();
    wrong
        .execute_batch(&format!(
            "PRAGMA key = \"{OTHER_KEY}\"; PRAGMA cipher_page_size = 1024; PRAGMA cipher_hmac_algorithm = HMAC_SHA256;"
        ))
        .unwrap();
    assert!(
        wrong
            .query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
            .is_err()
    );
    drop(wrong);

    // A changed byte fails its page's HMAC, and the page is not returned.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 1024 * 40;
    bytes[page + 100] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let tampered = open(&path, KEY);
    let failures = integrity_failures(&tampered);
    assert!(
        failures.iter().any(|f| f.contains("HMAC")),
        "the tampered page is reported: {failures:?}"
    );
    assert!(
        tampered
            .query_row("SELECT sum(length(body)) FROM t", [], |r| r
                .get::<_, i64>(0))
            .is_err(),
        "a query over the tampered page fails instead of returning its contents"
    );
}
