//! Ariza's reports as files. The store answers the query (`Store::dashboard`); this crate
//! turns the answer into what a supervisor hands on (CSV, XLSX, a printable page) and writes
//! it where the desk keeps exports, so the store knows nothing of file formats.

mod dashboard;

use std::path::{Path, PathBuf};

use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::error::{Code, Describe, FieldError};
use ariza_core::i18n::{Localizer, MessageArgs};
use ariza_core::staff::Actor;
use ariza_store::dashboard::Period;
use ariza_store::{Store, StoreError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use dashboard::{dashboard_csv, dashboard_html, dashboard_xlsx};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the export could not be written: {0}")]
    Io(#[from] std::io::Error),
    #[error("the workbook could not be made: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl Describe for ExportError {
    fn code(&self) -> Code {
        match self {
            ExportError::Store(e) => e.code(),
            ExportError::Io(_) | ExportError::Xlsx(_) => Code::Storage,
        }
    }

    fn message(&self) -> (&'static str, MessageArgs) {
        match self {
            ExportError::Store(e) => e.message(),
            ExportError::Io(_) | ExportError::Xlsx(_) => ("err-export-write", vec![]),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            ExportError::Store(e) => e.field_errors(),
            ExportError::Io(_) | ExportError::Xlsx(_) => &[],
        }
    }
}

/// The file formats the dashboard exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    /// The printable report.
    Html,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Html => "html",
        }
    }
}

/// Writes the dashboard for the period into `dir` as `ariza-<from>-<to>.<ext>` (in the
/// settings' language), records the export in the audit, and returns the file's path. The
/// store checks that `actor` may see the dashboard.
#[allow(clippy::too_many_arguments)]
pub fn export_dashboard(
    store: &Store,
    actor: &Actor,
    period: Period,
    day: Option<NaiveDate>,
    format: ExportFormat,
    dir: &Path,
    l: &Localizer,
    clock: &dyn Clock,
) -> Result<PathBuf, ExportError> {
    let d = store.dashboard(actor, period, day, clock)?;
    let locale = store.settings()?.locale;
    let bytes = match format {
        ExportFormat::Csv => dashboard_csv(&d, l, locale).into_bytes(),
        ExportFormat::Xlsx => dashboard_xlsx(&d, l, locale)?,
        ExportFormat::Html => {
            let center = store.require_center()?;
            dashboard_html(&d, l, locale, &format!("{} · {}", center.name, center.code))
                .into_bytes()
        }
    };
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("ariza-{}-{}.{}", d.from, d.to, format.extension()));
    // Written beside and renamed, so a half-written export never looks finished.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, &path)?;
    store.audit_event(
        clock.now(),
        &actor.username,
        AuditAction::DashboardExport,
        format.extension(),
        &format!("{}..{}", d.from, d.to),
    )?;
    tracing::info!(format = format.extension(), "dashboard exported");
    Ok(path)
}
