//! Public service centers and their staff accounts.

use ariza_core::wire::{StaffChange, WireCenter};

use crate::{Portal, PortalError, db};

/// Adds a center. Its feed starts with the catalog in force, so its first desk gets it at once.
pub async fn add_center(
    portal: &Portal,
    code: &str,
    name: &str,
    region: &str,
    district: &str,
) -> Result<(), PortalError> {
    if !ariza_core::regions::district_in_region(region, district) {
        return Err(PortalError::BadRequest(format!(
            "district {district} is not in region {region}"
        )));
    }
    let center = WireCenter {
        code: code.trim().to_uppercase(),
        name: name.trim().to_string(),
        region: region.to_string(),
        district: district.to_string(),
    };
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    db::centers::insert(&tx, &center).await?;
    db::changes::newest_catalog_to(&tx, &center.code).await?;
    db::audit::append(&tx, "operator", "center.add", &center.code, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a center unless its code exists, without a feed entry: for loading historical data
/// whose centers have no desks. Whether it was added.
pub async fn ensure_center(portal: &Portal, center: &WireCenter) -> Result<bool, PortalError> {
    Ok(db::centers::insert_if_absent(&portal.pool.get().await?, center).await?)
}

/// Adds or changes a staff account of a center and puts it on that center's feed.
pub async fn set_center_staff(
    portal: &Portal,
    center: &str,
    staff: &StaffChange,
) -> Result<(), PortalError> {
    let center = center.trim().to_uppercase();
    let payload =
        serde_json::to_value(staff).map_err(|e| PortalError::BadRequest(format!("staff: {e}")))?;
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    db::centers::upsert_staff(&tx, &center, staff).await?;
    db::changes::staff(&tx, &center, &payload).await?;
    db::audit::append(&tx, "operator", "staff.set", &staff.username, &center).await?;
    tx.commit().await?;
    Ok(())
}
