//! The portal's database layer against a real PostgreSQL: its migration runner (order,
//! checksums, a newer portal's database, two portals starting together), the adoption of a
//! database sqlx migrated before it, and what a database error says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_e2e::portal::{TestDatabase, TestPortal};
use ariza_portal::MigrateError;
use sha2::{Digest, Sha384};
use tokio_postgres::error::SqlState;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The migration files as sqlx read them: (version, description, SQL), in order.
fn migration_files() -> Vec<(i64, String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/portal");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap();
            let (version, description) = stem.split_once('_').unwrap();
            (
                version.parse().unwrap(),
                description.replace('_', " "),
                std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect()
}

async fn connect(db: &TestDatabase) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&db.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// Migrates `db` the way the sqlx-based portal did (sqlx 0.8's Postgres migrator): its
/// `_sqlx_migrations` table, then each of the first `count` files in a transaction with the
/// row sqlx writes (SHA-384 of the file), `execution_time` filled in afterwards.
async fn migrate_as_sqlx_did(db: &TestDatabase, count: usize) {
    let mut client = connect(db).await;
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
                success BOOLEAN NOT NULL,
                checksum BYTEA NOT NULL,
                execution_time BIGINT NOT NULL
            );",
        )
        .await
        .unwrap();
    for (version, description, sql) in migration_files().into_iter().take(count) {
        let tx = client.transaction().await.unwrap();
        tx.batch_execute(&sql).await.unwrap();
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ($1, $2, TRUE, $3, -1)",
            &[
                &version,
                &description,
                &Sha384::digest(sql.as_bytes()).to_vec(),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        client
            .execute(
                "UPDATE _sqlx_migrations SET execution_time = $1 WHERE version = $2",
                &[&1_234_567_i64, &version],
            )
            .await
            .unwrap();
    }
}

/// Every table's columns and every index of the public schema but the migrations' own
/// bookkeeping: what two databases must share to be the same portal schema.
async fn schema(db: &TestDatabase) -> Vec<String> {
    let client = connect(db).await;
    let mut out: Vec<String> = client
        .query(
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                    || ' ' || coalesce(column_default, '')
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name NOT IN ('schema_migration', '_sqlx_migrations')
             UNION ALL
             SELECT indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND tablename NOT IN ('schema_migration', '_sqlx_migrations')
             UNION ALL
             SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
             WHERE connamespace = 'public'::regnamespace
               AND conrelid::regclass::text NOT IN ('schema_migration', '_sqlx_migrations')",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    out.sort();
    out
}

/// (version, by_sqlx) as the runner recorded them.
async fn recorded(db: &TestDatabase) -> Vec<(i64, bool)> {
    connect(db)
        .await
        .query(
            "SELECT version, by_sqlx FROM schema_migration ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn fresh_schema(rt: &tokio::runtime::Runtime) -> Vec<String> {
    let db = TestDatabase::create(rt);
    rt.block_on(async {
        ariza_portal::migrate(&db.pool(2)).await.unwrap();
        schema(&db).await
    })
}

#[test]
fn a_fresh_database_gets_every_migration_once() {
    let rt = runtime();
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        let pool = db.pool(2);
        ariza_portal::migrate(&pool).await.unwrap();
        // Again: nothing to do, nothing refused.
        ariza_portal::migrate(&pool).await.unwrap();
        let expected: Vec<(i64, bool)> = migration_files()
            .iter()
            .map(|(v, _, _)| (*v, false))
            .collect();
        assert_eq!(recorded(&db).await, expected);
        assert_eq!(expected.len(), ariza_portal::MIGRATIONS.len());
    });
}

/// A portal migrated by sqlx: every version it applied is adopted (a re-run of 0001 would
/// fail on `CREATE TABLE center`), with its time, and the schema is the one a fresh database
/// gets. Its table stays as it was.
#[test]
fn a_database_sqlx_migrated_is_adopted_and_nothing_runs_twice() {
    let rt = runtime();
    let fresh = fresh_schema(&rt);
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        let all = migration_files().len();
        migrate_as_sqlx_did(&db, all).await;
        // A row sqlx's portal stored: a re-run migration could not leave it alone.
        connect(&db)
            .await
            .batch_execute(
                "INSERT INTO center (code, name, region, district) VALUES ('TST01', 'T', '1726', '1726294')",
            )
            .await
            .unwrap();
        ariza_portal::migrate(&db.pool(2)).await.unwrap();
        let recorded = recorded(&db).await;
        assert_eq!(recorded.len(), all);
        assert!(recorded.iter().all(|(_, by_sqlx)| *by_sqlx), "{recorded:?}");
        let client = connect(&db).await;
        let same_time: i64 = client
            .query_one(
                "SELECT count(*) FROM schema_migration m JOIN _sqlx_migrations s USING (version)
                 WHERE m.applied_at = s.installed_on",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(same_time as usize, all);
        let sqlx_rows: i64 = client
            .query_one("SELECT count(*) FROM _sqlx_migrations", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(sqlx_rows as usize, all);
        let centers: i64 = client
            .query_one("SELECT count(*) FROM center", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(centers, 1);
        assert_eq!(schema(&db).await, fresh);
        // And a second start adopts nothing new and runs nothing.
        ariza_portal::migrate(&db.pool(2)).await.unwrap();
        assert_eq!(recorded_len(&db).await, all);
    });
}

async fn recorded_len(db: &TestDatabase) -> usize {
    recorded(db).await.len()
}

/// sqlx applied the first three; the runner adopts them and applies the rest itself.
#[test]
fn a_database_sqlx_left_behind_is_adopted_then_brought_up_to_date() {
    let rt = runtime();
    let fresh = fresh_schema(&rt);
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        migrate_as_sqlx_did(&db, 3).await;
        ariza_portal::migrate(&db.pool(2)).await.unwrap();
        let expected: Vec<(i64, bool)> = migration_files()
            .iter()
            .map(|(v, _, _)| (*v, *v <= 3))
            .collect();
        assert_eq!(recorded(&db).await, expected);
        assert_eq!(schema(&db).await, fresh);
    });
}

#[test]
fn an_edited_migration_is_refused() {
    let rt = runtime();
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        let pool = db.pool(2);
        ariza_portal::migrate(&pool).await.unwrap();
        connect(&db)
            .await
            .batch_execute("UPDATE schema_migration SET sha256 = repeat('0', 64) WHERE version = 2")
            .await
            .unwrap();
        match ariza_portal::migrate(&pool).await {
            Err(MigrateError::Edited { name }) => assert_eq!(name, "0002_portal_time"),
            other => panic!("{other:?}"),
        }
    });
}

/// The file sqlx ran differs from the one embedded now (sqlx's SHA-384 says so): refused, and
/// nothing is adopted.
#[test]
fn a_migration_edited_since_sqlx_ran_it_is_refused() {
    let rt = runtime();
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        migrate_as_sqlx_did(&db, 2).await;
        connect(&db)
            .await
            .batch_execute("UPDATE _sqlx_migrations SET checksum = '\\x00' WHERE version = 1")
            .await
            .unwrap();
        match ariza_portal::migrate(&db.pool(2)).await {
            Err(MigrateError::Edited { name }) => assert_eq!(name, "0001_initial"),
            other => panic!("{other:?}"),
        }
        assert_eq!(recorded_len(&db).await, 0);
    });
}

#[test]
fn a_database_from_a_newer_portal_is_refused_untouched() {
    let rt = runtime();
    let db = TestDatabase::create(&rt);
    let newer = ariza_portal::MIGRATIONS.len() as i64 + 1;
    rt.block_on(async {
        // Migrated by us as far as 0002, then by a newer portal that recorded a later version:
        // the missing ones are not applied.
        let pool = db.pool(2);
        ariza_portal::migrate(&pool).await.unwrap();
        let client = connect(&db).await;
        client
            .execute("DELETE FROM schema_migration WHERE version > 2", &[])
            .await
            .unwrap();
        client
            .execute(
                "INSERT INTO schema_migration (version, name, sha256) VALUES ($1, 'from_the_future', '')",
                &[&newer],
            )
            .await
            .unwrap();
        match ariza_portal::migrate(&pool).await {
            Err(MigrateError::TooNew { found, supported }) => {
                assert_eq!((found, supported), (newer, newer - 1))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(recorded_len(&db).await, 3);
    });
    // The same from sqlx's table: a newer sqlx-migrated portal.
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        migrate_as_sqlx_did(&db, 1).await;
        connect(&db)
            .await
            .execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES ($1, 'future', TRUE, '\\x00', 0)",
                &[&newer],
            )
            .await
            .unwrap();
        assert!(matches!(
            ariza_portal::migrate(&db.pool(2)).await,
            Err(MigrateError::TooNew { .. })
        ));
    });
}

/// sqlx marks a migration it could not finish `success = false` and refuses to go on; so does
/// the runner.
#[test]
fn a_migration_sqlx_left_unfinished_is_refused() {
    let rt = runtime();
    let db = TestDatabase::create(&rt);
    rt.block_on(async {
        migrate_as_sqlx_did(&db, 2).await;
        connect(&db)
            .await
            .batch_execute("UPDATE _sqlx_migrations SET success = false WHERE version = 2")
            .await
            .unwrap();
        assert!(matches!(
            ariza_portal::migrate(&db.pool(2)).await,
            Err(MigrateError::Unfinished { version: 2 })
        ));
    });
}

/// Two portals starting on one fresh database: the advisory lock makes the second wait, then
/// find everything applied. Without it one fails (a duplicate key in PostgreSQL's catalog as
/// both create `schema_migration`, or `relation "center" already exists`).
#[test]
fn two_portals_migrating_together_apply_each_migration_once() {
    let rt = runtime();
    for _ in 0..3 {
        let db = TestDatabase::create(&rt);
        rt.block_on(async {
            let (a, b) = (db.pool(1), db.pool(1));
            let (ra, rb) = tokio::join!(
                tokio::spawn(async move { ariza_portal::migrate(&a).await }),
                tokio::spawn(async move { ariza_portal::migrate(&b).await })
            );
            ra.unwrap().unwrap();
            rb.unwrap().unwrap();
            assert_eq!(recorded_len(&db).await, ariza_portal::MIGRATIONS.len());
        });
    }
}

/// A unique violation reaches the operation's caller as a database error with its SQLSTATE
/// (answered as unavailable), and its text carries no key value from the row.
#[test]
fn a_database_error_keeps_its_sqlstate_and_leaves_the_row_out_of_its_text() {
    let portal = TestPortal::start();
    portal.center_and_code("DUP01");
    let err = portal
        .rt
        .block_on(ariza_portal::add_center(
            &portal.portal,
            "DUP01",
            "Again",
            "1726",
            "1726294",
        ))
        .unwrap_err();
    match &err {
        ariza_portal::PortalError::Database(e) => {
            assert_eq!(e.code(), Some(&SqlState::UNIQUE_VIOLATION))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), ariza_core::error::PortalCode::Unavailable);
    let text = err.to_string();
    assert!(text.contains("23505"), "{text}");
    assert!(!text.contains("DUP01"), "{text}");
}
