//! The report roll-up (`report_rollup`) and the raw GROUP BY it is checked against.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::{Error, Row};

use super::GenericClient;

/// Adds `n` (negative to take away) to one cell of the roll-up.
pub(crate) async fn add(
    db: &impl GenericClient,
    day: NaiveDate,
    center: &str,
    channel: &str,
    status: &str,
    n: i64,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO report_rollup (day, center_code, channel, status, n) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (day, center_code, channel, status) DO UPDATE SET n = report_rollup.n + excluded.n",
        )
        .await?;
    db.execute(&statement, &[&day, &center, &channel, &status, &n])
        .await?;
    Ok(())
}

/// One cell of the regional table: how many applications of a center, channel and status.
pub(crate) struct Cell {
    pub region: String,
    pub center: String,
    pub center_name: String,
    pub channel: String,
    pub status: String,
    pub n: i64,
}

impl Cell {
    /// Both queries select the same six columns in this order.
    fn from_row(row: &Row) -> Result<Cell, Error> {
        Ok(Cell {
            region: row.try_get(0)?,
            center: row.try_get(1)?,
            center_name: row.try_get(2)?,
            channel: row.try_get(3)?,
            status: row.try_get(4)?,
            n: row.try_get(5)?,
        })
    }
}

/// The roll-up's cells for receive days `from..=to`.
pub(crate) async fn rollup_cells(
    db: &impl GenericClient,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Cell>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT c.region, r.center_code, c.name, r.channel, r.status, sum(r.n)::bigint
         FROM report_rollup r JOIN center c ON c.code = r.center_code
         WHERE r.day BETWEEN $1 AND $2
         GROUP BY 1, 2, 3, 4, 5",
        )
        .await?;
    db.query(&statement, &[&from, &to])
        .await?
        .iter()
        .map(Cell::from_row)
        .collect()
}

/// The same cells counted from the application rows received in `[start, end)`.
pub(crate) async fn row_cells(
    db: &impl GenericClient,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Cell>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT c.region, a.center_code, c.name, a.channel, a.status, count(*)::bigint
         FROM application a JOIN center c ON c.code = a.center_code
         WHERE a.received_at >= $1 AND a.received_at < $2
         GROUP BY 1, 2, 3, 4, 5",
        )
        .await?;
    db.query(&statement, &[&start, &end])
        .await?
        .iter()
        .map(Cell::from_row)
        .collect()
}
