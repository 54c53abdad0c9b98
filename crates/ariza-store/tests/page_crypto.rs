//! The desk's SQLCipher page crypto (per-connection OpenSSL contexts) against SQLCipher's own
//! OpenSSL provider: files written by either are read, verified and written by the other.
//!
//! One test in its own binary (its own process): the provider is chosen per connection when
//! it is opened, and only this process decides when `install` runs.

#![cfg(not(target_vendor = "apple"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_store::page_crypto;
use rusqlite::Connection;

const KEY: &str = "x'2b7e151628aed2a6abf7158809cf4f3c2b7e151628aed2a6abf7158809cf4f3c'";
const OTHER_KEY: &str = "x'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'";

/// The desk's settings (see `apply_key`): 1 KiB pages, HMAC-SHA256, WAL.
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

fn provider(conn: &Connection) -> String {
    conn.query_row("PRAGMA cipher_provider", [], |r| r.get(0))
        .unwrap()
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
fn files_written_by_the_stock_provider_and_by_the_desk_read_back_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("compat.db");

    // Before `install`: SQLCipher's own provider writes the file.
    let stock = open(&path, KEY);
    assert_eq!(provider(&stock), "openssl");
    stock
        .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .unwrap();
    insert(&stock, 0, 2_000);
    stock
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();

    page_crypto::install();
    assert!(page_crypto::active(), "the desk's page crypto is in place");
    let desk = open(&path, KEY);
    assert_eq!(provider(&desk), "openssl (per-connection contexts)");

    // The desk reads and verifies every page the stock provider wrote...
    let (encrypted_before, decrypted_before) = page_crypto::pages_processed();
    assert_eq!(rows(&desk), rows(&stock));
    assert!(integrity_failures(&desk).is_empty());
    // ...and writes pages of its own, into the WAL and then the database file.
    insert(&desk, 2_000, 4_000);
    desk.execute(
        "UPDATE t SET body = body || ' changed' WHERE id % 3 = 0",
        [],
    )
    .unwrap();
    desk.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let (encrypted_after, decrypted_after) = page_crypto::pages_processed();
    assert!(
        decrypted_after > decrypted_before,
        "pages were decrypted here"
    );
    assert!(
        encrypted_after > encrypted_before,
        "pages were encrypted here"
    );

    // The stock provider (this connection was opened before `install`) reads and verifies
    // every page the desk wrote.
    let expected = rows(&desk);
    assert_eq!(expected.len(), 4_000);
    assert!(expected[3].1.ends_with(" changed"));
    assert_eq!(rows(&stock), expected);
    assert!(integrity_failures(&stock).is_empty());

    // A wrong key is refused by the desk's page crypto, as by SQLCipher's.
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

    // A changed byte in a page the desk wrote fails its HMAC, and the page is not returned.
    drop(stock);
    drop(desk);
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 1024 * 40;
    bytes[page + 100] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let tampered = open(&path, KEY);
    // Every file connection was closed just now; the page crypto stays registered.
    assert_eq!(provider(&tampered), "openssl (per-connection contexts)");
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
    bytes[page + 100] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    drop(tampered);

    // Rekeying (the key cached in the contexts changes) re-encrypts every page; the new key
    // opens it, through the desk's page crypto.
    let desk = open(&path, KEY);
    desk.execute_batch("PRAGMA journal_mode = DELETE").unwrap();
    desk.execute_batch(&format!("PRAGMA rekey = \"{OTHER_KEY}\""))
        .unwrap();
    insert(&desk, 4_000, 4_100);
    drop(desk);
    let rekeyed = open(&path, OTHER_KEY);
    assert_eq!(rows(&rekeyed).len(), 4_100);
    assert!(integrity_failures(&rekeyed).is_empty());
}
