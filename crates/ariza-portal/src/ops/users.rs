//! Portal users — operators and agency staff — and what their role lets them see. How they
//! sign in: `ops::sessions`.

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
    /// An operator limited to one region (its SOATO code); `None`: the nation.
    pub region: Option<String>,
}

impl PortalUser {
    pub fn is_operator(&self) -> bool {
        self.role == OPERATOR
    }

    /// Whether this user may see a region's figures and centers.
    pub fn sees_region(&self, region: &str) -> bool {
        self.is_operator() && self.region.as_deref().is_none_or(|r| r == region)
    }
}

/// Limits an operator to one region, or (with `None`) gives them the nation back.
pub async fn set_user_region(
    portal: &Portal,
    username: &str,
    region: Option<&str>,
    actor: &str,
) -> Result<(), PortalError> {
    if let Some(code) = region
        && !ariza_core::regions::all().iter().any(|r| r.soato == code)
    {
        return Err(PortalError::BadRequest(format!(
            "{code} is not a region's SOATO code"
        )));
    }
    let username = crate::ops::sessions::normalize_username(username);
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    if !db::users::set_region(&tx, &username, region).await? {
        return Err(PortalError::NotFound);
    }
    db::audit::append(&tx, actor, "user.region", &username, region.unwrap_or("UZ")).await?;
    tx.commit().await?;
    Ok(())
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

/// Whether a signed-in user's role is one of `roles`: `Forbidden` if not.
pub fn require_role(user: &PortalUser, roles: &[&str]) -> Result<(), PortalError> {
    if roles.contains(&user.role.as_str()) {
        Ok(())
    } else {
        Err(PortalError::Forbidden)
    }
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
