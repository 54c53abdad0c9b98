//! Signing in and out, the idle lock, first set-up and what the UI needs to pick its screen.

use ariza_core::clock::Clock;
use ariza_core::staff::Actor;
use ariza_store::{Center, DeskSettings, SetupRequest};
use serde::Serialize;
use tauri::AppHandle;
use ts_rs::TS;

use super::off_main;
use crate::error::Reply;

/// Everything the UI needs to choose its first screen.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DeskStatus {
    /// The database waits for a staff member's password (this device's key is missing).
    pub locked: bool,
    /// Locked because an administrator requires the OS keyring for the device key and it
    /// does not hold it: the sign-in screen says so (a password still opens the desk).
    pub keyring_required: bool,
    /// Someone is signed in but idle too long: their password resumes the session.
    pub session_locked: bool,
    pub center: Option<Center>,
    pub actor: Option<Actor>,
    pub settings: DeskSettings,
    /// Today in Tashkent, YYYY-MM-DD.
    pub today: String,
    #[ts(type = "number")]
    pub backlog: i64,
    pub database: String,
}

#[tauri::command]
pub async fn desk_status(app: AppHandle) -> Reply<DeskStatus> {
    // The first call is the window's first screen asking what to show: the start-up
    // benchmark (scripts/p7.sh) times the launch up to this line.
    static FIRST: std::sync::Once = std::sync::Once::new();
    FIRST.call_once(|| tracing::info!("first screen asked for the desk's state"));
    off_main(app, |desk| {
        let today = desk.clock.today().format("%Y-%m-%d").to_string();
        let Some(store) = desk.open_store() else {
            return Ok(DeskStatus {
                locked: true,
                keyring_required: desk.keyring_required(),
                session_locked: false,
                center: None,
                actor: None,
                settings: DeskSettings::default(),
                today,
                backlog: 0,
                database: desk.db_path().display().to_string(),
            });
        };
        Ok(DeskStatus {
            locked: false,
            keyring_required: false,
            session_locked: desk.is_idle(),
            center: store.center()?,
            actor: desk.session_actor(),
            settings: store.settings()?,
            today,
            backlog: store.outbox_backlog()?,
            database: store.path().display().to_string(),
        })
    })
    .await
}

#[tauri::command]
pub async fn setup_desk(app: AppHandle, req: SetupRequest) -> Reply<Actor> {
    off_main(app, move |desk| {
        let actor = desk.store()?.setup(&req, &desk.clock)?;
        desk.set_session(Some(actor.clone()));
        Ok(actor)
    })
    .await
}

/// Hashes the password: off the window's thread like everything else.
#[tauri::command]
pub async fn sign_in(app: AppHandle, username: String, password: String) -> Reply<Actor> {
    off_main(app, move |desk| desk.sign_in(&username, &password)).await
}

/// The person is active (typing, clicking): keeps the idle lock away.
#[tauri::command]
pub async fn touch_session(app: AppHandle) -> Reply<()> {
    off_main(app, |desk| {
        desk.actor()?;
        Ok(())
    })
    .await
}

/// Resumes a session locked for idleness, with the same person's password.
#[tauri::command]
pub async fn resume_session(app: AppHandle, password: String) -> Reply<Actor> {
    off_main(app, move |desk| desk.resume(&password)).await
}

#[tauri::command]
pub async fn sign_out(app: AppHandle) -> Reply<()> {
    off_main(app, |desk| {
        desk.set_session(None);
        Ok(())
    })
    .await
}
