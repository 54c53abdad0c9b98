//! Settings → Updates: the portal's newest desk release, downloaded in the background and
//! installed when an administrator agrees; or the same signed package from a USB stick. Both
//! go through `ariza_release::check_and_install`: a trusted release key's signature over the
//! exact bytes, for the version the package says it is, newer than this desk, for this
//! machine; anything else is refused with nothing installed.

use std::path::PathBuf;

use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::staff::Action;
use serde::Serialize;
use tauri::AppHandle;
use ts_rs::TS;

use super::off_main;
use crate::desk::Desk;
use crate::error::{DeskError, Reply};

/// What the update section shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UpdateStatus {
    /// This desk's version.
    pub installed: String,
    /// A newer release downloaded from the portal, waiting for an administrator.
    pub ready: Option<ReadyUpdate>,
    /// The version installed since this desk started: it runs after a restart.
    pub installed_now: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReadyUpdate {
    pub version: String,
    pub notes: Option<String>,
}

/// The version this desk is.
pub fn this_version() -> semver::Version {
    semver::Version::parse(env!("CARGO_PKG_VERSION")).unwrap_or(semver::Version::new(0, 0, 0))
}

#[tauri::command]
pub async fn update_status(app: AppHandle) -> Reply<UpdateStatus> {
    off_main(app, |desk| {
        desk.actor()?;
        Ok(desk.update_status())
    })
    .await
}

/// Asks the portal now (the desk also asks on its own every few hours).
#[tauri::command]
pub async fn check_for_update(app: AppHandle) -> Reply<UpdateStatus> {
    off_main(app, |desk| {
        desk.actor()?.role.require(Action::ManageCenter)?;
        desk.check_for_update()?;
        Ok(desk.update_status())
    })
    .await
}

/// Installs the release downloaded from the portal.
#[tauri::command]
pub async fn install_update(app: AppHandle) -> Reply<UpdateStatus> {
    off_main(app, |desk| {
        let actor = desk.actor()?;
        actor.role.require(Action::ManageCenter)?;
        let Some(ready) = desk.ready_update() else {
            return Err(DeskError::Fault(ariza_core::error::Fault {
                code: ariza_core::error::Code::NotFound,
                message: desk.localizer.tr(desk.locale(), "ui-update-none", &[]),
                fields: Vec::new(),
            }));
        };
        let facts =
            ariza_release::check_and_install(&ready.package, &ready.signature, &this_version())?;
        desk.store()?.audit_event(
            desk.clock.now(),
            &actor.username,
            AuditAction::DeskUpdate,
            &facts.version.to_string(),
            "portal",
        )?;
        desk.update_installed(&facts.version.to_string());
        Ok(desk.update_status())
    })
    .await
}

/// Installs a package from a file (a USB stick), its signature beside it.
#[tauri::command]
pub async fn install_update_from_file(app: AppHandle, path: String) -> Reply<UpdateStatus> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        actor.role.require(Action::ManageCenter)?;
        let package = PathBuf::from(path.trim());
        let signature = ariza_release::signature_beside(&package)?;
        install_checked(desk, &actor, &package, &signature, "file")
    })
    .await
}

/// Checks and installs `package`, audits it as from `source` (`portal` or `file`), and
/// remembers that a restart will run it.
fn install_checked(
    desk: &Desk,
    actor: &ariza_core::staff::Actor,
    package: &std::path::Path,
    signature: &str,
    source: &str,
) -> Result<UpdateStatus, DeskError> {
    let facts = ariza_release::check_and_install(package, signature, &this_version())?;
    let version = facts.version.to_string();
    desk.store()?.audit_event(
        desk.clock.now(),
        &actor.username,
        AuditAction::DeskUpdate,
        &version,
        source,
    )?;
    desk.update_installed(&version);
    Ok(desk.update_status())
}

/// Restarts the desk so the installed version runs.
#[tauri::command]
pub async fn restart_desk(app: AppHandle) -> Reply<()> {
    let check = app.clone();
    off_main(check, |desk| {
        desk.actor()?.role.require(Action::ManageCenter)?;
        Ok(())
    })
    .await?;
    tracing::info!("restarting for the installed update");
    app.restart()
}

impl Desk {
    /// Downloads the portal's newer release, if there is one, for an administrator to install.
    pub fn check_for_update(&self) -> Result<(), DeskError> {
        let dir = self
            .db_path()
            .parent()
            .map_or_else(|| PathBuf::from("updates"), |p| p.join("updates"));
        let fetched = self
            .engine
            .fetch_update(self.store()?, &this_version().to_string(), &dir)?;
        self.set_ready_update(fetched);
        Ok(())
    }
}
