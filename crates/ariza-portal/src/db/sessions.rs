//! Portal users' sessions, the sign-in lockout by name, and switching accounts off. Every
//! time is the database's `now()`, so several portal processes agree on expiry and lockout.
//! Durations are passed as seconds (`make_interval(secs => …)`).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// The password hash of an active user; `None` for an unknown or deactivated one.
pub(crate) async fn active_password_hash(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM portal_user WHERE username = $1 AND active")
        .bind(username)
        .fetch_optional(db)
        .await
}

/// Counts a sign-in attempt for a name before its password is checked, unless the name is
/// locked: the count goes up by one and the name is locked for `delays[count - 1]` seconds
/// (the last delay from then on). Returns the new count, or `None` while the name is locked.
/// One statement, so concurrent attempts on several portal processes cannot all slip past
/// the lock.
pub(crate) async fn claim_attempt(
    db: impl PgExecutor<'_>,
    name_hash: &str,
    delays: &[f64],
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO portal_sign_in_failure AS f (name_hash, failures, next_try_at, last_try_at)
         VALUES ($1, 1, now() + make_interval(secs => ($2::float8[])[1]), now())
         ON CONFLICT (name_hash) DO UPDATE SET
             failures = f.failures + 1,
             next_try_at = now() + make_interval(secs =>
                 ($2::float8[])[LEAST(f.failures + 1, cardinality($2::float8[]))]),
             last_try_at = now()
         WHERE f.next_try_at <= now()
         RETURNING failures",
    )
    .bind(name_hash)
    .bind(delays)
    .fetch_optional(db)
    .await
}

/// Whole seconds (at least 1) until a locked name may try again; `None` if it is not locked.
pub(crate) async fn locked_for_secs(
    db: impl PgExecutor<'_>,
    name_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT GREATEST(1, ceil(extract(epoch FROM next_try_at - now())))::bigint
         FROM portal_sign_in_failure WHERE name_hash = $1 AND next_try_at > now()",
    )
    .bind(name_hash)
    .fetch_optional(db)
    .await
}

/// A successful sign-in clears the name's count.
pub(crate) async fn clear_failures(
    db: impl PgExecutor<'_>,
    name_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM portal_sign_in_failure WHERE name_hash = $1")
        .bind(name_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets the counts of names that are not locked and were last tried more than
/// `older_than_secs` ago.
pub(crate) async fn forget_old_failures(
    db: impl PgExecutor<'_>,
    older_than_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM portal_sign_in_failure
         WHERE next_try_at <= now() AND last_try_at < now() - make_interval(secs => $1)",
    )
    .bind(older_than_secs)
    .execute(db)
    .await?;
    Ok(())
}

/// Stores a new session (the token's digest only); returns its absolute end.
pub(crate) async fn insert(
    db: impl PgExecutor<'_>,
    token_hash: &str,
    username: &str,
    max_secs: f64,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO portal_session (token_hash, username, created_at, last_used_at, expires_at)
         VALUES ($1, $2, now(), now(), now() + make_interval(secs => $3))
         RETURNING expires_at",
    )
    .bind(token_hash)
    .bind(username)
    .bind(max_secs)
    .fetch_one(db)
    .await
}

/// Removes sessions past their absolute end or idle for `idle_secs`.
pub(crate) async fn forget_expired(
    db: impl PgExecutor<'_>,
    idle_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM portal_session
         WHERE expires_at <= now() OR last_used_at + make_interval(secs => $1) <= now()",
    )
    .bind(idle_secs)
    .execute(db)
    .await?;
    Ok(())
}

/// Who a live session belongs to.
pub(crate) struct SessionUser {
    pub username: String,
    pub role: String,
    pub agency: Option<String>,
}

/// The user of a live session — within its absolute end, used within `idle_secs`, its user
/// still active — and marks it used now. `None` for any other token.
pub(crate) async fn touch(
    db: impl PgExecutor<'_>,
    token_hash: &str,
    idle_secs: f64,
) -> Result<Option<SessionUser>, sqlx::Error> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "UPDATE portal_session s SET last_used_at = now()
         FROM portal_user u
         WHERE s.token_hash = $1 AND u.username = s.username AND u.active
           AND s.expires_at > now() AND s.last_used_at + make_interval(secs => $2) > now()
         RETURNING u.username, u.role, u.agency",
    )
    .bind(token_hash)
    .bind(idle_secs)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(username, role, agency)| SessionUser {
        username,
        role,
        agency,
    }))
}

/// Revokes one session; whether it existed.
pub(crate) async fn delete(db: impl PgExecutor<'_>, token_hash: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM portal_session WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Revokes every session of a user; how many there were.
pub(crate) async fn delete_for_user(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM portal_session WHERE username = $1")
        .bind(username)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Switches a user on or off; whether anything changed (false for an unknown user or one
/// already so).
pub(crate) async fn set_user_active(
    db: impl PgExecutor<'_>,
    username: &str,
    active: bool,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE portal_user SET active = $2 WHERE username = $1 AND active <> $2")
            .bind(username)
            .bind(active)
            .execute(db)
            .await?;
    Ok(done.rows_affected() > 0)
}
