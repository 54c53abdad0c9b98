//! The pool of connections to the portal's database.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

/// What can stop the pool from being set up (connecting itself happens on first use).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The message names the bad option, never its value: the URL carries a password.
    #[error("the database URL is not valid: {0}")]
    Url(#[from] tokio_postgres::Error),
    #[error("the connection pool cannot be built: {0}")]
    Pool(#[from] deadpool_postgres::BuildError),
}

/// How long a caller waits for a free connection, or for a new one to be made, before the
/// request fails as unavailable (sqlx's default, which the portal used before).
const WAIT: Duration = Duration::from_secs(30);

/// A pool of at most `max_size` connections to `database_url` (a `postgres://` URL or a
/// `key=value` string, as `tokio_postgres::Config` reads it).
pub fn pool(database_url: &str, max_size: usize) -> Result<Pool, ConnectError> {
    let mut config: tokio_postgres::Config = database_url.parse()?;
    // Sessions run in UTC, as they did under sqlx, so that interval arithmetic on
    // timestamptz (`received_at + interval '2 days'`) does not depend on the server's zone.
    let options = match config.get_options() {
        Some(given) => format!("{given} -c TimeZone=UTC"),
        None => "-c TimeZone=UTC".to_string(),
    };
    config.options(&options);
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            // A connection handed back is reused unless it is closed; a broken one fails its
            // next statement, which answers that request as unavailable.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Ok(Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(WAIT))
        .create_timeout(Some(WAIT))
        .build()?)
}
