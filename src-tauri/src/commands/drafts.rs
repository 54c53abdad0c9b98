//! Drafts: saved forms that are never delivered until filed.

use ariza_store::{Draft, DraftInput, QueueFilter};
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn save_draft(app: AppHandle, draft: DraftInput) -> Reply<Draft> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.save_draft(&actor, &draft, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn drafts(app: AppHandle, filter: QueueFilter) -> Reply<Vec<Draft>> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.drafts(&actor, &filter)?)
    })
    .await
}

#[tauri::command]
pub async fn get_draft(app: AppHandle, id: String) -> Reply<Draft> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.draft(&actor, &id)?)
    })
    .await
}

#[tauri::command]
pub async fn discard_draft(app: AppHandle, id: String) -> Reply<()> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.discard_draft(&actor, &id, &desk.clock)?)
    })
    .await
}
