//! The scanner folder: many office scanners save each scan as a file in a folder. The desk
//! lists what arrived there recently and has not been attached, for the form's tray.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use ts_rs::TS;

/// Files older than this are not offered: a folder of last month's scans is not a tray.
const RECENT: Duration = Duration::from_secs(12 * 60 * 60);
/// At most this many in the tray.
const TRAY_SIZE: usize = 20;
const EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "webp", "tif", "tiff", "pdf", "jfif"];

/// One scan waiting in the folder.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ScannerFile {
    pub path: String,
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    /// When the scanner wrote it, RFC 3339.
    pub modified: String,
}

/// The files this desk has stored from any folder, so the tray stops offering them.
#[derive(Default)]
pub struct ScannerFolder {
    taken: Mutex<HashSet<PathBuf>>,
}

impl ScannerFolder {
    pub fn mark_taken(&self, path: &Path) {
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        taken.insert(path.to_path_buf());
    }

    /// Recent scans in `folder` not taken yet, newest first. A folder that cannot be read
    /// (a network share that is down) offers nothing rather than failing the form.
    pub fn waiting(&self, folder: &Path) -> Vec<ScannerFile> {
        let Ok(entries) = std::fs::read_dir(folder) else {
            tracing::warn!("the scanner folder cannot be read");
            return Vec::new();
        };
        let taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        let now = SystemTime::now();
        let mut files: Vec<(SystemTime, ScannerFile)> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path();
                let extension = path.extension()?.to_string_lossy().to_lowercase();
                if !EXTENSIONS.contains(&extension.as_str()) || taken.contains(&path) {
                    return None;
                }
                let meta = entry.metadata().ok().filter(|m| m.is_file())?;
                let modified = meta.modified().ok()?;
                if now.duration_since(modified).is_ok_and(|age| age > RECENT) {
                    return None;
                }
                let file = ScannerFile {
                    name: path.file_name()?.to_string_lossy().into_owned(),
                    path: path.to_string_lossy().into_owned(),
                    size: meta.len(),
                    modified: chrono::DateTime::<chrono::Utc>::from(modified).to_rfc3339(),
                };
                Some((modified, file))
            })
            .collect();
        files.sort_by_key(|f| std::cmp::Reverse(f.0));
        files.into_iter().take(TRAY_SIZE).map(|(_, f)| f).collect()
    }
}
