//! The one catalog in force: the newest published version, or the shipped one while none is
//! published. Everything that needs the catalog — accepting an application, its deadline, an
//! agency's scope — reads it through [`in_force`].

use std::sync::{Arc, Mutex};

use ariza_core::catalog::{Catalog, default_catalog};
use ariza_core::catalog_diff::{CatalogDiff, CatalogProblem, check, diff};

use crate::ops::users::PortalUser;
use crate::{Portal, PortalError, db};

/// The catalog last read, with the stored version it came from (`None`: the shipped one).
#[derive(Default)]
pub struct CatalogCache {
    current: Mutex<Option<(Option<i32>, Arc<Catalog>)>>,
}

impl CatalogCache {
    fn get(&self, version: Option<i32>) -> Option<Arc<Catalog>> {
        let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match &*current {
            Some((v, c)) if *v == version => Some(c.clone()),
            _ => None,
        }
    }

    fn set(&self, version: Option<i32>, catalog: Arc<Catalog>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((version, catalog));
    }
}

/// The catalog in force. Versions are published by another process (`ariza-portal catalog
/// publish`), so each call asks the database for the newest version number — one indexed
/// read — and parses a body only when that number changed.
pub async fn in_force(portal: &Portal) -> Result<Arc<Catalog>, PortalError> {
    let client = portal.pool.get().await?;
    let newest = db::catalog::newest_version(&client).await?;
    if let Some(catalog) = portal.catalog.get(newest) {
        return Ok(catalog);
    }
    let (version, catalog) = match db::catalog::newest(&client).await? {
        Some((version, body)) => {
            let catalog: Catalog =
                serde_json::from_value(body).map_err(|e| PortalError::CorruptCatalog {
                    version,
                    reason: e.to_string(),
                })?;
            (Some(version), catalog)
        }
        None => (
            None,
            default_catalog().map_err(|e| PortalError::ShippedCatalog(e.to_string()))?,
        ),
    };
    let catalog = Arc::new(catalog);
    portal.catalog.set(version, catalog.clone());
    Ok(catalog)
}

/// Publishes a catalog version to every center's feed. Versions only go up.
pub async fn publish_catalog(portal: &Portal, catalog: &Catalog) -> Result<(), PortalError> {
    publish(portal, catalog, "operator").await
}

/// Why an uploaded catalog cannot be published.
#[derive(Debug, thiserror::Error)]
pub enum CatalogRefusal {
    #[error("not a catalog: {0}")]
    Unreadable(String),
    #[error(transparent)]
    Problem(#[from] CatalogProblem),
    #[error("version {version} is not newer than {newest}")]
    NotNewer { version: u32, newest: u32 },
}

/// An uploaded catalog read and checked, with what it changes against the one in force.
pub struct CatalogPreview {
    pub catalog: Catalog,
    pub in_force_version: u32,
    pub diff: CatalogDiff,
}

/// Reads an uploaded catalog (JSON) and compares it with the one in force, publishing
/// nothing: what the operator confirms. Only a national operator publishes catalogs.
pub async fn preview_catalog(
    portal: &Portal,
    user: &PortalUser,
    json: &str,
) -> Result<Result<CatalogPreview, CatalogRefusal>, PortalError> {
    national_operator(user)?;
    let mut catalog: Catalog = match serde_json::from_str(json) {
        Ok(c) => c,
        Err(e) => return Ok(Err(CatalogRefusal::Unreadable(e.to_string()))),
    };
    catalog.fill_cyrillic();
    if let Err(problem) = check(&catalog) {
        return Ok(Err(problem.into()));
    }
    let current = in_force(portal).await?;
    if catalog.version <= current.version {
        return Ok(Err(CatalogRefusal::NotNewer {
            version: catalog.version,
            newest: current.version,
        }));
    }
    Ok(Ok(CatalogPreview {
        diff: diff(&current, &catalog),
        in_force_version: current.version,
        catalog,
    }))
}

/// Publishes a previewed catalog for a national operator, audited under their name.
pub async fn publish_catalog_as(
    portal: &Portal,
    user: &PortalUser,
    catalog: &Catalog,
) -> Result<(), PortalError> {
    national_operator(user)?;
    check(catalog).map_err(|p| PortalError::BadRequest(p.to_string()))?;
    publish(portal, catalog, &user.username).await
}

/// The catalog is the nation's: a regional operator neither sees uploads nor publishes.
pub(crate) fn national_operator(user: &PortalUser) -> Result<(), PortalError> {
    if user.is_operator() && user.region.is_none() {
        Ok(())
    } else {
        Err(PortalError::Forbidden)
    }
}

async fn publish(portal: &Portal, catalog: &Catalog, actor: &str) -> Result<(), PortalError> {
    let body = serde_json::to_value(catalog)
        .map_err(|e| PortalError::BadRequest(format!("catalog: {e}")))?;
    let version = i32::try_from(catalog.version)
        .map_err(|_| PortalError::BadRequest("catalog version is too large".into()))?;
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    if let Some(newest) = db::catalog::newest_version(&tx)
        .await?
        .filter(|v| *v >= version)
    {
        return Err(PortalError::CatalogNotNewer {
            version: catalog.version,
            newest,
        });
    }
    db::catalog::insert(&tx, version, &body).await?;
    db::changes::catalog_to_all(&tx, &body).await?;
    db::audit::append(
        &tx,
        actor,
        "catalog.publish",
        &catalog.version.to_string(),
        "",
    )
    .await?;
    tx.commit().await?;
    portal.catalog.set(Some(version), Arc::new(catalog.clone()));
    tracing::info!(version = catalog.version, "catalog published");
    Ok(())
}

/// Service codes decided by `agency` in the catalog in force.
pub async fn agency_services(portal: &Portal, agency: &str) -> Result<Vec<String>, PortalError> {
    Ok(in_force(portal)
        .await?
        .services
        .iter()
        .filter(|s| s.agency_code == agency)
        .map(|s| s.code.clone())
        .collect())
}
