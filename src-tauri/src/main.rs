//! Ariza Desk: set-up, logging and managed state only. The commands live in `commands/`, one
//! file per concern, and are registered from the one list in `commands::handler`.

// No console window beside the desk on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod desk;
mod error;
mod logs;
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

/// Asks the portal for a newer desk release a minute after start and then every six hours,
/// downloading it for an administrator to install (Settings → Updates). Quiet when there is
/// no link: the next round asks again.
fn start_update_checks(app: tauri::AppHandle) {
    use tauri::Manager;
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        loop {
            let desk = app.state::<Desk>();
            if desk
                .open_store()
                .is_some_and(|s| matches!(s.enrollment(), Ok(Some(_))))
                && let Err(e) = desk.check_for_update(&app)
            {
                tracing::info!(error = ?e, "no update check this round");
            }
            std::thread::sleep(std::time::Duration::from_secs(6 * 3600));
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

/// WebKitGTK's accelerated compositing roughly doubles its web process's memory (P7: 198 MB
/// Pss with it, 112 MB without) and buys a forms application nothing; off, and the page cache
/// kept to what one document needs. Linux only: WebView2 on Windows has its own.
fn tune_webview(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    {
        use tauri::Manager;
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.with_webview(|webview| {
                let view = webview.inner();
                if let Some(settings) = WebViewExt::settings(&view) {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
                if let Some(context) = view.context() {
                    context.set_cache_model(CacheModel::DocumentViewer);
                }
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

/// WebKitGTK's own switches for its processes, read from the environment they inherit, set
/// before any thread or WebKit process exists (glib's `setenv` is only sound then). P7 after
/// 100 filings: 270 MB Pss with neither, 257 MB without the DMA-BUF renderer, 241 MB without
/// JavaScriptCore's JIT too.
/// - The DMA-BUF renderer shares GPU buffers between the web and the desk's process; with
///   compositing off (`tune_webview`) it buys nothing, and it is the usual cause of blank
///   WebKitGTK windows on some GPU drivers.
/// - The JIT compiles hot JavaScript to machine code in memory it makes executable. The desk
///   runs one small bundle of its own, where the interpreter is fast enough; without the JIT
///   the web process holds no code pages of its own making, and is smaller.
///
/// A centre's IT can still set either variable itself: what is already set is kept.
fn tune_webkit_environment() {
    #[cfg(target_os = "linux")]
    for (name, value) in [("WEBKIT_DISABLE_DMABUF_RENDERER", "1"), ("JSC_useJIT", "0")] {
        if let Err(e) = webkit2gtk::glib::setenv(name, value, false) {
            eprintln!("cannot set {name}: {e}");
        }
    }
}

/// Whether the database would not open because another process has it.
fn in_use(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<ariza_store::StoreError>(),
        Some(ariza_store::StoreError::InUse)
    )
}

/// Says, in the system's language, that Ariza Desk is already open, and exits: the window
/// that has the database stays the one working.
fn already_open_and_exit() -> ! {
    let locale = std::env::var("LANG")
        .ok()
        .as_deref()
        .and_then(ariza_core::i18n::Locale::parse)
        .unwrap_or_default();
    let text = ariza_core::i18n::Localizer::new().tr(locale, "err-db-in-use", &[]);
    tracing::warn!("the database is open in another process: this launch exits");
    eprintln!("{text}");
    std::process::exit(1);
}

fn main() -> anyhow::Result<()> {
    // First of all: nothing has started a thread yet.
    tune_webkit_environment();
    let db = database_path()?;
    let dir = db.parent().map(PathBuf::from).unwrap_or_default();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let _log_guard = logs::start(&db);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Ariza Desk starting");
    tauri::Builder::default()
        // First: a second launch (a double click too many) brings this window forward and
        // exits, instead of opening the database beside this one (which the store's lock
        // would refuse anyway). On Linux it finds the first through the D-Bus session bus;
        // without one it launches normally and the lock is what stops it.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            use tauri::{Emitter, Manager};
            tracing::info!("second launch: the running window is brought forward");
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
            let _ = app.emit("second-launch", ());
        }))
        // The window opens where and as large as it was left (not whether it was shown).
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION
                        | tauri_plugin_window_state::StateFlags::MAXIMIZED,
                )
                .build(),
        )
        // The file picker for scans (Tauri's own dialog plugin: the OS's dialog, and the
        // path comes back to the desk's `store_scan`, never the file's bytes over IPC).
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        // Finds and downloads desk releases from the portal (`commands::update`); its own
        // commands are not granted to the webview (capabilities/default.json).
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(move |app| {
            use tauri::Manager;
            // Opened here, after the single-instance check: a second launch never gets as
            // far as the database. Without a session bus that check cannot run, and the
            // store's lock refuses the database to this second window, which says why.
            let desk = match Desk::open(&db) {
                Ok(desk) => desk,
                Err(e) if in_use(&e) => already_open_and_exit(),
                Err(e) => return Err(e.into()),
            };
            if let Some(store) = desk.open_store()
                && let Ok(settings) = store.settings()
            {
                logs::keep_retention(&db, settings.log_retention_days);
            }
            app.manage(desk);
            tune_webview(app);
            start_idle_checkpoints(app.handle().clone());
            start_background_sync(app.handle().clone());
            start_update_checks(app.handle().clone());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .context("the desk window failed")?;
    Ok(())
}
