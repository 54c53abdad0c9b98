//! Ariza Desk: set-up, logging and managed state only. The commands live in `commands/`, one
//! file per concern, and are registered from the one list in `commands::handler`.

// No console window beside the desk on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod desk;
mod error;
mod scanner;

use std::path::PathBuf;

use anyhow::Context;

use crate::desk::Desk;

/// Where the database lives: `--db PATH` (or `--db=PATH`), else what the store's one rule for
/// the desk and the CLI says (`ARIZA_DB`, else the OS app-data folder).
fn database_path() -> anyhow::Result<PathBuf> {
    let mut explicit = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--db" {
            explicit = Some(
                args.next()
                    .map(PathBuf::from)
                    .context("--db needs a path")?,
            );
        } else if let Some(p) = arg.strip_prefix("--db=") {
            explicit = Some(PathBuf::from(p));
        }
    }
    Ok(ariza_store::database_path(explicit)?)
}

/// A daily rolling log file beside the database. Log lines carry ids, never names,
/// PINFLs or document numbers.
fn start_logging(dir: &std::path::Path) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::EnvFilter;
    let appender = tracing_appender::rolling::daily(dir.join("logs"), "ariza-desk.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("ARIZA_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(writer)
        .with_ansi(false)
        .init();
    guard
}

/// Checkpoints the WAL every half minute on a background thread, so a clerk's "file" never
/// pays for copying the log into the database file.
fn start_idle_checkpoints(app: tauri::AppHandle) {
    use tauri::Manager;
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(30));
            let desk = app.state::<Desk>();
            if let Some(store) = desk.open_store()
                && let Err(e) = store.checkpoint()
            {
                tracing::warn!(error = %e, "checkpoint failed");
            }
        }
    });
}

/// Delivers and fetches in the background with the engine's own loop (every 30 s while the
/// link works, backing off while it does not), once the database is open and enrolled.
/// Nobody waits on it; "Sync now" shares the engine, which runs one sync at a time.
fn start_background_sync(app: tauri::AppHandle) {
    use tauri::Manager;
    std::thread::spawn(move || {
        let desk = app.state::<Desk>();
        let store = loop {
            if let Some(store) = desk.open_store()
                && matches!(store.enrollment(), Ok(Some(_)))
            {
                break store;
            }
            std::thread::sleep(std::time::Duration::from_secs(5));
        };
        let never = std::sync::atomic::AtomicBool::new(false);
        desk.engine
            .watch(store, std::time::Duration::from_secs(30), &never);
    });
}

fn main() -> anyhow::Result<()> {
    let db = database_path()?;
    let dir = db.parent().map(PathBuf::from).unwrap_or_default();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let _log_guard = start_logging(&dir);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Ariza Desk starting");
    let desk = Desk::open(&db)?;
    tauri::Builder::default()
        .manage(desk)
        // The file picker for scans (Tauri's own dialog plugin: the OS's dialog, and the
        // path comes back to the desk's `store_scan`, never the file's bytes over IPC).
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            start_idle_checkpoints(app.handle().clone());
            start_background_sync(app.handle().clone());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .context("the desk window failed")?;
    Ok(())
}
