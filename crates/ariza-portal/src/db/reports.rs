//! The report roll-up (`report_rollup`) and the raw GROUP BY it is checked against.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};

/// Adds `n` (negative to take away) to one cell of the roll-up.
pub(crate) async fn add(
    conn: &mut PgConnection,
    day: NaiveDate,
    center: &str,
    channel: &str,
    status: &str,
    n: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_rollup (day, center_code, channel, status, n) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (day, center_code, channel, status) DO UPDATE SET n = report_rollup.n + excluded.n",
    )
    .bind(day)
    .bind(center)
    .bind(channel)
    .bind(status)
    .bind(n)
    .execute(conn)
    .await?;
    Ok(())
}

/// (region, center, center name, channel, status, n)
pub(crate) type Cell = (String, String, String, String, String, i64);

/// The roll-up's cells for receive days `from..=to`.
pub(crate) async fn rollup_cells(
    db: impl PgExecutor<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Cell>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.region, r.center_code, c.name, r.channel, r.status, sum(r.n)::bigint
         FROM report_rollup r JOIN center c ON c.code = r.center_code
         WHERE r.day BETWEEN $1 AND $2
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

/// The same cells counted from the application rows received in `[start, end)`.
pub(crate) async fn row_cells(
    db: impl PgExecutor<'_>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<Cell>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.region, a.center_code, c.name, a.channel, a.status, count(*)::bigint
         FROM application a JOIN center c ON c.code = a.center_code
         WHERE a.received_at >= $1 AND a.received_at < $2
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(start)
    .bind(end)
    .fetch_all(db)
    .await
}
