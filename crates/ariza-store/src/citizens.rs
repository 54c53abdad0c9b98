//! Citizens: registration and search by PINFL, document number, tracking number or name in
//! either script. Every search path is an index lookup (B-tree or FTS5), never a table scan.

use ariza_core::audit::AuditAction;
use ariza_core::citizen::{Address, Citizen, CitizenInput, NewCitizen};
use ariza_core::clock::Clock;
use ariza_core::error::{DomainError, FieldError};
use ariza_core::name_fold;
use ariza_core::pinfl::Pinfl;
use ariza_core::staff::{Action, Actor};
use ariza_core::tracking::TrackingNumber;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::citizen_search::{MatchTier, NameSpan};
use crate::stored::StoredRow;
use crate::{Result, Store, StoreError, ts};

/// A line of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CitizenMatch {
    #[ts(type = "number")]
    pub id: i64,
    pub full_name: String,
    pub pinfl: String,
    pub document_number: String,
    pub birth_date: String,
    /// Why it matched: a PINFL, document or tracking number is the same spelling.
    pub tier: MatchTier,
    /// The words of `full_name` the typed name matched (none for a number).
    pub highlight: Vec<NameSpan>,
}

const CITIZEN_COLUMNS: &str = "id, pinfl, document_kind, document_number, surname, given_name, patronymic, \
     birth_date, sex, phone, region, district, street";

fn citizen_from_row(r: &Row<'_>) -> rusqlite::Result<Citizen> {
    Ok(Citizen {
        id: r.get(0)?,
        data: NewCitizen {
            pinfl: Pinfl::from_stored(r.get(1)?),
            document_kind: r.stored(2, "citizen", "document_kind")?,
            document_number: r.get(3)?,
            surname: r.get(4)?,
            given_name: r.get(5)?,
            patronymic: r.get(6)?,
            birth_date: r.stored(7, "citizen", "birth_date")?,
            sex: r.stored(8, "citizen", "sex")?,
            phone: r.get(9)?,
            address: Address {
                region: r.get(10)?,
                district: r.get(11)?,
                street: r.get(12)?,
            },
        },
    })
}

pub(crate) fn match_from_row(r: &Row<'_>) -> rusqlite::Result<CitizenMatch> {
    let parts: [String; 3] = [r.get(2)?, r.get(3)?, r.get(4)?];
    Ok(CitizenMatch {
        id: r.get(0)?,
        pinfl: r.get(1)?,
        full_name: parts
            .iter()
            .filter(|p| !p.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" "),
        document_number: r.get(5)?,
        birth_date: r.get(6)?,
        tier: MatchTier::SameSpelling,
        highlight: Vec::new(),
    })
}

pub(crate) const MATCH_COLUMNS: &str =
    "c.id, c.pinfl, c.surname, c.given_name, c.patronymic, c.document_number, c.birth_date";

pub(crate) fn get_citizen(conn: &Connection, id: i64) -> Result<Citizen> {
    conn.query_row(
        &format!("SELECT {CITIZEN_COLUMNS} FROM citizen WHERE id = ?1"),
        [id],
        citizen_from_row,
    )
    .optional()?
    .ok_or(StoreError::NotFound("err-citizen-not-found"))
}

impl Store {
    pub fn register_citizen(
        &self,
        actor: &Actor,
        input: &CitizenInput,
        clock: &dyn Clock,
    ) -> Result<Citizen> {
        actor.role.require(Action::RegisterCitizen)?;
        let c = input.validate(clock.today())?;
        let mut conn = self.conn();
        let conn = conn.transaction()?;
        let taken: Option<i64> = conn
            .query_row(
                "SELECT id FROM citizen WHERE pinfl = ?1",
                [c.pinfl.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = taken {
            return Err(DomainError::Invalid(vec![
                FieldError::new("pinfl", "err-duplicate-pinfl").with("citizen", id),
            ])
            .into());
        }
        // The same document under another PINFL is a mistyped PINFL or a second record of
        // one person: either way not a new citizen.
        let holder: Option<i64> = conn
            .query_row(
                "SELECT id FROM citizen WHERE document_number = ?1",
                [c.document_number.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = holder {
            return Err(DomainError::Invalid(vec![
                FieldError::new("document_number", "err-duplicate-document").with("citizen", id),
            ])
            .into());
        }
        let fold_key = name_fold::fold_key(&c.full_name());
        conn.execute(
            "INSERT INTO citizen (pinfl, document_kind, document_number, surname, given_name, patronymic,
                birth_date, sex, phone, region, district, street, name_key, created_at, created_by,
                fold_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                c.pinfl.as_str(),
                c.document_kind.as_str(),
                c.document_number,
                c.surname,
                c.given_name,
                c.patronymic,
                c.birth_date.format("%Y-%m-%d").to_string(),
                c.sex.as_str(),
                c.phone,
                c.address.region,
                c.address.district,
                c.address.street,
                c.name_search_key(),
                ts(clock.now()),
                actor.staff_id,
                fold_key,
            ],
        )?;
        let id = conn.last_insert_rowid();
        crate::name_index::add_words(&conn, &fold_key)?;
        crate::audit::record(
            &conn,
            clock.now(),
            &actor.username,
            AuditAction::CitizenRegister,
            &id.to_string(),
            "",
        )?;
        conn.commit()?;
        tracing::info!(citizen_id = id, by = actor.staff_id, "citizen registered");
        Ok(Citizen { id, data: c })
    }

    /// A citizen's record, read without an audit entry: for the store's own checks and tests.
    /// People open records through [`Store::open_citizen`].
    pub fn citizen(&self, id: i64) -> Result<Citizen> {
        get_citizen(&self.conn(), id)
    }

    /// A staff member opens a citizen's record: permission-checked and recorded in the audit.
    pub fn open_citizen(&self, actor: &Actor, id: i64, clock: &dyn Clock) -> Result<Citizen> {
        actor.role.require(Action::ViewCitizen)?;
        let conn = self.conn();
        let citizen = get_citizen(&conn, id)?;
        crate::audit::record(
            &conn,
            clock.now(),
            &actor.username,
            AuditAction::CitizenOpen,
            &id.to_string(),
            "",
        )?;
        Ok(citizen)
    }

    /// Finds citizens by whatever the clerk typed: a PINFL (whole or its start), a document
    /// number, an application's tracking number, or a name in Latin or Cyrillic.
    pub fn find_citizens(&self, query: &str, limit: usize) -> Result<Vec<CitizenMatch>> {
        let q = query.trim();
        let compact: String = q
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if compact.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let limit = limit as i64;
        if compact.chars().all(|c| c.is_ascii_digit()) {
            // Whole or partial PINFL: a range over the unique index. The upper bound ':' is
            // the character after '9'.
            let mut stmt = conn.prepare(&format!(
                "SELECT {MATCH_COLUMNS} FROM citizen c WHERE c.pinfl >= ?1 AND c.pinfl < ?2 ORDER BY c.pinfl LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![compact, format!("{compact}:"), limit],
                match_from_row,
            )?;
            return Ok(rows.collect::<std::result::Result<_, _>>()?);
        }
        if let Ok(tracking) = TrackingNumber::parse(&compact) {
            let mut stmt = conn.prepare(&format!(
                "SELECT {MATCH_COLUMNS} FROM application a JOIN citizen c ON c.id = a.citizen_id
                 WHERE a.tracking_number = ?1"
            ))?;
            let rows = stmt.query_map([tracking.as_str()], match_from_row)?;
            return Ok(rows.collect::<std::result::Result<_, _>>()?);
        }
        let looks_like_document = compact.len() >= 3
            && compact.chars().any(|c| c.is_ascii_digit())
            && compact
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if looks_like_document {
            let mut stmt = conn.prepare(&format!(
                "SELECT {MATCH_COLUMNS} FROM citizen c WHERE c.document_number >= ?1 AND c.document_number < ?2
                 ORDER BY c.document_number LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![compact, format!("{compact}\u{10FFFF}"), limit],
                match_from_row,
            )?;
            return Ok(rows.collect::<std::result::Result<_, _>>()?);
        }
        crate::citizen_search::by_name(&conn, q, limit as usize)
    }

    /// Folds the names of rows written straight into the table (a bulk loader, the
    /// benchmark); the store does it itself whenever it opens. How many it folded.
    pub fn refresh_name_index(&self) -> Result<usize> {
        crate::name_index::bring_up_to_date(&mut self.conn())
    }

    /// Citizens who may be the one about to be registered: the same folded surname and given
    /// name (however either was typed) and the same birth date. The desk shows them before
    /// saving; the clerk opens one or confirms a new record.
    pub fn likely_duplicates(&self, input: &CitizenInput) -> Result<Vec<CitizenMatch>> {
        let name = name_fold::fold_key(&format!("{} {}", input.surname, input.given_name));
        let Ok(birth) = chrono::NaiveDate::parse_from_str(input.birth_date.trim(), "%Y-%m-%d")
        else {
            return Ok(Vec::new());
        };
        let words: Vec<String> = name
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {MATCH_COLUMNS} FROM citizen_fold f JOIN citizen c ON c.id = f.rowid
             WHERE citizen_fold MATCH ?1 AND c.birth_date = ?2 LIMIT 20"
        ))?;
        let rows = stmt.query_map(
            params![words.join(" AND "), birth.format("%Y-%m-%d").to_string()],
            match_from_row,
        )?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
