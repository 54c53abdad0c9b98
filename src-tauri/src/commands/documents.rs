//! Scans: stored as the clerk attaches them (file picker, a drop on the window, the scanner
//! folder's tray), their thumbnails, an application's documents and the ones that follow
//! after filing, and the supervisor's rule per service.

use std::path::PathBuf;

use ariza_store::{AttachedDocument, ServiceRule, StoredScan};
use base64::Engine as _;
use serde::Serialize;
use tauri::AppHandle;
use ts_rs::TS;

use super::off_main;
use crate::error::Reply;

/// Normalizes and stores a file as a scan (on the blocking pool: a phone photo takes a few
/// hundred milliseconds). Nothing is attached yet: filing names it, or
/// [`attach_document`] does after filing.
#[tauri::command]
pub async fn store_scan(app: AppHandle, path: String) -> Reply<StoredScan> {
    off_main(app, move |desk| {
        desk.actor()?;
        let path = PathBuf::from(path);
        let scan = desk.store()?.store_scan_file(&path, &desk.clock)?;
        desk.scanner_folder.mark_taken(&path);
        Ok(scan)
    })
    .await
}

/// A stored image's thumbnail as a `data:` URL for an `<img>`; `None` for a PDF.
#[tauri::command]
pub async fn scan_thumbnail(app: AppHandle, sha256: String) -> Reply<Option<String>> {
    off_main(app, move |desk| {
        desk.actor()?;
        let (_, thumbnail) = desk.store()?.scan_bytes(&sha256)?;
        Ok(thumbnail.map(|jpeg| {
            format!(
                "data:image/jpeg;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(jpeg)
            )
        }))
    })
    .await
}

#[tauri::command]
pub async fn application_documents(app: AppHandle, key: String) -> Reply<Vec<AttachedDocument>> {
    off_main(app, move |desk| {
        desk.actor()?;
        Ok(desk.store()?.documents(&key)?)
    })
    .await
}

/// Attaches a stored scan to a filed application: a document that follows.
#[tauri::command]
pub async fn attach_document(
    app: AppHandle,
    key: String,
    requirement_key: String,
    sha256: String,
) -> Reply<AttachedDocument> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let store = desk.store()?;
        let scan = store.stored_scan(&sha256)?;
        let (attached, _) =
            store.attach_scan(&actor, &key, &requirement_key, &scan, &desk.clock)?;
        Ok(attached)
    })
    .await
}

#[tauri::command]
pub async fn service_rules(app: AppHandle) -> Reply<Vec<ServiceRule>> {
    off_main(app, |desk| {
        desk.actor()?;
        Ok(desk.store()?.service_rules()?)
    })
    .await
}

/// A supervisor allows (or stops allowing) documents to follow for a service.
#[tauri::command]
pub async fn set_service_rule(app: AppHandle, rule: ServiceRule) -> Reply<ServiceRule> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.set_service_rule(&actor, &rule, &desk.clock)?)
    })
    .await
}

/// The scanner folder and the scans in it not taken yet, newest first.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ScannerTray {
    pub folder: Option<String>,
    pub files: Vec<crate::scanner::ScannerFile>,
}

/// What the office scanner has saved to the scanner folder since the desk started, not yet
/// attached. The UI asks every few seconds.
#[tauri::command]
pub async fn scanner_tray(app: AppHandle) -> Reply<ScannerTray> {
    off_main(app, |desk| {
        desk.actor()?;
        let folder = desk.store()?.settings()?.scanner_folder;
        let files = match &folder {
            Some(f) => desk.scanner_folder.waiting(std::path::Path::new(f)),
            None => Vec::new(),
        };
        Ok(ScannerTray { folder, files })
    })
    .await
}
