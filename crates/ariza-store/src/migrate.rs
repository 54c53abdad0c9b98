//! Append-only migrations, applied on open in one transaction. Each applied migration's
//! SHA-256 is kept: an edited migration is refused rather than silently diverging, and a
//! database from a newer Ariza (higher `user_version`) is refused untouched.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::{Result, StoreError};

pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_initial",
        sql: include_str!("../../../migrations/desk/0001_initial.sql"),
    },
    Migration {
        name: "0002_sync",
        sql: include_str!("../../../migrations/desk/0002_sync.sql"),
    },
    Migration {
        name: "0003_outbox_holds_only_undelivered",
        sql: include_str!("../../../migrations/desk/0003_outbox_holds_only_undelivered.sql"),
    },
    Migration {
        name: "0004_security",
        sql: include_str!("../../../migrations/desk/0004_security.sql"),
    },
    Migration {
        name: "0005_filing_writes_fewer_pages",
        sql: include_str!("../../../migrations/desk/0005_filing_writes_fewer_pages.sql"),
    },
    Migration {
        name: "0006_handed_over",
        sql: include_str!("../../../migrations/desk/0006_handed_over.sql"),
    },
    Migration {
        name: "0007_supervision",
        sql: include_str!("../../../migrations/desk/0007_supervision.sql"),
    },
    Migration {
        name: "0008_filing_writes_two_fewer_btrees",
        sql: include_str!("../../../migrations/desk/0008_filing_writes_two_fewer_btrees.sql"),
    },
    Migration {
        name: "0009_search_reads_fewer_pages",
        sql: include_str!("../../../migrations/desk/0009_search_reads_fewer_pages.sql"),
    },
    Migration {
        name: "0010_sign_in_lockout_keyed",
        sql: include_str!("../../../migrations/desk/0010_sign_in_lockout_keyed.sql"),
    },
    Migration {
        name: "0011_documents",
        sql: include_str!("../../../migrations/desk/0011_documents.sql"),
    },
    Migration {
        name: "0012_documents_to_follow_and_delivery",
        sql: include_str!("../../../migrations/desk/0012_documents_to_follow_and_delivery.sql"),
    },
    Migration {
        name: "0013_receipt_code",
        sql: include_str!("../../../migrations/desk/0013_receipt_code.sql"),
    },
    Migration {
        name: "0014_name_folding",
        sql: include_str!("../../../migrations/desk/0014_name_folding.sql"),
    },
    Migration {
        name: "0015_citizen_merges",
        sql: include_str!("../../../migrations/desk/0015_citizen_merges.sql"),
    },
    Migration {
        name: "0016_receipt_language",
        sql: include_str!("../../../migrations/desk/0016_receipt_language.sql"),
    },
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn digest(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

pub fn run(conn: &mut Connection) -> Result<()> {
    run_to(conn, MIGRATIONS.len())
}

/// Applies the first `count` migrations: `run` applies them all; tests stop earlier to build
/// a database as an older Ariza left it.
pub(crate) fn run_to(conn: &mut Connection, count: usize) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migration (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) STRICT;",
    )?;
    for (i, m) in MIGRATIONS.iter().take(count).enumerate() {
        let version = i as i64 + 1;
        let applied: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM schema_migration WHERE version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()?;
        match applied {
            Some(sha) if sha == digest(m.sql) => {}
            Some(_) => {
                return Err(StoreError::MigrationChanged {
                    name: m.name.to_string(),
                });
            }
            None => {
                tx.execute_batch(m.sql)?;
                tx.execute(
                    "INSERT INTO schema_migration (version, name, sha256) VALUES (?1, ?2, ?3)",
                    rusqlite::params![version, m.name, digest(m.sql)],
                )?;
                tracing::info!(migration = m.name, "applied");
            }
        }
    }
    tx.pragma_update(None, "user_version", count.min(MIGRATIONS.len()) as i64)?;
    tx.commit()?;
    Ok(())
}
