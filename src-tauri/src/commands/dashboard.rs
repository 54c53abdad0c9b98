//! The center's figures for a day, week or month, and their exports.

use ariza_export::ExportFormat;
use ariza_store::dashboard::{Dashboard, Period};
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn dashboard(app: AppHandle, period: Period, day: Option<String>) -> Reply<Dashboard> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let day = desk.parse_day(day.as_deref())?;
        Ok(desk.store()?.dashboard(&actor, period, day, &desk.clock)?)
    })
    .await
}

/// Writes the dashboard as CSV, XLSX or a printable HTML report into the exports folder and
/// returns the file's path.
#[tauri::command]
pub async fn export_dashboard(
    app: AppHandle,
    period: Period,
    day: Option<String>,
    format: ExportFormat,
) -> Reply<String> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let day = desk.parse_day(day.as_deref())?;
        let path = ariza_export::export_dashboard(
            desk.store()?,
            &actor,
            period,
            day,
            format,
            &desk.exports_dir(),
            &desk.localizer,
            &desk.clock,
        )?;
        Ok(path.display().to_string())
    })
    .await
}
