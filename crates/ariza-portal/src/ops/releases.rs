//! Desk releases: publishing a signed package, and telling a desk whether a newer one is
//! there. The portal checks the signature against the release keys it is configured with
//! before storing anything; each desk checks it again, against its own keys, before
//! installing. The portal never holds the secret key.

use std::path::Path;

use ariza_core::wire::{DeskUpdate, DeskUpdatePlatform};
use ariza_release::{PackageFacts, ReleaseError, TrustedKeys};
use sha2::{Digest, Sha256};

use crate::db::releases::ReleaseRow;
use crate::{Portal, PortalError, db};

/// Why a package was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishRefusal {
    #[error(transparent)]
    Release(#[from] ReleaseError),
    #[error("version {version} for {architecture} is already published")]
    AlreadyPublished {
        version: String,
        architecture: String,
    },
    #[error("version {version} is not newer than the published {newest}")]
    NotNewer { version: String, newest: String },
}

/// Publishes `package` (a `.deb`) with its minisign `signature`: signed by one of `keys` for
/// its own version, Ariza Desk, and newer than every release published for its architecture.
/// Every desk of that architecture is offered it from then on.
pub async fn publish_release(
    portal: &Portal,
    package: &Path,
    signature: &str,
    notes: &str,
    keys: &TrustedKeys,
) -> Result<Result<PackageFacts, PublishRefusal>, PortalError> {
    let bytes = std::fs::read(package)
        .map_err(|e| PortalError::BadRequest(format!("cannot read the package: {e}")))?;
    let facts = match ariza_release::check_signed_package(package, &bytes, signature, keys) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e.into())),
    };
    let version = facts.version.to_string();
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let published = db::releases::for_architecture(&tx, &facts.architecture).await?;
    if let Some(newest) = newest(&published).filter(|(v, _)| *v >= facts.version) {
        let refusal = if newest.0 == facts.version {
            PublishRefusal::AlreadyPublished {
                version,
                architecture: facts.architecture,
            }
        } else {
            PublishRefusal::NotNewer {
                version,
                newest: newest.0.to_string(),
            }
        };
        return Ok(Err(refusal));
    }
    let file_name = format!(
        "{}_{}_{}.deb",
        facts.package, facts.version, facts.architecture
    );
    let row = ReleaseRow {
        version: version.clone(),
        architecture: facts.architecture.clone(),
        file_name,
        signature: signature.trim().to_string(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        notes: notes.to_string(),
        // Not stored: the database stamps the row with its own clock.
        published_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    };
    if !db::releases::insert(&tx, &row, &bytes).await? {
        return Ok(Err(PublishRefusal::AlreadyPublished {
            version,
            architecture: facts.architecture,
        }));
    }
    db::audit::append(
        &tx,
        "operator",
        "release.publish",
        &format!("{}/{}", row.version, row.architecture),
        &row.sha256,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(version = %row.version, architecture = %row.architecture, "desk release published");
    Ok(Ok(facts))
}

fn newest(rows: &[ReleaseRow]) -> Option<(semver::Version, &ReleaseRow)> {
    rows.iter()
        .filter_map(|r| Some((semver::Version::parse(&r.version).ok()?, r)))
        .max_by(|a, b| a.0.cmp(&b.0))
}

/// What a desk running `current` on `rust_arch` (Tauri's `{{arch}}`: `x86_64`) is offered:
/// the newest release if it is newer, in Tauri's updater manifest shape, the package's
/// address absolute for a request that named `host`.
pub async fn update_for(
    portal: &Portal,
    host: Option<&str>,
    target: &str,
    rust_arch: &str,
    current: &str,
) -> Result<Option<DeskUpdate>, PortalError> {
    let current = semver::Version::parse(current.trim_start_matches('v'))
        .map_err(|_| PortalError::BadRequest("current_version is not a version".into()))?;
    if target != "linux" {
        return Ok(None);
    }
    let architecture = ariza_release::debian_architecture(rust_arch);
    let client = portal.pool.get().await?;
    let rows = db::releases::for_architecture(&client, architecture).await?;
    let Some((version, row)) = newest(&rows).filter(|(v, _)| *v > current) else {
        return Ok(None);
    };
    let platform = DeskUpdatePlatform {
        signature: ariza_release::wrap_signature(&row.signature),
        url: portal
            .public_address
            .link(host, &package_path(&version.to_string(), architecture)),
    };
    Ok(Some(DeskUpdate {
        version: version.to_string(),
        notes: (!row.notes.is_empty()).then(|| row.notes.clone()),
        pub_date: Some(row.published_at.to_rfc3339()),
        // Tauri's name for a .deb, and the plain `linux-{arch}` its updater looks for in a
        // desk whose binary Tauri's bundler did not stamp with its bundle type (scripts/deb.sh
        // builds the package): one package under both.
        platforms: [
            (ariza_release::platform_key(architecture), platform.clone()),
            (
                format!("linux-{}", ariza_release::rust_architecture(architecture)),
                platform,
            ),
        ]
        .into(),
    }))
}

/// Where a release's package is served, relative to the portal's address.
pub fn package_path(version: &str, architecture: &str) -> String {
    format!("/api/v1/desk/releases/{version}/{architecture}/package")
}

/// A release's package: its file name and bytes.
pub async fn release_package(
    portal: &Portal,
    version: &str,
    architecture: &str,
) -> Result<(String, Vec<u8>), PortalError> {
    let client = portal.pool.get().await?;
    db::releases::package(&client, version, architecture)
        .await?
        .ok_or(PortalError::NotFound)
}
