//! Applications started and not yet filed. A clerk saves one when the citizen must fetch a
//! missing paper; it stays on this desk, is never delivered, and is filed later from where it
//! was left (the draft goes in the same transaction as the filing).

use ariza_core::audit::AuditAction;
use std::collections::BTreeMap;

use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::page::{Page, PageRequest, query_page};
use crate::queues::{QueueFilter, check_dates, filter_sql, scoped};
use crate::stored::{Json, StoredRow};
use crate::{Result, Store, StoreError, ts};

/// What the clerk has typed so far. Nothing is validated until filing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DraftInput {
    /// The draft being updated; none for a new one.
    #[ts(type = "string | null")]
    pub id: Option<Uuid>,
    #[ts(type = "number | null")]
    pub citizen_id: Option<i64>,
    pub service_code: Option<String>,
    #[serde(default)]
    #[ts(type = "Record<string, string | number>")]
    pub form: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Draft {
    #[ts(type = "string")]
    pub id: Uuid,
    pub clerk: String,
    #[ts(type = "number | null")]
    pub citizen_id: Option<i64>,
    pub citizen_name: Option<String>,
    pub service_code: Option<String>,
    #[ts(type = "Record<string, string | number>")]
    pub form: BTreeMap<String, serde_json::Value>,
    #[ts(type = "string")]
    pub created_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub updated_at: DateTime<Utc>,
}

const DRAFT_SQL: &str = "SELECT d.id, s.username, d.citizen_id,
        trim(coalesce(c.surname, '') || ' ' || coalesce(c.given_name, '') || ' ' || coalesce(c.patronymic, '')),
        d.service_code, d.form, d.created_at, d.updated_at
     FROM draft d JOIN staff s ON s.id = d.clerk_id LEFT JOIN citizen c ON c.id = d.citizen_id";

fn draft_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    let citizen_id: Option<i64> = r.get(2)?;
    let name: String = r.get(3)?;
    Ok(Draft {
        id: r.stored(0, "draft", "id")?,
        clerk: r.get(1)?,
        citizen_id,
        citizen_name: citizen_id.map(|_| name),
        service_code: r.get(4)?,
        form: r.stored::<Json<_>>(5, "draft", "form")?.0,
        created_at: r.stored(6, "draft", "created_at")?,
        updated_at: r.stored(7, "draft", "updated_at")?,
    })
}

/// The WHERE clauses (after `WHERE 1 = 1`) and arguments for the drafts the actor may see
/// under the filter. `d` is the draft, `s` its clerk.
fn drafts_filter(actor: &Actor, filter: &QueueFilter) -> Result<(String, Vec<String>)> {
    actor.role.require(Action::ViewApplications)?;
    check_dates(filter)?;
    let filter = scoped(actor, filter);
    let mut args: Vec<String> = Vec::new();
    let sql = filter_sql(
        &filter,
        "d.service_code",
        "substr(d.updated_at, 1, 10)",
        &mut args,
    );
    Ok((sql, args))
}

impl Store {
    /// Saves a new draft, or updates one of the actor's own.
    pub fn save_draft(
        &self,
        actor: &Actor,
        input: &DraftInput,
        clock: &dyn Clock,
    ) -> Result<Draft> {
        actor.role.require(Action::FileApplication)?;
        let now = ts(clock.now());
        let form = serde_json::to_string(&input.form)?;
        let conn = self.conn();
        let id = match input.id {
            Some(id) => {
                let n = conn.execute(
                    "UPDATE draft SET citizen_id = ?3, service_code = ?4, form = ?5, updated_at = ?6
                     WHERE id = ?1 AND clerk_id = ?2",
                    params![id.to_string(), actor.staff_id, input.citizen_id, input.service_code, form, now],
                )?;
                if n == 0 {
                    return Err(StoreError::NotFound("err-draft-not-found"));
                }
                id
            }
            None => {
                let id = Uuid::now_v7();
                conn.execute(
                    "INSERT INTO draft (id, clerk_id, citizen_id, service_code, form, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    params![id.to_string(), actor.staff_id, input.citizen_id, input.service_code, form, now],
                )?;
                id
            }
        };
        Ok(conn.query_row(
            &format!("{DRAFT_SQL} WHERE d.id = ?1"),
            [id.to_string()],
            draft_from_row,
        )?)
    }

    /// Drafts left open, oldest first: a clerk's own, or (supervisors) anyone's under the
    /// filter; the filter's days are the days the draft was last touched.
    /// The first 1000 ([`Store::drafts_page`] pages through all).
    pub fn drafts(&self, actor: &Actor, filter: &QueueFilter) -> Result<Vec<Draft>> {
        Ok(self
            .drafts_page(actor, filter, PageRequest::first(1000))?
            .items)
    }

    /// One window of [`Store::drafts`], with how many there are in all.
    pub fn drafts_page(
        &self,
        actor: &Actor,
        filter: &QueueFilter,
        page: PageRequest,
    ) -> Result<Page<Draft>> {
        let (narrow, args) = drafts_filter(actor, filter)?;
        let sql = format!("{DRAFT_SQL} WHERE 1 = 1{narrow} ORDER BY d.updated_at, d.id");
        let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as _).collect();
        query_page(&self.conn(), &sql, &args, page, draft_from_row)
    }

    /// How many drafts [`Store::drafts`] would list, without the limit.
    pub fn draft_count(&self, actor: &Actor, filter: &QueueFilter) -> Result<i64> {
        let (narrow, args) = drafts_filter(actor, filter)?;
        let sql = format!(
            "SELECT count(*) FROM draft d JOIN staff s ON s.id = d.clerk_id WHERE 1 = 1{narrow}"
        );
        Ok(self
            .conn()
            .query_row(&sql, params_from_iter(args.iter()), |r| r.get(0))?)
    }

    pub fn draft(&self, actor: &Actor, id: &str) -> Result<Draft> {
        actor.role.require(Action::ViewApplications)?;
        let conn = self.conn();
        let draft = conn
            .query_row(
                &format!("{DRAFT_SQL} WHERE d.id = ?1"),
                [id],
                draft_from_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound("err-draft-not-found"))?;
        if draft.clerk != actor.username {
            actor.role.require(Action::Supervise)?;
        }
        Ok(draft)
    }

    /// Throws a draft away: the clerk's own, or a supervisor tidying up.
    pub fn discard_draft(&self, actor: &Actor, id: &str, clock: &dyn Clock) -> Result<()> {
        let draft = self.draft(actor, id)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM draft WHERE id = ?1", [id])?;
        crate::audit::record(
            &tx,
            clock.now(),
            &actor.username,
            AuditAction::DraftDiscard,
            &draft.id.to_string(),
            "",
        )?;
        tx.commit()?;
        Ok(())
    }
}
