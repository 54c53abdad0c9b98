//! Received applications, the conflicts among them, and the agencies' queue.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

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
}

/// Inserts unless the id is already stored; whether it was inserted.
pub(crate) async fn insert_new(
    conn: &mut PgConnection,
    a: &NewApplication<'_>,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO application (id, center_code, device_id, tracking_number, channel, service_code, status,
            content_sha256, body, filed_at_desk, received_at, due_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT DO NOTHING",
    )
    .bind(a.id)
    .bind(a.center_code)
    .bind(a.device_id)
    .bind(a.tracking_number)
    .bind(a.channel)
    .bind(a.service_code)
    .bind(a.status)
    .bind(a.content_sha256)
    .bind(a.body)
    .bind(a.filed_at_desk)
    .bind(a.received_at)
    .bind(a.due_date)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// What is stored under an id: content digest, center, due date.
pub(crate) async fn stored_identity(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(String, String, Option<NaiveDate>)>, sqlx::Error> {
    sqlx::query_as("SELECT content_sha256, center_code, due_date FROM application WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub(crate) async fn insert_conflict(
    conn: &mut PgConnection,
    id: Uuid,
    device: Option<Uuid>,
    content_sha256: &str,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO conflict (application_id, device_id, content_sha256, body) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(device)
    .bind(content_sha256)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a decision needs of an application.
#[derive(sqlx::FromRow)]
pub(crate) struct DecisionTarget {
    pub id: Uuid,
    pub center_code: String,
    pub status: String,
    pub service_code: String,
    pub channel: String,
    pub received_at: DateTime<Utc>,
}

/// The application with this id or tracking number, locked for the decision.
pub(crate) async fn lock_for_decision(
    conn: &mut PgConnection,
    id: Option<Uuid>,
    tracking_number: Option<&str>,
) -> Result<Option<DecisionTarget>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, center_code, status, service_code, channel, received_at FROM application
         WHERE id = $1 OR tracking_number = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(tracking_number)
    .fetch_optional(conn)
    .await
}

pub(crate) async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE application SET status = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets many statuses at once, dated two days after receipt (historical data only).
pub(crate) async fn set_statuses_in_bulk(
    conn: &mut PgConnection,
    ids: &[Uuid],
    statuses: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE application a SET status = v.status, updated_at = a.received_at + interval '2 days'
         FROM unnest($1::uuid[], $2::text[]) AS v(id, status) WHERE a.id = v.id",
    )
    .bind(ids)
    .bind(statuses)
    .execute(conn)
    .await?;
    Ok(())
}

/// An application as an agency sees it in its queue.
#[derive(Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
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
}

/// Applications after `after` in receive order, of `services` (all when `None`) and in
/// `status` (any when `None`).
pub(crate) async fn queue(
    db: impl PgExecutor<'_>,
    after: i64,
    services: Option<&[String]>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<AgencyApplication>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, receive_seq, tracking_number, center_code, service_code, channel, status, received_at, due_date
         FROM application
         WHERE receive_seq > $1 AND ($2::text[] IS NULL OR service_code = ANY($2)) AND ($3::text IS NULL OR status = $3)
         ORDER BY receive_seq LIMIT $4",
    )
    .bind(after)
    .bind(services)
    .bind(status)
    .bind(limit)
    .fetch_all(db)
    .await
}
