//! The catalog, filing, the list of applications, one application, and cancelling it.

use ariza_core::application::{Application, ApplicationSummary, FileRequest};
use ariza_core::catalog::Catalog;
use ariza_store::{FilingOrigin, ListFilter, StoreError};
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn catalog(app: AppHandle) -> Reply<Catalog> {
    off_main(app, |desk| {
        desk.actor()?;
        Ok(desk.store()?.catalog()?.as_ref().clone())
    })
    .await
}

/// Files the clerk's form; from a draft (`draft`), or as the correction of an application the
/// portal set aside or an agency returned (`replaces`).
#[tauri::command]
pub async fn file_application(
    app: AppHandle,
    req: FileRequest,
    draft: Option<String>,
    replaces: Option<String>,
) -> Reply<Application> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let origin = match (&draft, &replaces) {
            (_, Some(old)) => FilingOrigin::Correction(old),
            (Some(d), None) => FilingOrigin::Draft(d),
            (None, None) => FilingOrigin::Fresh,
        };
        Ok(desk
            .store()?
            .file_application_from(&actor, &req, origin, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn list_applications(
    app: AppHandle,
    filter: ListFilter,
) -> Reply<Vec<ApplicationSummary>> {
    off_main(app, move |desk| {
        desk.actor()?;
        Ok(desk.store()?.list_applications(&filter)?)
    })
    .await
}

#[tauri::command]
pub async fn get_application(app: AppHandle, key: String) -> Reply<Application> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.open_application(&actor, &key, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn cancel_application(app: AppHandle, key: String, reason: String) -> Reply<Application> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk
            .store()?
            .cancel_application(&actor, &key, &reason, &desk.clock)?)
    })
    .await
}

/// Writes the application's receipt as a PDF (the citizen's language from filing, the
/// desk's paper unless `layout` says otherwise) into the exports folder's `receipts`, and
/// opens it in the system's viewer to print; returns the file's path.
#[tauri::command]
pub async fn print_receipt(
    app: AppHandle,
    key: String,
    layout: Option<ariza_core::receipt_layout::ReceiptLayout>,
) -> Reply<String> {
    let opener = app.clone();
    let path = off_main(app, move |desk| {
        let actor = desk.actor()?;
        let store = desk.store()?;
        store.open_application(&actor, &key, &desk.clock)?;
        let printed = ariza_receipt::desk::receipt(
            store,
            &key,
            layout,
            None,
            desk.locale(),
            &desk.localizer,
        )?;
        let dir = desk.exports_dir().join("receipts");
        std::fs::create_dir_all(&dir).map_err(StoreError::Io)?;
        let path = dir.join(format!(
            "{}-{}.pdf",
            printed.tracking_number,
            printed.layout.as_str()
        ));
        std::fs::write(&path, &printed.pdf).map_err(StoreError::Io)?;
        Ok(path.display().to_string())
    })
    .await?;
    // The viewer prints it; a machine without one still has the file, whose path is shown.
    if std::env::var_os("ARIZA_NO_VIEWER").is_none() {
        use tauri_plugin_opener::OpenerExt;
        if let Err(e) = opener.opener().open_path(&path, None::<&str>) {
            tracing::warn!(error = %e, "no viewer opened the receipt");
        }
    }
    Ok(path)
}
