//! The center's staff.

use ariza_core::staff::{NewStaff, StaffMember};
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

#[tauri::command]
pub async fn list_staff(app: AppHandle) -> Reply<Vec<StaffMember>> {
    off_main(app, |desk| {
        desk.actor()?;
        Ok(desk.store()?.list_staff()?)
    })
    .await
}

/// Hashes the new person's password and wraps a key slot for them: off the window's thread.
#[tauri::command]
pub async fn add_staff(app: AppHandle, staff: NewStaff) -> Reply<StaffMember> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.add_staff(&actor, &staff, &desk.clock)?)
    })
    .await
}
