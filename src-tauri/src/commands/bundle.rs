//! Settings → "Move by USB": this desk's undelivered work written to a stick for the portal,
//! and the portal's bundle for this desk read from one.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use tauri::AppHandle;
use ts_rs::TS;

use super::off_main;
use crate::error::Reply;

/// What a bundle written to the stick holds.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BundleWritten {
    pub file: String,
    pub applications: u32,
    pub documents: u32,
    pub audit_entries: u32,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What reading the portal's bundle changed.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BundleRead {
    pub decisions: u32,
    pub delivered: u32,
    pub documents: u32,
}

/// Writes the bundle to a new file at `path` (never over an existing one) and makes sure it
/// is on the stick before answering.
#[tauri::command]
pub async fn export_bundle(app: AppHandle, path: String) -> Reply<BundleWritten> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let store = desk.store()?;
        let (bytes, summary) = ariza_sync::bundle::export_bundle(store, &actor, &desk.clock)?;
        let path = PathBuf::from(path);
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| {
                f.write_all(&bytes)?;
                f.sync_all()
            });
        if let Err(e) = written {
            tracing::warn!(error = %e, "the bundle could not be written");
            return Err(ariza_store::StoreError::NotFound(
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    "err-file-exists"
                } else {
                    "err-bundle-write"
                },
            )
            .into());
        }
        Ok(BundleWritten {
            file: path.display().to_string(),
            applications: summary.applications as u32,
            documents: summary.documents as u32,
            audit_entries: summary.audit_entries as u32,
            bytes: summary.bytes as u64,
        })
    })
    .await
}

#[tauri::command]
pub async fn import_bundle(app: AppHandle, path: String) -> Reply<BundleRead> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        let store = desk.store()?;
        let bytes = std::fs::read(&path)
            .map_err(|_| ariza_store::StoreError::NotFound("err-bundle-read"))?;
        let summary = ariza_sync::bundle::import_bundle(store, &actor, &bytes, &desk.clock)?;
        Ok(BundleRead {
            decisions: summary.decisions as u32,
            delivered: summary.delivered as u32,
            documents: summary.documents as u32,
        })
    })
    .await
}
