//! The desk's settings (language, theme, idle lock...).

use ariza_core::clock::Clock;
use ariza_store::DeskSettings;
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn save_settings(app: AppHandle, settings: DeskSettings) -> Reply<DeskSettings> {
    off_main(app, move |desk| {
        // Allowed before sign-in (the language on the sign-in screen), recorded as the desk's.
        let by = desk
            .session_actor()
            .map_or_else(|| "desk".to_string(), |a| a.username);
        desk.store()?
            .save_settings(&settings, &by, desk.clock.now())?;
        crate::logs::keep_retention(desk.db_path(), settings.log_retention_days);
        Ok(settings)
    })
    .await
}
