//! Settings → Updates: the portal's newest desk release, found and downloaded in the
//! background by Tauri's updater (its minisign check included) and installed when an
//! administrator agrees; or the same signed package from a USB stick. Both installs go through
//! `ariza_release::check_and_install`: a trusted release key's signature over the exact
//! bytes, for the version the package says it is, newer than this desk, for this machine;
//! anything else is refused with nothing installed.

use std::path::PathBuf;

use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::error::{Code, Describe};
use ariza_core::i18n::MessageArgs;
use ariza_core::staff::Action;
use serde::Serialize;
use tauri::AppHandle;
use tauri_plugin_updater::UpdaterExt;
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
    let handle = app.clone();
    off_main(app, move |desk| {
        desk.actor()?.role.require(Action::ManageCenter)?;
        desk.check_for_update(&handle)?;
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
        install_checked(desk, &actor, &ready.package, &ready.signature, "portal")
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

/// A release the portal offered, downloaded by Tauri's updater (which checked its signature)
/// and waiting for an administrator; `install_update` checks it again in full before dpkg.
#[derive(Debug, Clone)]
pub struct DownloadedUpdate {
    pub version: String,
    pub notes: Option<String>,
    pub package: PathBuf,
    /// As the manifest carries it (base64-wrapped minisign).
    pub signature: String,
}

impl Desk {
    /// Downloads the portal's newer release, if there is one, for an administrator to install.
    /// Blocks its thread (a command's worker, or the background check's own).
    pub fn check_for_update(&self, app: &AppHandle) -> Result<(), DeskError> {
        let link = self.engine.update_link(self.store()?)?;
        let dir = self
            .db_path()
            .parent()
            .map_or_else(|| PathBuf::from("updates"), |p| p.join("updates"));
        let downloaded = tauri::async_runtime::block_on(download_release(app, link, &dir))?;
        self.set_ready_update(downloaded);
        Ok(())
    }
}

/// Tauri's updater pointed at the enrolled portal: its manifest (`{{target}}/{{arch}}/
/// {{current_version}}`, 204 when there is nothing newer), then the package, verified against
/// the trusted release key its signature names and the version it was signed for, over the
/// TLS every sync uses (pinned to the portal's keys). A release build takes `https://` only.
async fn download_release(
    app: &AppHandle,
    link: ariza_sync::UpdateLink,
    dir: &std::path::Path,
) -> Result<Option<DownloadedUpdate>, DeskError> {
    let keys = ariza_release::desk_trusted_keys()?;
    let endpoint: url::Url = format!(
        "{}/api/v1/desk/update/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}",
        link.portal
    )
    .parse()
    .map_err(|_| ariza_sync::SyncError::BadUrl)?;
    let updater = |pubkey: Option<String>| {
        let tls = link.tls.clone();
        // The engine's rules for the plugin's client too: its pinned TLS, no redirect (a 3xx
        // could lead off the portal, or to plain HTTP), and timeouts that also bound the
        // package's download (the plugin sets none for it).
        let mut builder = app
            .updater_builder()
            .endpoints(vec![endpoint.clone()])?
            .version_comparator(|_, release| release.version > this_version())
            .configure_client(move |client| {
                client
                    .use_preconfigured_tls(tls.clone())
                    .redirect(reqwest_updater::redirect::Policy::none())
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .timeout(std::time::Duration::from_secs(300))
            });
        if let Some(key) = pubkey {
            builder = builder.pubkey(key);
        }
        builder.build()
    };
    // The manifest is read without a key; its signature then names which of the (at most two)
    // trusted keys the package must verify with.
    let Some(offered) = updater(None)
        .map_err(|e| updater_failure(&link.watch, e))?
        .check()
        .await
        .map_err(|e| updater_failure(&link.watch, e))?
    else {
        return Ok(None);
    };
    // The package comes from the portal itself, as every sync does: the same scheme, host and
    // port (so over the pinned TLS), never plain HTTP elsewhere.
    if offered.download_url.origin() != endpoint.origin() {
        tracing::warn!("the manifest names a package off the portal: refused");
        return Err(ariza_sync::SyncError::InsecureUrl.into());
    }
    let key = keys.updater_key_for(&offered.signature)?;
    let Some(update) = updater(Some(key))
        .map_err(|e| updater_failure(&link.watch, e))?
        .restore_update(offered.raw_json.clone())
        .map_err(|e| updater_failure(&link.watch, e))?
    else {
        return Ok(None);
    };
    let bytes = update
        .download(|_, _| {}, || {})
        .await
        .map_err(|e| updater_failure(&link.watch, e))?;
    // The version names a file: only what a version can hold.
    let safe_version: String = update
        .version
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        .collect();
    let package = dir.join(format!("ariza-desk_{safe_version}.deb"));
    std::fs::create_dir_all(dir).map_err(ariza_release::ReleaseError::Io)?;
    write_whole(&package, &bytes).map_err(ariza_release::ReleaseError::Io)?;
    tracing::info!(version = %update.version, bytes = bytes.len(), "desk release downloaded");
    Ok(Some(DownloadedUpdate {
        version: update.version.clone(),
        notes: update.body.clone(),
        package,
        signature: update.signature.clone(),
    }))
}

/// Writes `bytes` to `path` under a name of its own first, then renames it into place: a
/// background check and an administrator's check that download at once each put a whole
/// package there, and nobody ever reads half of one.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut part = path.as_os_str().to_owned();
    part.push(format!(".{}-{n}.part", std::process::id()));
    let part = PathBuf::from(part);
    let written = std::fs::write(&part, bytes).and_then(|()| std::fs::rename(&part, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    written
}

/// A failure of the updater's client as the desk says it: a certificate the portal's pins
/// refused is named as such (as every sync names it), not as a portal out of reach.
fn updater_failure(
    watch: &ariza_sync::transport::TlsWatch,
    e: tauri_plugin_updater::Error,
) -> DeskError {
    use tauri_plugin_updater::Error as E;
    match (&e, watch.refusal()) {
        (E::Reqwest(_) | E::Network(_), Some(refusal)) => refusal.into(),
        _ => UpdaterFailure(e).into(),
    }
}

/// What Tauri's updater refused or could not do, as the desk says it.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
struct UpdaterFailure(tauri_plugin_updater::Error);

impl Describe for UpdaterFailure {
    fn code(&self) -> Code {
        use tauri_plugin_updater::Error as E;
        match &self.0 {
            E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound | E::Io(_) => Code::Unavailable,
            _ => Code::UpdateRefused,
        }
    }

    fn message(&self) -> (&'static str, MessageArgs) {
        use tauri_plugin_updater::Error as E;
        match &self.0 {
            E::Minisign(_) | E::Base64(_) | E::SignatureUtf8(_) | E::MissingSignedVersion => {
                ("err-update-bad-signature", vec![])
            }
            E::SignedVersionMismatch { signed, announced } => (
                "err-update-version-mismatch",
                vec![("signed", signed.clone()), ("package", announced.clone())],
            ),
            E::TargetNotFound(_) | E::TargetsNotFound(_) => ("err-update-no-package", vec![]),
            E::InsecureTransportProtocol => ("err-portal-url-insecure", vec![]),
            _ => ("err-update-unreachable", vec![]),
        }
    }
}

impl From<UpdaterFailure> for DeskError {
    fn from(e: UpdaterFailure) -> Self {
        DeskError::Described(Box::new(e))
    }
}
