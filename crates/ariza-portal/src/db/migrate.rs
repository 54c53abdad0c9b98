//! The portal's migrations (`migrations/portal`, embedded at build time), applied in order,
//! each in its own transaction with the row that records it. Each applied migration's SHA-256
//! is kept: an edited migration is refused rather than silently diverging, and a database
//! migrated by a newer portal is refused untouched.
//!
//! Portals before this runner were migrated by sqlx (`_sqlx_migrations`); its applied versions
//! are adopted, checked against sqlx's own SHA-384, so nothing is run twice.

use std::collections::BTreeMap;

use deadpool_postgres::{Object, Pool, PoolError};
use sha2::{Digest, Sha256, Sha384};

/// One embedded migration: its version is its file's number.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. A new file in `migrations/portal` is added here too (a unit
/// test fails on one that is not).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../../../../migrations/portal/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_portal_time",
        sql: include_str!("../../../../migrations/portal/0002_portal_time.sql"),
    },
    Migration {
        version: 3,
        name: "0003_feed_kinds",
        sql: include_str!("../../../../migrations/portal/0003_feed_kinds.sql"),
    },
    Migration {
        version: 4,
        name: "0004_security",
        sql: include_str!("../../../../migrations/portal/0004_security.sql"),
    },
    Migration {
        version: 5,
        name: "0005_reports",
        sql: include_str!("../../../../migrations/portal/0005_reports.sql"),
    },
    Migration {
        version: 6,
        name: "0006_audit_head",
        sql: include_str!("../../../../migrations/portal/0006_audit_head.sql"),
    },
    Migration {
        version: 7,
        name: "0007_sessions",
        sql: include_str!("../../../../migrations/portal/0007_sessions.sql"),
    },
    Migration {
        version: 8,
        name: "0008_documents",
        sql: include_str!("../../../../migrations/portal/0008_documents.sql"),
    },
    Migration {
        version: 9,
        name: "0009_bundles",
        sql: include_str!("../../../../migrations/portal/0009_bundles.sql"),
    },
    Migration {
        version: 10,
        name: "0010_web",
        sql: include_str!("../../../../migrations/portal/0010_web.sql"),
    },
    Migration {
        version: 11,
        name: "0011_centers_health",
        sql: include_str!("../../../../migrations/portal/0011_centers_health.sql"),
    },
    Migration {
        version: 12,
        name: "0012_citizen_merges",
        sql: include_str!("../../../../migrations/portal/0012_citizen_merges.sql"),
    },
    Migration {
        version: 13,
        name: "0013_desk_releases",
        sql: include_str!("../../../../migrations/portal/0013_desk_releases.sql"),
    },
];

/// Why the portal's database could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("no connection to the portal database: {0}")]
    Connect(#[from] PoolError),
    #[error("migrating the portal database: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("migration {name} was edited after it was applied; add a new migration instead")]
    Edited { name: String },
    #[error(
        "the database has migration {found}, newer than this portal's {supported}: it belongs to a newer portal"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("sqlx left migration {version} unfinished; repair the database before upgrading")]
    Unfinished { version: i64 },
}

/// Held for the whole run: two portals starting together would otherwise both apply a
/// migration (one failing halfway, or both recording it).
const MIGRATION_LOCK: i64 = 0x4172_697A_614D_6967;

fn sha256_hex(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Brings the database up to date.
pub async fn migrate(pool: &Pool) -> Result<(), MigrateError> {
    let mut client = pool.get().await?;
    let result = migrate_locked(&mut client).await;
    // The lock is the session's: closing this connection releases it whatever happened (a
    // failed unlock included), so the connection never goes back to the pool still holding it.
    drop(Object::take(client));
    result
}

async fn migrate_locked(client: &mut Object) -> Result<(), MigrateError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migration (
                version    BIGINT PRIMARY KEY,
                name       TEXT NOT NULL,
                sha256     TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                -- Applied by sqlx before this runner, and adopted from _sqlx_migrations.
                by_sqlx    BOOLEAN NOT NULL DEFAULT false
            )",
        )
        .await?;
    adopt_sqlx(client).await?;
    let applied: BTreeMap<i64, String> = client
        .query("SELECT version, sha256 FROM schema_migration", &[])
        .await?
        .iter()
        .map(|row| Ok((row.try_get("version")?, row.try_get("sha256")?)))
        .collect::<Result<_, tokio_postgres::Error>>()?;
    check_known(applied.keys().copied())?;
    for m in MIGRATIONS {
        match applied.get(&m.version) {
            Some(sha) if *sha == sha256_hex(m.sql) => {}
            Some(_) => {
                return Err(MigrateError::Edited {
                    name: m.name.to_string(),
                });
            }
            None => {
                let tx = client.transaction().await?;
                tx.batch_execute(m.sql).await?;
                tx.execute(
                    "INSERT INTO schema_migration (version, name, sha256) VALUES ($1, $2, $3)",
                    &[&m.version, &m.name, &sha256_hex(m.sql)],
                )
                .await?;
                tx.commit().await?;
                tracing::info!(migration = m.name, "applied");
            }
        }
    }
    Ok(())
}

/// Refuses a database with a version this portal does not have.
fn check_known(versions: impl Iterator<Item = i64>) -> Result<(), MigrateError> {
    let supported = MIGRATIONS.last().map_or(0, |m| m.version);
    match versions.max() {
        Some(found) if found > supported => Err(MigrateError::TooNew { found, supported }),
        _ => Ok(()),
    }
}

/// Records the versions sqlx applied (if it ever did) as applied, keeping when. sqlx's table
/// is left as it was.
async fn adopt_sqlx(client: &mut Object) -> Result<(), MigrateError> {
    let has_sqlx: bool = client
        .query_one("SELECT to_regclass('_sqlx_migrations') IS NOT NULL", &[])
        .await?
        .try_get(0)?;
    if !has_sqlx {
        return Ok(());
    }
    let rows = client
        .query(
            "SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version",
            &[],
        )
        .await?;
    let mut adopted = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = row.try_get("version")?;
        let success: bool = row.try_get("success")?;
        let checksum: Vec<u8> = row.try_get("checksum")?;
        if !success {
            return Err(MigrateError::Unfinished { version });
        }
        let Some(m) = MIGRATIONS.iter().find(|m| m.version == version) else {
            return Err(MigrateError::TooNew {
                found: version,
                supported: MIGRATIONS.last().map_or(0, |m| m.version),
            });
        };
        // sqlx kept the SHA-384 of the file as it ran it.
        if checksum.as_slice() != Sha384::digest(m.sql.as_bytes()).as_slice() {
            return Err(MigrateError::Edited {
                name: m.name.to_string(),
            });
        }
        adopted.push(m);
    }
    let tx = client.transaction().await?;
    for m in adopted {
        let n = tx
            .execute(
                "INSERT INTO schema_migration (version, name, sha256, applied_at, by_sqlx)
                 SELECT $1, $2, $3, installed_on, true FROM _sqlx_migrations WHERE version = $1
                 ON CONFLICT (version) DO NOTHING",
                &[&m.version, &m.name, &sha256_hex(m.sql)],
            )
            .await?;
        if n == 1 {
            tracing::info!(migration = m.name, "adopted from sqlx");
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// `include_str!` cannot list a directory: a file added to `migrations/portal` but not to
    /// [`MIGRATIONS`] would silently never run.
    #[test]
    fn every_migration_file_is_embedded_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/portal");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(files, embedded);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }

    #[test]
    fn a_version_beyond_the_last_is_refused() {
        let last = MIGRATIONS.len() as i64;
        assert!(check_known([1, 2, last].into_iter()).is_ok());
        let outcome = check_known([1, last + 1].into_iter());
        assert!(
            matches!(
                outcome,
                Err(MigrateError::TooNew { found, supported }) if found == last + 1 && supported == last
            ),
            "{outcome:?}"
        );
    }
}
