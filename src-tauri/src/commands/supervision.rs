//! A supervisor's actions on one application, and the clerk's answer to what was sent back.

use ariza_core::application::Application;
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn reassign(app: AppHandle, key: String, clerk: String) -> Reply<Application> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.reassign(&actor, &key, &clerk, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn send_back(app: AppHandle, key: String, note: String) -> Reply<Application> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.send_back(&actor, &key, &note, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn answer_sent_back(app: AppHandle, key: String, answer: String) -> Reply<Application> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk
            .store()?
            .answer_sent_back(&actor, &key, &answer, &desk.clock)?)
    })
    .await
}

/// The citizen has been told the decision.
#[tauri::command]
pub async fn hand_over(app: AppHandle, key: String) -> Reply<()> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.mark_handed_over(&actor, &key, &desk.clock)?)
    })
    .await
}

#[tauri::command]
pub async fn retry_delivery(app: AppHandle, key: String) -> Reply<()> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.retry_delivery(&actor, &key, &desk.clock)?)
    })
    .await
}
