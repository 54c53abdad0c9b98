//! The desk's own preferences: language, font size, theme. Kept in the database so they
//! survive restarts and travel with backups.

use ariza_core::audit::AuditAction;
use ariza_core::i18n::Locale;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::stored::{Json, parse_stored};
use crate::{Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Contrast,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FontSize {
    #[default]
    Normal,
    Large,
    Larger,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeskSettings {
    pub locale: Locale,
    pub theme: Theme,
    pub font_size: FontSize,
    /// Minutes without activity before the desk locks and asks for the password again
    /// (1–120).
    #[serde(default = "default_idle_lock")]
    pub idle_lock_minutes: u32,
    /// The folder the office scanner saves to: its new files appear in the form's tray.
    #[serde(default)]
    pub scanner_folder: Option<String>,
    /// The paper receipts are printed on by default.
    #[serde(default)]
    pub receipt_layout: ariza_core::receipt_layout::ReceiptLayout,
    /// Days a rotated log file is kept (1–365).
    #[serde(default = "default_log_days")]
    pub log_retention_days: u32,
}

fn default_log_days() -> u32 {
    30
}

fn default_idle_lock() -> u32 {
    5
}

impl Default for DeskSettings {
    fn default() -> Self {
        DeskSettings {
            locale: Locale::default(),
            theme: Theme::default(),
            font_size: FontSize::default(),
            idle_lock_minutes: default_idle_lock(),
            scanner_folder: None,
            receipt_layout: Default::default(),
            log_retention_days: default_log_days(),
        }
    }
}

impl Store {
    pub fn settings(&self) -> Result<DeskSettings> {
        let body: Option<String> = self
            .conn()
            .query_row("SELECT value FROM setting WHERE key = 'desk'", [], |r| {
                r.get(0)
            })
            .optional()?;
        // None saved yet: the defaults. Fields a later version added are ignored (serde's
        // default), but settings that do not read are damage, not a reason to pick others.
        match body {
            None => Ok(DeskSettings::default()),
            Some(b) => Ok(parse_stored::<Json<DeskSettings>>(&b, "setting", "desk")?.0),
        }
    }

    /// Saves the desk's preferences; `by` is who changed them (the signed-in username, or
    /// `desk` for the language chosen on the sign-in screen), recorded in the audit trail.
    pub fn save_settings(
        &self,
        settings: &DeskSettings,
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        if !(1..=120).contains(&settings.idle_lock_minutes) {
            return Err(ariza_core::error::DomainError::Invalid(vec![
                ariza_core::error::FieldError::new("idle_lock_minutes", "err-idle-minutes"),
            ])
            .into());
        }
        if !(1..=365).contains(&settings.log_retention_days) {
            return Err(ariza_core::error::DomainError::Invalid(vec![
                ariza_core::error::FieldError::new("log_retention_days", "err-log-days"),
            ])
            .into());
        }
        if let Some(folder) = &settings.scanner_folder
            && !std::path::Path::new(folder).is_dir()
        {
            return Err(ariza_core::error::DomainError::Invalid(vec![
                ariza_core::error::FieldError::new("scanner_folder", "err-scanner-folder"),
            ])
            .into());
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let body = serde_json::to_string(settings)?;
        tx.execute(
            "INSERT INTO setting (key, value) VALUES ('desk', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![body],
        )?;
        crate::audit::record(&tx, at, by, AuditAction::SettingsChange, "desk", &body)?;
        tx.commit()?;
        Ok(())
    }
}
