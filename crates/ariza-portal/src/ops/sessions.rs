//! How portal users — operators, agency staff, integrations — sign in: a name and password
//! once (`POST /api/v1/session`), then a bearer token on every request.
//!
//! - The token is 32 random bytes (base64url); only its SHA-256 is stored, so a copy of the
//!   database opens nothing. It ends after [`SessionPolicy::idle`] without use and at
//!   [`SessionPolicy::max`] after sign-in, on the database's clock; signing out, deactivating
//!   the user or `ariza-portal user sign-out` ends it at once (checked on every request).
//! - An unknown (or deactivated) name costs the same Argon2 verification as a wrong password,
//!   against [`DUMMY_HASH`], so the answer's time does not tell which names exist.
//! - Failures are counted by name, existing or not, as on the desk
//!   ([`ariza_core::staff::sign_in_delay`]): the first two are free, then 5, 10 and 20 s, then
//!   15 minutes locked. A locked name is answered `account_locked` without its password being
//!   checked at all, so a lock cannot be brute-forced through. The count is keyed by a digest
//!   of the normalized name, never the name as typed.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ops::users::PortalUser;
use crate::{Portal, PortalError, db};

/// How long a session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session not used for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in, however busy.
    pub max: Duration,
}

/// 30 minutes idle, 8 hours at most: a working day's session needs one sign-in in the
/// morning, and a token left behind on a shared computer dies within half an hour.
impl Default for SessionPolicy {
    fn default() -> SessionPolicy {
        SessionPolicy {
            idle: Duration::from_secs(30 * 60),
            max: Duration::from_secs(8 * 60 * 60),
        }
    }
}

/// A new session: the token (shown once, never stored) and when it ends at the latest.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub idle_timeout_seconds: u64,
}

/// An Argon2id hash with the parameters of `ariza_core::staff::hash_password`, of no
/// password anyone has: verifying against it costs what a real verification does.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Hq2ZcHM1i5XoPQ5UH0mVl3bTnqsc0U6Q3cl0cf0qvo";

/// Longer names are no account (`add_user` stores what it is given, trimmed; nobody types
/// 200 characters), and are not sent to the database at all.
const MAX_USERNAME_CHARS: usize = 200;

/// A token as handed out: 32 bytes in unpadded base64url.
const TOKEN_BYTES: usize = 32;
const TOKEN_CHARS: usize = 43;

/// Lockout counts of names that are not locked are forgotten a day after their last try.
const FORGET_FAILURES_AFTER_SECS: f64 = 24.0 * 60.0 * 60.0;

/// How a name is compared: as `add_user` stores it.
pub fn normalize_username(username: &str) -> String {
    username.trim().to_lowercase()
}

/// What the lockout table keys a name by: a SHA-256 of the normalized name, never the name.
fn lockout_key(normalized: &str) -> String {
    super::sha256_hex(format!("ariza-portal-sign-in\0{normalized}").as_bytes())
}

/// The waits of `sign_in_delay` by failure count (1, 2, …, 6; the last from then on), in
/// seconds, for the one statement that counts an attempt and sets the lock.
fn lockout_delays() -> Vec<f64> {
    (1..=6)
        .map(|n| ariza_core::staff::sign_in_delay(n).num_seconds() as f64)
        .collect()
}

/// The digest a token is stored and looked up by.
pub fn token_digest(token: &str) -> String {
    super::sha256_hex(token.as_bytes())
}

fn new_token() -> String {
    use base64::Engine as _;
    use rand::RngCore;
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn verify(password: &str, hash: String) -> bool {
    let password = password.to_string();
    // Argon2 takes a noticeable time: off the async workers.
    tokio::task::spawn_blocking(move || ariza_core::staff::verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// Checks a name and password once and opens a session: `Unauthorized` for an unknown or
/// deactivated name and a wrong password alike (same time), `AccountLocked` while the name
/// is locked (its password not checked).
pub async fn sign_in(
    portal: &Portal,
    username: &str,
    password: &str,
) -> Result<NewSession, PortalError> {
    let username = normalize_username(username);
    let key = lockout_key(&username);
    // The connection goes back to the pool while Argon2 runs.
    let stored = {
        let client = portal.pool.get().await?;
        if db::sessions::claim_attempt(&client, &key, &lockout_delays())
            .await?
            .is_none()
        {
            let retry_after = db::sessions::locked_for_secs(&client, &key)
                .await?
                .unwrap_or(1);
            tracing::info!("sign-in refused: name locked");
            return Err(PortalError::AccountLocked {
                retry_after: retry_after.max(1) as u64,
            });
        }
        // PostgreSQL cannot compare text holding NUL, and no account has one or is that long.
        if username.contains('\0') || username.chars().count() > MAX_USERNAME_CHARS {
            None
        } else {
            db::sessions::active_password_hash(&client, &username).await?
        }
    };
    let known = stored.is_some();
    let verified = verify(password, stored.unwrap_or_else(|| DUMMY_HASH.to_string())).await;
    if !(known && verified) {
        // The attempt was counted before the check; it stays counted.
        tracing::info!("sign-in refused");
        return Err(PortalError::Unauthorized);
    }
    let token = new_token();
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    db::sessions::clear_failures(&tx, &key).await?;
    let expires_at = db::sessions::insert(
        &tx,
        &token_digest(&token),
        &username,
        portal.sessions.max.as_secs_f64(),
    )
    .await?;
    db::audit::append(&tx, &username, "user.sign_in", &username, "").await?;
    tx.commit().await?;
    // Housekeeping on the way out: expired sessions and stale counts go.
    db::sessions::forget_expired(&client, portal.sessions.idle.as_secs_f64()).await?;
    db::sessions::forget_old_failures(&client, FORGET_FAILURES_AFTER_SECS).await?;
    Ok(NewSession {
        token,
        expires_at,
        idle_timeout_seconds: portal.sessions.idle.as_secs(),
    })
}

/// The user of a live session, marking it used: `Unauthorized` for anything else (unknown,
/// expired, idle too long, signed out, user deactivated).
pub async fn authenticate(portal: &Portal, token: &str) -> Result<PortalUser, PortalError> {
    let well_formed = token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(PortalError::Unauthorized);
    }
    let user = db::sessions::touch(
        &portal.pool.get().await?,
        &token_digest(token),
        portal.sessions.idle.as_secs_f64(),
    )
    .await?
    .ok_or(PortalError::Unauthorized)?;
    Ok(PortalUser {
        username: user.username,
        role: user.role,
        agency: user.agency,
        region: user.region,
    })
}

/// Ends the session of `token` (already authenticated by the caller).
pub async fn sign_out(portal: &Portal, user: &PortalUser, token: &str) -> Result<(), PortalError> {
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    if db::sessions::delete(&tx, &token_digest(token)).await? {
        db::audit::append(&tx, &user.username, "user.sign_out", &user.username, "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Switches a user off (every session ends at once, and they cannot sign in) or back on.
/// Whether anything changed.
pub async fn set_user_active(
    portal: &Portal,
    username: &str,
    active: bool,
    actor: &str,
) -> Result<bool, PortalError> {
    let username = normalize_username(username);
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let changed = db::sessions::set_user_active(&tx, &username, active).await?;
    if changed {
        let ended = db::sessions::delete_for_user(&tx, &username).await?;
        let action = if active {
            "user.activate"
        } else {
            "user.deactivate"
        };
        db::audit::append(&tx, actor, action, &username, &ended.to_string()).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Ends every session of a user (a token may have leaked) without switching them off. How
/// many there were.
pub async fn sign_out_user(
    portal: &Portal,
    username: &str,
    actor: &str,
) -> Result<u64, PortalError> {
    let username = normalize_username(username);
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let ended = db::sessions::delete_for_user(&tx, &username).await?;
    db::audit::append(
        &tx,
        actor,
        "user.sign_out_all",
        &username,
        &ended.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHash;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let real = ariza_core::staff::hash_password("any password at all").unwrap();
        let (real, dummy) = (
            PasswordHash::new(&real).unwrap(),
            PasswordHash::new(DUMMY_HASH).unwrap(),
        );
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
    }

    #[test]
    fn a_token_is_32_random_bytes_and_only_its_digest_is_kept() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_CHARS);
        assert_eq!(token_digest(&a).len(), 64);
        assert!(!token_digest(&a).contains(&a));
    }

    #[test]
    fn the_lockout_keys_the_normalized_name_by_a_digest() {
        let key = lockout_key(&normalize_username("  Adliya1 "));
        assert_eq!(key, lockout_key("adliya1"));
        assert!(!key.contains("adliya1"));
        assert_eq!(lockout_delays(), [0.0, 0.0, 5.0, 10.0, 20.0, 900.0]);
    }
}
