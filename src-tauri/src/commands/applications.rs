//! The catalog, filing, the list of applications, one application, and cancelling it.

use ariza_core::application::{Application, ApplicationSummary, FileRequest};
use ariza_core::catalog::Catalog;
use ariza_store::{FilingOrigin, ListFilter};
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
