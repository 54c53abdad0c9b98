//! The supervisor's queues: their counts and their contents.

use ariza_store::{QueueCounts, QueueFilter, QueueItem, QueueKind};
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn queue_counts(app: AppHandle, filter: QueueFilter) -> Reply<QueueCounts> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.queue_counts(&actor, &filter, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn queue(app: AppHandle, kind: QueueKind, filter: QueueFilter) -> Reply<Vec<QueueItem>> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.queue(&actor, kind, &filter, &desk.clock)?)
    })
    .await
}
