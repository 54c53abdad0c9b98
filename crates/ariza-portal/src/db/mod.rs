//! Every SQL statement of the portal, and nothing else: each function is one statement (or a
//! short fixed sequence) over any client — the pool's or an open transaction — or, where the
//! statement only means something inside one (a row lock, the audit chain's lock), over a
//! [`Transaction`]. The rules live in `ops`, which decides what to run and in which
//! transaction; nothing above this module writes SQL.
//!
//! Statements are prepared once per connection (`prepare_cached`) and rows are read by a
//! `from_row` per type: a column that does not read as its type is an error, never a default.

pub(crate) mod applications;
pub(crate) mod audit;
pub(crate) mod bundles;
pub(crate) mod catalog;
pub(crate) mod centers;
pub(crate) mod changes;
pub(crate) mod citizen_merges;
pub(crate) mod connect;
pub(crate) mod devices;
pub(crate) mod documents;
pub(crate) mod enrollment;
pub(crate) mod migrate;
pub(crate) mod releases;
pub(crate) mod reports;
pub(crate) mod sessions;
pub(crate) mod users;

use chrono::{DateTime, Utc};
pub(crate) use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Error;

/// The database's clock: every time the portal stores is the database's, so that several
/// portal processes agree.
pub(crate) async fn now(db: &impl GenericClient) -> Result<DateTime<Utc>, Error> {
    let row = db
        .query_one(&db.prepare_cached("SELECT now()").await?, &[])
        .await?;
    row.try_get(0)
}
