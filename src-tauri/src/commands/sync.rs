//! The link to the portal: its status, "Sync now" and enrollment.

use ariza_store::SyncStatus;
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn sync_status(app: AppHandle) -> Reply<SyncStatus> {
    off_main(app, |desk| Ok(desk.store()?.sync_status()?)).await
}

/// Runs a sync now. A failed delivery is not an error for the clerk: it is in the status
/// returned (`last_error`), and everything stays queued.
#[tauri::command]
pub async fn sync_now(app: AppHandle) -> Reply<SyncStatus> {
    off_main(app, |desk| {
        desk.actor()?;
        let _ = desk.sync_once();
        Ok(desk.store()?.sync_status()?)
    })
    .await
}

/// The store refuses anyone who may not manage the center, before the portal is asked.
#[tauri::command]
pub async fn enroll_desk(
    app: AppHandle,
    portal: String,
    code: String,
    pin: Option<String>,
) -> Reply<SyncStatus> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let store = desk.store()?;
        let name = format!("{} desk", store.require_center()?.code);
        desk.engine
            .enroll(store, &actor, &portal, &code, &name, pin.as_deref())?;
        let _ = desk.sync_once();
        Ok(store.sync_status()?)
    })
    .await
}
