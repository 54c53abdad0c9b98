//! How domain values are kept in the database's TEXT columns, and what a read does when one
//! does not read back: it fails with [`StoreError::Corrupt`] naming the table and column. It
//! never substitutes a default: a defaulted citizen ("passport / male / 1970-01-01") would be
//! shown to a clerk as the truth and delivered to the portal.
//!
//! The `FromSql` impls are on a wrapper here, not on the core's types behind a feature of
//! ariza-core: the text a value is stored as is the store's format, not the domain's
//! (`Sex::parse` also takes the "M" a person types; a stored row says "male"), the orphan rule
//! forbids impls on uuid's and chrono's types anyway, and the core stays free of SQL.

use std::collections::BTreeMap;

use ariza_core::application::{HistoryEvent, Status};
use ariza_core::citizen::Sex;
use ariza_core::document::DocumentKind;
use ariza_core::staff::Role;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::{Result, StoreError};

/// A value kept as text in one exact form, the one the store writes.
pub(crate) trait StoredText: Sized {
    /// The value, or `None` when `text` is not what the store writes for this type.
    fn from_stored(text: &str) -> Option<Self>;
}

impl StoredText for Status {
    fn from_stored(text: &str) -> Option<Self> {
        Status::parse(text)
    }
}

impl StoredText for HistoryEvent {
    fn from_stored(text: &str) -> Option<Self> {
        HistoryEvent::parse(text)
    }
}

impl StoredText for DocumentKind {
    fn from_stored(text: &str) -> Option<Self> {
        DocumentKind::parse(text)
    }
}

impl StoredText for ariza_core::catalog::DocumentFormat {
    fn from_stored(text: &str) -> Option<Self> {
        use ariza_core::catalog::DocumentFormat;
        [DocumentFormat::Image, DocumentFormat::Pdf]
            .into_iter()
            .find(|f| crate::documents::format_name(*f) == text)
    }
}

impl StoredText for Sex {
    fn from_stored(text: &str) -> Option<Self> {
        // Only the written form: `Sex::parse` also accepts what a person types ("M").
        [Sex::Male, Sex::Female]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

impl StoredText for Role {
    fn from_stored(text: &str) -> Option<Self> {
        Role::parse(text)
    }
}

impl StoredText for Uuid {
    fn from_stored(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok()
    }
}

/// Days are written `YYYY-MM-DD`.
impl StoredText for NaiveDate {
    fn from_stored(text: &str) -> Option<Self> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }
}

/// Instants are written by [`crate::ts`]: RFC 3339, UTC.
impl StoredText for DateTime<Utc> {
    fn from_stored(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Numbers kept in the text column of a key–value table (the change cursor).
impl StoredText for i64 {
    fn from_stored(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// A receipt's verification code, as `ReceiptCode::as_str` writes it.
impl StoredText for ariza_core::i18n::Locale {
    fn from_stored(text: &str) -> Option<Self> {
        ariza_core::i18n::Locale::parse(text)
    }
}

impl StoredText for ariza_core::receipt_code::ReceiptCode {
    fn from_stored(text: &str) -> Option<Self> {
        ariza_core::receipt_code::ReceiptCode::parse(text).filter(|c| c.as_str() == text)
    }
}

/// A JSON document (a form's values, the desk's settings, a catalog).
pub(crate) struct Json<T>(pub T);

impl<T: DeserializeOwned> StoredText for Json<T> {
    fn from_stored(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok().map(Json)
    }
}

/// A form as filed: field name to value.
pub(crate) type StoredForm = Json<BTreeMap<String, String>>;

/// The `FromSql` of every [`StoredText`]: a value that is not text, or not in the written
/// form, is a conversion failure (located by [`StoredRow`]).
pub(crate) struct Stored<T>(pub T);

impl<T: StoredText> FromSql for Stored<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        T::from_stored(text)
            .map(Stored)
            .ok_or_else(|| FromSqlError::Other("not in the stored form".into()))
    }
}

/// Where an unreadable value sits; carried inside the `rusqlite::Error` a row closure
/// returns, and turned into [`StoreError::Corrupt`] by the conversion to [`StoreError`].
#[derive(Debug, thiserror::Error)]
#[error("{table}.{column} cannot be read")]
pub(crate) struct CorruptColumn {
    pub table: &'static str,
    pub column: &'static str,
}

/// Reading a column that must hold a valid domain value.
pub(crate) trait StoredRow {
    /// Column `idx`, which is `table.column`.
    fn stored<T: StoredText>(
        &self,
        idx: usize,
        table: &'static str,
        column: &'static str,
    ) -> rusqlite::Result<T>;

    /// Column `idx`, which is `table.column` and may be NULL.
    fn stored_opt<T: StoredText>(
        &self,
        idx: usize,
        table: &'static str,
        column: &'static str,
    ) -> rusqlite::Result<Option<T>>;
}

impl StoredRow for Row<'_> {
    fn stored<T: StoredText>(
        &self,
        idx: usize,
        table: &'static str,
        column: &'static str,
    ) -> rusqlite::Result<T> {
        self.get::<_, Stored<T>>(idx)
            .map(|s| s.0)
            .map_err(|e| locate(e, idx, table, column))
    }

    fn stored_opt<T: StoredText>(
        &self,
        idx: usize,
        table: &'static str,
        column: &'static str,
    ) -> rusqlite::Result<Option<T>> {
        self.get::<_, Option<Stored<T>>>(idx)
            .map(|s| s.map(|s| s.0))
            .map_err(|e| locate(e, idx, table, column))
    }
}

/// Names the place of a value that did not convert; other errors (a wrong column index, a
/// failed statement) stay what they are.
fn locate(
    e: rusqlite::Error,
    idx: usize,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Error {
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, ty, _)
        | rusqlite::Error::InvalidColumnType(_, _, ty) => {
            rusqlite::Error::FromSqlConversionFailure(
                idx,
                ty,
                Box::new(CorruptColumn { table, column }),
            )
        }
        other => other,
    }
}

/// A value read as text outside a row closure (a key–value table's value).
pub(crate) fn parse_stored<T: StoredText>(
    text: &str,
    table: &'static str,
    column: &'static str,
) -> Result<T> {
    T::from_stored(text).ok_or_else(|| StoreError::corrupt(table, column))
}

/// `column IN ('filed', …)` for a set of statuses (`Status::OPEN`, `Status::DECIDED`): the
/// sets are the core's, so no query spells them out. Inlined rather than bound because the
/// texts are the core's own identifiers (lower case and `_`), never input.
pub(crate) fn status_in(column: &str, set: &[Status]) -> String {
    let texts: Vec<String> = set.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("{column} IN ({})", texts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_sets_render_as_sql() {
        assert_eq!(
            status_in("a.status", &Status::DECIDED),
            "a.status IN ('completed', 'rejected')"
        );
        assert_eq!(
            status_in("a.status", &Status::OPEN),
            "a.status IN ('filed', 'delivered', 'in_review', 'returned')"
        );
    }
}
