//! Portal users' sessions, the sign-in lockout by name, and switching accounts off. Every
//! time is the database's `now()`, so several portal processes agree on expiry and lockout.
//! Durations are passed as seconds (`make_interval(secs => …)`).

use chrono::{DateTime, Utc};
use tokio_postgres::Error;

use super::GenericClient;

/// The password hash of an active user; `None` for an unknown or deactivated one.
pub(crate) async fn active_password_hash(
    db: &impl GenericClient,
    username: &str,
) -> Result<Option<String>, Error> {
    let statement = db
        .prepare_cached("SELECT password_hash FROM portal_user WHERE username = $1 AND active")
        .await?;
    db.query_opt(&statement, &[&username])
        .await?
        .map(|row| row.try_get(0))
        .transpose()
}

/// Counts a sign-in attempt for a name before its password is checked, unless the name is
/// locked: the count goes up by one and the name is locked for `delays[count - 1]` seconds
/// (the last delay from then on). Returns the new count, or `None` while the name is locked.
/// One statement, so concurrent attempts on several portal processes cannot all slip past
/// the lock.
pub(crate) async fn claim_attempt(
    db: &impl GenericClient,
    name_hash: &str,
    delays: &[f64],
) -> Result<Option<i32>, Error> {
    let statement = db
        .prepare_cached(
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
        .await?;
    db.query_opt(&statement, &[&name_hash, &delays])
        .await?
        .map(|row| row.try_get(0))
        .transpose()
}

/// Whole seconds (at least 1) until a locked name may try again; `None` if it is not locked.
pub(crate) async fn locked_for_secs(
    db: &impl GenericClient,
    name_hash: &str,
) -> Result<Option<i64>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT GREATEST(1, ceil(extract(epoch FROM next_try_at - now())))::bigint
         FROM portal_sign_in_failure WHERE name_hash = $1 AND next_try_at > now()",
        )
        .await?;
    db.query_opt(&statement, &[&name_hash])
        .await?
        .map(|row| row.try_get(0))
        .transpose()
}

/// A successful sign-in clears the name's count.
pub(crate) async fn clear_failures(db: &impl GenericClient, name_hash: &str) -> Result<(), Error> {
    let statement = db
        .prepare_cached("DELETE FROM portal_sign_in_failure WHERE name_hash = $1")
        .await?;
    db.execute(&statement, &[&name_hash]).await?;
    Ok(())
}

/// Forgets the counts of names that are not locked and were last tried more than
/// `older_than_secs` ago.
pub(crate) async fn forget_old_failures(
    db: &impl GenericClient,
    older_than_secs: f64,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "DELETE FROM portal_sign_in_failure
         WHERE next_try_at <= now() AND last_try_at < now() - make_interval(secs => $1)",
        )
        .await?;
    db.execute(&statement, &[&older_than_secs]).await?;
    Ok(())
}

/// Stores a new session (the token's digest only); returns its absolute end.
pub(crate) async fn insert(
    db: &impl GenericClient,
    token_hash: &str,
    username: &str,
    max_secs: f64,
) -> Result<DateTime<Utc>, Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO portal_session (token_hash, username, created_at, last_used_at, expires_at)
         VALUES ($1, $2, now(), now(), now() + make_interval(secs => $3))
         RETURNING expires_at",
        )
        .await?;
    db.query_one(&statement, &[&token_hash, &username, &max_secs])
        .await?
        .try_get(0)
}

/// Removes sessions past their absolute end or idle for `idle_secs`.
pub(crate) async fn forget_expired(db: &impl GenericClient, idle_secs: f64) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "DELETE FROM portal_session
         WHERE expires_at <= now() OR last_used_at + make_interval(secs => $1) <= now()",
        )
        .await?;
    db.execute(&statement, &[&idle_secs]).await?;
    Ok(())
}

/// Who a live session belongs to.
pub(crate) struct SessionUser {
    pub username: String,
    pub role: String,
    pub agency: Option<String>,
    pub region: Option<String>,
}

/// The user of a live session — within its absolute end, used within `idle_secs`, its user
/// still active — and marks it used now. `None` for any other token.
pub(crate) async fn touch(
    db: &impl GenericClient,
    token_hash: &str,
    idle_secs: f64,
) -> Result<Option<SessionUser>, Error> {
    let statement = db
        .prepare_cached(
            "UPDATE portal_session s SET last_used_at = now()
         FROM portal_user u
         WHERE s.token_hash = $1 AND u.username = s.username AND u.active
           AND s.expires_at > now() AND s.last_used_at + make_interval(secs => $2) > now()
         RETURNING u.username, u.role, u.agency, u.region",
        )
        .await?;
    db.query_opt(&statement, &[&token_hash, &idle_secs])
        .await?
        .map(|row| {
            Ok(SessionUser {
                username: row.try_get("username")?,
                role: row.try_get("role")?,
                agency: row.try_get("agency")?,
                region: row.try_get("region")?,
            })
        })
        .transpose()
}

/// Revokes one session; whether it existed.
pub(crate) async fn delete(db: &impl GenericClient, token_hash: &str) -> Result<bool, Error> {
    let statement = db
        .prepare_cached("DELETE FROM portal_session WHERE token_hash = $1")
        .await?;
    Ok(db.execute(&statement, &[&token_hash]).await? > 0)
}

/// Revokes every session of a user; how many there were.
pub(crate) async fn delete_for_user(db: &impl GenericClient, username: &str) -> Result<u64, Error> {
    let statement = db
        .prepare_cached("DELETE FROM portal_session WHERE username = $1")
        .await?;
    db.execute(&statement, &[&username]).await
}

/// Switches a user on or off; whether anything changed (false for an unknown user or one
/// already so).
pub(crate) async fn set_user_active(
    db: &impl GenericClient,
    username: &str,
    active: bool,
) -> Result<bool, Error> {
    let statement = db
        .prepare_cached("UPDATE portal_user SET active = $2 WHERE username = $1 AND active <> $2")
        .await?;
    Ok(db.execute(&statement, &[&username, &active]).await? > 0)
}
