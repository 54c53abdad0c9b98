//! `ariza bundle export` and `ariza bundle import`: moving a center's work by USB stick when
//! there is no link at all.

use std::path::PathBuf;

use ariza_store::Store;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;

#[derive(clap::Subcommand)]
pub enum BundleCommand {
    /// Writes everything not yet delivered (applications, audit entries, documents) into one
    /// file, signed with this device's key and encrypted to the portal's.
    Export {
        /// The new file (an existing one is never overwritten).
        file: PathBuf,
        /// A supervisor or administrator.
        #[command(flatten)]
        act: ActAs,
    },
    /// Reads the portal's bundle for this desk: decisions, catalog and staff, and what the
    /// portal holds of this desk's work.
    Import {
        file: PathBuf,
        #[command(flatten)]
        act: ActAs,
    },
}

/// Bytes for people: "3.4 MB", "512 KB".
fn size(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} KB", bytes.div_ceil(1000))
    }
}

pub fn run(ctx: &Ctx, store: &Store, command: BundleCommand) -> Result<(), Failure> {
    match command {
        BundleCommand::Export { file, act } => {
            let actor = act.sign_in(ctx, store)?;
            let (bytes, summary) = ariza_sync::bundle::export_bundle(store, &actor, &ctx.clock)?;
            write_new(&file, &bytes)?;
            ctx.out.report(
                &summary,
                "cli-bundle-written",
                &[
                    ("file", file.display().to_string()),
                    ("applications", summary.applications.to_string()),
                    ("documents", summary.documents.to_string()),
                    ("entries", summary.audit_entries.to_string()),
                    ("size", size(summary.bytes)),
                ],
            )
        }
        BundleCommand::Import { file, act } => {
            let actor = act.sign_in(ctx, store)?;
            let bytes = std::fs::read(&file).map_err(|e| Failure::file(&file, e))?;
            let summary = ariza_sync::bundle::import_bundle(store, &actor, &bytes, &ctx.clock)?;
            ctx.out.report(
                &summary,
                "cli-bundle-read",
                &[
                    ("decisions", summary.decisions.to_string()),
                    ("delivered", summary.delivered.to_string()),
                    ("documents", summary.documents.to_string()),
                ],
            )
        }
    }
}

/// Writes a new file and makes sure it is on the stick before saying so.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Failure::file(path, e))?;
    f.write_all(bytes).map_err(|e| Failure::file(path, e))?;
    f.sync_all().map_err(|e| Failure::file(path, e))?;
    Ok(())
}
