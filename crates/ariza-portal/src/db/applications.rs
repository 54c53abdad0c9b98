//! Received applications, the conflicts among them, and the agencies' queue.

use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::{Error, Row};
use uuid::Uuid;

use super::{GenericClient, Transaction};

/// An application as it is stored on arrival.
pub(crate) struct NewApplication<'a> {
    pub id: Uuid,
    pub center_code: &'a str,
    pub device_id: Option<Uuid>,
    pub tracking_number: &'a str,
    pub channel: &'a str,
    pub service_code: &'a str,
    pub status: &'a str,
    pub content_sha256: &'a str,
    pub body: &'a serde_json::Value,
    pub filed_at_desk: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub due_date: NaiveDate,
    pub receipt_code_sha256: Option<String>,
    pub documents_complete: bool,
}

/// Inserts unless the id is already stored; whether it was inserted.
pub(crate) async fn insert_new(
    db: &impl GenericClient,
    a: &NewApplication<'_>,
) -> Result<bool, Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO application (id, center_code, device_id, tracking_number, channel, service_code, status,
            content_sha256, body, filed_at_desk, received_at, due_date, documents_complete, receipt_code_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT DO NOTHING",
        )
        .await?;
    let n = db
        .execute(
            &statement,
            &[
                &a.id,
                &a.center_code,
                &a.device_id,
                &a.tracking_number,
                &a.channel,
                &a.service_code,
                &a.status,
                &a.content_sha256,
                &a.body,
                &a.filed_at_desk,
                &a.received_at,
                &a.due_date,
                &a.documents_complete,
                &a.receipt_code_sha256,
            ],
        )
        .await?;
    Ok(n == 1)
}

/// What is stored under an id.
pub(crate) struct StoredIdentity {
    pub content_sha256: String,
    pub center_code: String,
    pub due_date: Option<NaiveDate>,
}

impl StoredIdentity {
    fn from_row(row: &Row) -> Result<StoredIdentity, Error> {
        Ok(StoredIdentity {
            content_sha256: row.try_get("content_sha256")?,
            center_code: row.try_get("center_code")?,
            due_date: row.try_get("due_date")?,
        })
    }
}

/// What is stored under an id: content digest, center, due date.
pub(crate) async fn stored_identity(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<StoredIdentity>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT content_sha256, center_code, due_date FROM application WHERE id = $1",
        )
        .await?;
    db.query_opt(&statement, &[&id])
        .await?
        .as_ref()
        .map(StoredIdentity::from_row)
        .transpose()
}

/// The service an application is for.
pub(crate) async fn service_of(db: &impl GenericClient, id: Uuid) -> Result<Option<String>, Error> {
    let statement = db
        .prepare_cached("SELECT service_code FROM application WHERE id = $1")
        .await?;
    db.query_opt(&statement, &[&id])
        .await?
        .map(|row| row.try_get(0))
        .transpose()
}

pub(crate) async fn insert_conflict(
    db: &impl GenericClient,
    id: Uuid,
    device: Option<Uuid>,
    content_sha256: &str,
    body: &serde_json::Value,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO conflict (application_id, device_id, content_sha256, body) VALUES ($1, $2, $3, $4)",
        )
        .await?;
    db.execute(&statement, &[&id, &device, &content_sha256, &body])
        .await?;
    Ok(())
}

/// What a decision needs of an application.
pub(crate) struct DecisionTarget {
    pub id: Uuid,
    pub center_code: String,
    pub status: String,
    pub service_code: String,
    pub channel: String,
    pub received_at: DateTime<Utc>,
}

impl DecisionTarget {
    fn from_row(row: &Row) -> Result<DecisionTarget, Error> {
        Ok(DecisionTarget {
            id: row.try_get("id")?,
            center_code: row.try_get("center_code")?,
            status: row.try_get("status")?,
            service_code: row.try_get("service_code")?,
            channel: row.try_get("channel")?,
            received_at: row.try_get("received_at")?,
        })
    }
}

/// The application with this id or tracking number, locked for the decision.
pub(crate) async fn lock_for_decision(
    tx: &Transaction<'_>,
    id: Option<Uuid>,
    tracking_number: Option<&str>,
) -> Result<Option<DecisionTarget>, Error> {
    let statement = tx
        .prepare_cached(
            "SELECT id, center_code, status, service_code, channel, received_at FROM application
         WHERE id = $1 OR tracking_number = $2 FOR UPDATE",
        )
        .await?;
    tx.query_opt(&statement, &[&id, &tracking_number])
        .await?
        .as_ref()
        .map(DecisionTarget::from_row)
        .transpose()
}

pub(crate) async fn set_status(
    db: &impl GenericClient,
    id: Uuid,
    status: &str,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached("UPDATE application SET status = $2, updated_at = now() WHERE id = $1")
        .await?;
    db.execute(&statement, &[&id, &status]).await?;
    Ok(())
}

/// Sets many statuses at once, dated two days after receipt (historical data only).
pub(crate) async fn set_statuses_in_bulk(
    db: &impl GenericClient,
    ids: &[Uuid],
    statuses: &[String],
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "UPDATE application a SET status = v.status, updated_at = a.received_at + interval '2 days'
         FROM unnest($1::uuid[], $2::text[]) AS v(id, status) WHERE a.id = v.id",
        )
        .await?;
    db.execute(&statement, &[&ids, &statuses]).await?;
    Ok(())
}

/// An application as an agency sees it in its queue.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AgencyApplication {
    pub id: Uuid,
    pub receive_seq: i64,
    pub tracking_number: String,
    pub center_code: String,
    pub service_code: String,
    pub channel: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    /// Every document it refers to has arrived and its service's required ones are among
    /// them; `null` for what arrived before documents existed.
    pub documents_complete: Option<bool>,
    /// Documents it refers to that are still on their way.
    pub documents_pending: i64,
}

impl AgencyApplication {
    fn from_row(row: &Row) -> Result<AgencyApplication, Error> {
        Ok(AgencyApplication {
            id: row.try_get("id")?,
            receive_seq: row.try_get("receive_seq")?,
            tracking_number: row.try_get("tracking_number")?,
            center_code: row.try_get("center_code")?,
            service_code: row.try_get("service_code")?,
            channel: row.try_get("channel")?,
            status: row.try_get("status")?,
            received_at: row.try_get("received_at")?,
            due_date: row.try_get("due_date")?,
            documents_complete: row.try_get("documents_complete")?,
            documents_pending: row.try_get("documents_pending")?,
        })
    }
}

/// Applications after `after` in receive order, of `services` (all when `None`) and in
/// `status` (any when `None`).
pub(crate) async fn queue(
    db: &impl GenericClient,
    after: i64,
    services: Option<&[String]>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<AgencyApplication>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT id, receive_seq, tracking_number, center_code, service_code, channel, status, received_at, due_date,
                documents_complete,
                (SELECT count(*) FROM application_document d
                 WHERE d.application_id = application.id AND d.arrived_at IS NULL) AS documents_pending
         FROM application
         WHERE receive_seq > $1 AND ($2::text[] IS NULL OR service_code = ANY($2)) AND ($3::text IS NULL OR status = $3)
         ORDER BY receive_seq LIMIT $4",
        )
        .await?;
    db.query(&statement, &[&after, &services, &status, &limit])
        .await?
        .iter()
        .map(AgencyApplication::from_row)
        .collect()
}

/// What the status page may show of an application, with the digest its code is checked
/// against: no citizen, no form.
pub(crate) struct PublicStatusRow {
    pub service_code: String,
    pub center_code: String,
    pub center_name: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    pub receipt_code_sha256: Option<String>,
}

pub(crate) async fn public_status(
    db: &impl GenericClient,
    tracking_number: &str,
) -> Result<Option<PublicStatusRow>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT a.service_code, a.center_code, c.name, a.status, a.received_at, a.due_date,
                a.receipt_code_sha256
         FROM application a JOIN center c ON c.code = a.center_code
         WHERE a.tracking_number = $1",
        )
        .await?;
    db.query_opt(&statement, &[&tracking_number])
        .await?
        .map(|row| {
            Ok(PublicStatusRow {
                service_code: row.try_get(0)?,
                center_code: row.try_get(1)?,
                center_name: row.try_get(2)?,
                status: row.try_get(3)?,
                received_at: row.try_get(4)?,
                due_date: row.try_get(5)?,
                receipt_code_sha256: row.try_get(6)?,
            })
        })
        .transpose()
}

/// One line of the agency's queue on the web.
pub(crate) struct QueueLine {
    pub id: Uuid,
    pub tracking_number: String,
    pub center_code: String,
    pub center_name: String,
    pub region: String,
    pub service_code: String,
    pub channel: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    pub documents_complete: Option<bool>,
    pub documents_pending: i64,
}

/// What the queue is narrowed to; `None` is "any".
pub(crate) struct QueueWhere<'a> {
    pub services: Option<&'a [String]>,
    pub statuses: Option<&'a [String]>,
    pub service: Option<&'a str>,
    pub region: Option<&'a str>,
    pub center: Option<&'a str>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub tracking_number: Option<&'a str>,
    /// Open applications due before this day come first.
    pub today: NaiveDate,
    pub open_statuses: &'a [String],
    pub limit: i64,
}

/// The queue: overdue open applications first, then by deadline, then in receive order.
pub(crate) async fn web_queue(
    db: &impl GenericClient,
    w: &QueueWhere<'_>,
) -> Result<Vec<QueueLine>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT a.id, a.tracking_number, a.center_code, c.name, c.region, a.service_code, a.channel,
                a.status, a.received_at, a.due_date, a.documents_complete,
                (SELECT count(*) FROM application_document d
                 WHERE d.application_id = a.id AND d.arrived_at IS NULL)
         FROM application a JOIN center c ON c.code = a.center_code
         WHERE ($1::text[] IS NULL OR a.service_code = ANY($1))
           AND ($2::text[] IS NULL OR a.status = ANY($2))
           AND ($3::text IS NULL OR a.service_code = $3)
           AND ($4::text IS NULL OR c.region = $4)
           AND ($5::text IS NULL OR a.center_code = $5)
           AND ($6::date IS NULL OR a.received_at >= ($6::date::timestamp AT TIME ZONE 'Asia/Tashkent'))
           AND ($7::date IS NULL OR a.received_at < (($7::date + 1)::timestamp AT TIME ZONE 'Asia/Tashkent'))
           AND ($8::text IS NULL OR a.tracking_number = $8)
         ORDER BY (a.status = ANY($10) AND a.due_date < $9) DESC, a.due_date NULLS LAST, a.receive_seq
         LIMIT $11",
        )
        .await?;
    db.query(
        &statement,
        &[
            &w.services,
            &w.statuses,
            &w.service,
            &w.region,
            &w.center,
            &w.from,
            &w.to,
            &w.tracking_number,
            &w.today,
            &w.open_statuses,
            &w.limit,
        ],
    )
    .await?
    .iter()
    .map(|row| {
        Ok(QueueLine {
            id: row.try_get(0)?,
            tracking_number: row.try_get(1)?,
            center_code: row.try_get(2)?,
            center_name: row.try_get(3)?,
            region: row.try_get(4)?,
            service_code: row.try_get(5)?,
            channel: row.try_get(6)?,
            status: row.try_get(7)?,
            received_at: row.try_get(8)?,
            due_date: row.try_get(9)?,
            documents_complete: row.try_get(10)?,
            documents_pending: row.try_get(11)?,
        })
    })
    .collect()
}

/// An application as its agency reads it: the record as delivered, where it stands.
pub(crate) struct FullApplication {
    pub id: Uuid,
    pub tracking_number: String,
    pub center_code: String,
    pub center_name: String,
    pub service_code: String,
    pub channel: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub due_date: Option<NaiveDate>,
    pub body: serde_json::Value,
}

pub(crate) async fn full(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Option<FullApplication>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT a.id, a.tracking_number, a.center_code, c.name, a.service_code, a.channel, a.status,
                a.received_at, a.due_date, a.body
         FROM application a JOIN center c ON c.code = a.center_code WHERE a.id = $1",
        )
        .await?;
    db.query_opt(&statement, &[&id])
        .await?
        .map(|row| {
            Ok(FullApplication {
                id: row.try_get(0)?,
                tracking_number: row.try_get(1)?,
                center_code: row.try_get(2)?,
                center_name: row.try_get(3)?,
                service_code: row.try_get(4)?,
                channel: row.try_get(5)?,
                status: row.try_get(6)?,
                received_at: row.try_get(7)?,
                due_date: row.try_get(8)?,
                body: row.try_get(9)?,
            })
        })
        .transpose()
}

/// The portal's decisions on an application, oldest first.
pub(crate) struct PortalStep {
    pub status: String,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

pub(crate) async fn portal_history(
    db: &impl GenericClient,
    id: Uuid,
) -> Result<Vec<PortalStep>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT status, reason, actor, at FROM change
         WHERE application_id = $1 AND kind = 'decision' ORDER BY seq",
        )
        .await?;
    db.query(&statement, &[&id])
        .await?
        .iter()
        .map(|row| {
            Ok(PortalStep {
                status: row.try_get(0)?,
                reason: row.try_get(1)?,
                actor: row.try_get(2)?,
                at: row.try_get(3)?,
            })
        })
        .collect()
}
