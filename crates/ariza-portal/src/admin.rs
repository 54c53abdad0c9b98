//! What the portal's operators do from the command line.

use ariza_core::application::{Status, check_transition};
use ariza_core::tracking::TrackingNumber;
use chrono::{Duration, Utc};
use uuid::Uuid;

use ariza_core::error::DomainError;

use crate::{Portal, PortalError, random_hex, sha256_hex};

pub async fn add_center(
    portal: &Portal,
    code: &str,
    name: &str,
    region: &str,
    district: &str,
) -> anyhow::Result<()> {
    if !ariza_core::regions::district_in_region(region, district) {
        anyhow::bail!("district {district} is not in region {region}");
    }
    let code = code.trim().to_uppercase();
    let mut tx = portal.pool.begin().await?;
    sqlx::query("INSERT INTO center (code, name, region, district) VALUES ($1, $2, $3, $4)")
        .bind(&code)
        .bind(name.trim())
        .bind(region)
        .bind(district)
        .execute(&mut *tx)
        .await?;
    // A new center's feed starts with the catalog in force, so its first desk gets it at once.
    sqlx::query(
        "INSERT INTO change (center_code, kind, payload, actor)
         SELECT $1, 'catalog', body, 'portal' FROM catalog_version ORDER BY version DESC LIMIT 1",
    )
    .bind(&code)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(&mut tx, "operator", "center.add", &code, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes a catalog version to every center's feed. Versions only go up.
pub async fn publish_catalog(
    portal: &Portal,
    catalog: &ariza_core::catalog::Catalog,
) -> anyhow::Result<()> {
    let body = serde_json::to_value(catalog)?;
    let mut tx = portal.pool.begin().await?;
    let newest: Option<i32> = sqlx::query_scalar("SELECT max(version) FROM catalog_version")
        .fetch_one(&mut *tx)
        .await?;
    if let Some(v) = newest.filter(|v| *v as u32 >= catalog.version) {
        anyhow::bail!("catalog version {} is not newer than {v}", catalog.version);
    }
    sqlx::query("INSERT INTO catalog_version (version, body) VALUES ($1, $2)")
        .bind(catalog.version as i32)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO change (center_code, kind, payload, actor) SELECT code, 'catalog', $1, 'portal' FROM center")
        .bind(&body)
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        "operator",
        "catalog.publish",
        &catalog.version.to_string(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds or changes a staff account of a center and puts it on that center's feed.
pub async fn set_center_staff(
    portal: &Portal,
    center: &str,
    staff: &ariza_core::wire::StaffChange,
) -> anyhow::Result<()> {
    let center = center.trim().to_uppercase();
    let mut tx = portal.pool.begin().await?;
    sqlx::query(
        "INSERT INTO center_staff (center_code, username, full_name, role, active, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (center_code, username) DO UPDATE SET full_name = excluded.full_name, role = excluded.role,
             active = excluded.active, password_hash = excluded.password_hash",
    )
    .bind(&center)
    .bind(&staff.username)
    .bind(&staff.full_name)
    .bind(staff.role.as_str())
    .bind(staff.active)
    .bind(&staff.password_hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO change (center_code, kind, payload, actor) VALUES ($1, 'staff', $2, 'portal')",
    )
    .bind(&center)
    .bind(serde_json::to_value(staff)?)
    .execute(&mut *tx)
    .await?;
    crate::audit::record(&mut tx, "operator", "staff.set", &staff.username, &center).await?;
    tx.commit().await?;
    Ok(())
}

/// A one-time code for one new device of `center`, valid for `hours`. Only its hash is kept.
pub async fn new_enroll_code(portal: &Portal, center: &str, hours: i64) -> anyhow::Result<String> {
    // 16 hex characters, grouped for reading aloud over the phone.
    let raw = random_hex(8).to_uppercase();
    let code = format!(
        "{}-{}-{}-{}",
        &raw[0..4],
        &raw[4..8],
        &raw[8..12],
        &raw[12..16]
    );
    sqlx::query(
        "INSERT INTO enroll_code (code_sha256, center_code, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(sha256_hex(code.as_bytes()))
    .bind(center.trim().to_uppercase())
    .bind(Utc::now() + Duration::hours(hours))
    .execute(&portal.pool)
    .await?;
    Ok(code)
}

pub async fn add_user(
    portal: &Portal,
    username: &str,
    full_name: &str,
    role: &str,
    agency: Option<&str>,
    password: &str,
) -> anyhow::Result<()> {
    if role == "agency" && agency.is_none_or(|a| a.trim().is_empty()) {
        anyhow::bail!("an agency user needs --agency CODE (see the catalog's agency_code)");
    }
    let hash = ariza_core::staff::hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = portal.pool.begin().await?;
    sqlx::query("INSERT INTO portal_user (username, full_name, role, agency, password_hash) VALUES ($1, $2, $3, $4, $5)")
        .bind(username.trim().to_lowercase())
        .bind(full_name.trim())
        .bind(role)
        .bind(agency.map(str::trim))
        .bind(hash)
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        "operator",
        "user.add",
        &username.trim().to_lowercase(),
        role,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records an agency's decision on an application (by id or tracking number) and puts it on
/// the filing center's change feed.
pub async fn decide(
    portal: &Portal,
    key: &str,
    to: Status,
    reason: Option<&str>,
    actor: &str,
) -> anyhow::Result<Uuid> {
    Ok(decide_checked(portal, key, to, reason, actor, None).await?)
}

/// An enrolled device as operators see it.
#[derive(Debug, sqlx::FromRow)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub center_code: String,
    pub device_number: i32,
    pub name: String,
    pub revoked_at: Option<chrono::DateTime<Utc>>,
}

pub async fn list_devices(portal: &Portal) -> anyhow::Result<Vec<DeviceInfo>> {
    Ok(sqlx::query_as(
        "SELECT id, center_code, device_number, name, revoked_at FROM device ORDER BY center_code, device_number",
    )
    .fetch_all(&portal.pool)
    .await?)
}

/// Revokes a device: its next request is refused, whatever it signs.
pub async fn revoke_device(portal: &Portal, device: Uuid, actor: &str) -> anyhow::Result<bool> {
    let mut tx = portal.pool.begin().await?;
    let n =
        sqlx::query("UPDATE device SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(device)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if n > 0 {
        crate::audit::record(&mut tx, actor, "device.revoke", &device.to_string(), "").await?;
    }
    tx.commit().await?;
    Ok(n > 0)
}

/// Service codes decided by `agency`, from the newest published catalog (else the shipped one).
pub(crate) async fn agency_services(
    portal: &Portal,
    agency: &str,
) -> Result<Vec<String>, PortalError> {
    let body: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT body FROM catalog_version ORDER BY version DESC LIMIT 1")
            .fetch_optional(&portal.pool)
            .await?;
    let catalog =
        match body.and_then(|b| serde_json::from_value::<ariza_core::catalog::Catalog>(b).ok()) {
            Some(c) => c,
            None => ariza_core::catalog::default_catalog()
                .map_err(|e| PortalError::BadRequest(e.to_string()))?,
        };
    Ok(catalog
        .services
        .iter()
        .filter(|s| s.agency_code == agency)
        .map(|s| s.code.clone())
        .collect())
}

/// id, center, status, service, channel, received at.
type DecisionRow = (Uuid, String, String, String, String, chrono::DateTime<Utc>);

/// [`decide`] with the API's errors: not found, an illegal move, a missing reason.
pub(crate) async fn decide_checked(
    portal: &Portal,
    key: &str,
    to: Status,
    reason: Option<&str>,
    actor: &str,
    only_services: Option<&[String]>,
) -> Result<Uuid, PortalError> {
    let mut tx = portal.pool.begin().await?;
    let by_id = Uuid::parse_str(key.trim()).ok();
    let tracking = TrackingNumber::parse(key)
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let row: Option<DecisionRow> = sqlx::query_as(
        "SELECT id, center_code, status, service_code, channel, received_at FROM application
         WHERE id = $1 OR tracking_number = $2 FOR UPDATE",
    )
    .bind(by_id.unwrap_or_default())
    .bind(&tracking)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, center, status, service, channel, received_at)) = row else {
        return Err(PortalError::NotFound);
    };
    // Another agency's application is answered as not found: its existence is not theirs
    // to learn.
    if only_services.is_some_and(|s| !s.contains(&service)) {
        return Err(PortalError::NotFound);
    }
    let from = Status::parse(&status).ok_or(PortalError::NotFound)?;
    match check_transition(from, to, reason) {
        Ok(()) => {}
        Err(DomainError::IllegalTransition { .. }) => {
            return Err(PortalError::IllegalTransition(format!(
                "{} → {}",
                from.as_str(),
                to.as_str()
            )));
        }
        Err(_) => return Err(PortalError::BadRequest("a reason is required".into())),
    }
    sqlx::query("UPDATE application SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(to.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO change (center_code, kind, application_id, status, reason, actor) VALUES ($1, 'decision', $2, $3, $4, $5)")
        .bind(&center)
        .bind(id)
        .bind(to.as_str())
        .bind(reason)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    crate::reports::moved(
        &mut tx,
        received_at,
        &center,
        &channel,
        from.as_str(),
        to.as_str(),
    )
    .await?;
    crate::audit::record(
        &mut tx,
        actor,
        "application.decide",
        &id.to_string(),
        to.as_str(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(application = %id, status = to.as_str(), "decision recorded");
    Ok(id)
}
