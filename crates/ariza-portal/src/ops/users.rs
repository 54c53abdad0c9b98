//! Portal users — operators and agency staff — and how they sign in (HTTP Basic).

use crate::{Portal, PortalError, db};

/// The roles a portal user can have.
pub const OPERATOR: &str = "operator";
pub const AGENCY: &str = "agency";

/// A signed-in portal user.
#[derive(Debug, Clone)]
pub struct PortalUser {
    pub username: String,
    pub role: String,
    pub agency: Option<String>,
}

impl PortalUser {
    pub fn is_operator(&self) -> bool {
        self.role == OPERATOR
    }
}

pub async fn add_user(
    portal: &Portal,
    username: &str,
    full_name: &str,
    role: &str,
    agency: Option<&str>,
    password: &str,
) -> Result<(), PortalError> {
    if role != OPERATOR && role != AGENCY {
        return Err(PortalError::BadRequest("role is operator or agency".into()));
    }
    if role == AGENCY && agency.is_none_or(|a| a.trim().is_empty()) {
        return Err(PortalError::BadRequest(
            "an agency user needs --agency CODE (see the catalog's agency_code)".into(),
        ));
    }
    let username = username.trim().to_lowercase();
    let password = password.to_string();
    // Argon2 takes a noticeable time: off the async workers.
    let hash = tokio::task::spawn_blocking(move || ariza_core::staff::hash_password(&password))
        .await
        .map_err(|e| PortalError::PasswordHash(e.to_string()))?
        .map_err(|e| PortalError::PasswordHash(e.to_string()))?;
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    db::users::insert(
        &tx,
        &username,
        full_name.trim(),
        role,
        agency.map(str::trim),
        &hash,
    )
    .await?;
    db::audit::append(&tx, "operator", "user.add", &username, role).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a user's password and that their role is one of `roles`: `Unauthorized` for
/// unknown users and wrong passwords alike, `Forbidden` for a role that may not.
pub async fn sign_in(
    portal: &Portal,
    username: &str,
    password: &str,
    roles: &[&str],
) -> Result<PortalUser, PortalError> {
    let username = username.trim().to_lowercase();
    let Some(row) = db::users::find(&portal.pool.get().await?, &username).await? else {
        return Err(PortalError::Unauthorized);
    };
    let (password, hash) = (password.to_string(), row.password_hash);
    // Argon2 takes a noticeable time: off the async workers.
    let ok =
        tokio::task::spawn_blocking(move || ariza_core::staff::verify_password(&password, &hash))
            .await
            .unwrap_or(false);
    if !ok {
        return Err(PortalError::Unauthorized);
    }
    if !roles.contains(&row.role.as_str()) {
        return Err(PortalError::Forbidden);
    }
    Ok(PortalUser {
        username,
        role: row.role,
        agency: row.agency,
    })
}

/// The services a user may see and decide: their agency's, or `None` (all) for operators.
pub async fn scope(portal: &Portal, user: &PortalUser) -> Result<Option<Vec<String>>, PortalError> {
    if user.is_operator() {
        return Ok(None);
    }
    let agency = user.agency.as_deref().unwrap_or_default();
    Ok(Some(
        crate::ops::catalog::agency_services(portal, agency).await?,
    ))
}
