//! Every SQL statement of the portal, and nothing else: each function is one statement (or a
//! short fixed sequence) over a pool or an open transaction. The rules live in `ops`, which
//! decides what to run and in which transaction; nothing above this module writes SQL.

pub(crate) mod applications;
pub(crate) mod audit;
pub(crate) mod catalog;
pub(crate) mod centers;
pub(crate) mod changes;
pub(crate) mod devices;
pub(crate) mod enrollment;
pub(crate) mod reports;
pub(crate) mod sessions;
pub(crate) mod users;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Applies the portal's migrations (`migrations/portal`, embedded at build time).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../../migrations/portal").run(pool).await
}

/// The database's clock: every time the portal stores is the database's, so that several
/// portal processes agree.
pub(crate) async fn now(db: impl PgExecutor<'_>) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar("SELECT now()").fetch_one(db).await
}
