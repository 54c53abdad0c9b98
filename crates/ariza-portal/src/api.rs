//! The HTTP API, versioned under `/api/v1`. Every error body is `{code, message}`.

use std::io::Read;

use ariza_core::catalog::default_catalog;
use ariza_core::clock::tashkent;
use ariza_core::pinfl::Pinfl;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::{
    Change, ChangesResponse, EnrollRequest, EnrollResponse, ItemResult, Outcome, PushBatch,
    PushResponse, WireApplication, WireCenter,
};
use ariza_core::working_days::add_working_days;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::{Portal, PortalError, random_hex, sha256_hex};

/// Compressed request bodies up to 16 MiB, decompressed up to 128 MiB.
const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_DECODED: u64 = 128 * 1024 * 1024;

pub fn router(portal: Portal) -> Router {
    Router::new()
        .route("/api/v1/health", get(|| async { "ok" }))
        .route("/api/v1/enroll", post(enroll))
        .route("/api/v1/applications/batch", post(push))
        .route("/api/v1/changes", get(changes))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(portal)
}

struct Device {
    id: Uuid,
    center_code: String,
}

async fn device(portal: &Portal, headers: &HeaderMap) -> Result<Device, PortalError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(PortalError::Unauthorized)?;
    let row: Option<(Uuid, String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT id, center_code, revoked_at FROM device WHERE token_sha256 = $1")
            .bind(sha256_hex(token.trim().as_bytes()))
            .fetch_optional(&portal.pool)
            .await?;
    match row {
        None => Err(PortalError::Unauthorized),
        Some((_, _, Some(_))) => Err(PortalError::Revoked),
        Some((id, center_code, None)) => Ok(Device { id, center_code }),
    }
}

/// Reads a body sent plain, gzip- or zstd-compressed, bounded after decompression.
fn decode_body(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, PortalError> {
    let encoding = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity");
    let mut out = Vec::new();
    let read = match encoding {
        "zstd" => zstd::stream::read::Decoder::new(body)
            .map_err(|e| PortalError::BadRequest(e.to_string()))?
            .take(MAX_DECODED + 1)
            .read_to_end(&mut out),
        "gzip" => flate2::read::GzDecoder::new(body)
            .take(MAX_DECODED + 1)
            .read_to_end(&mut out),
        "identity" => {
            out.extend_from_slice(body);
            Ok(out.len())
        }
        other => {
            return Err(PortalError::BadRequest(format!(
                "unsupported content-encoding {other}"
            )));
        }
    };
    read.map_err(|e| PortalError::BadRequest(e.to_string()))?;
    if out.len() as u64 > MAX_DECODED {
        return Err(PortalError::TooLarge);
    }
    Ok(out)
}

async fn enroll(
    State(portal): State<Portal>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, PortalError> {
    let mut tx = portal.pool.begin().await?;
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT center_code FROM enroll_code WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
    )
    .bind(sha256_hex(req.code.trim().to_uppercase().as_bytes()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some((center_code,)) = row else {
        return Err(PortalError::EnrollCode);
    };
    let center: (String, String, String, String) = sqlx::query_as(
        "SELECT code, name, region, district FROM center WHERE code = $1 FOR UPDATE",
    )
    .bind(&center_code)
    .fetch_one(&mut *tx)
    .await?;
    let (number,): (i32,) = sqlx::query_as(
        "SELECT COALESCE(MAX(device_number), 0) + 1 FROM device WHERE center_code = $1",
    )
    .bind(&center_code)
    .fetch_one(&mut *tx)
    .await?;
    let id = Uuid::now_v7();
    let token = random_hex(32);
    sqlx::query("INSERT INTO device (id, center_code, device_number, name, token_sha256) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(&center_code)
        .bind(number)
        .bind(req.device_name.trim())
        .bind(sha256_hex(token.as_bytes()))
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE enroll_code SET used_at = now(), device_id = $2 WHERE code_sha256 = $1")
        .bind(sha256_hex(req.code.trim().to_uppercase().as_bytes()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(device = %id, center = %center_code, "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: id,
        token,
        device_number: number as u32,
        center: WireCenter {
            code: center.0,
            name: center.1,
            region: center.2,
            district: center.3,
        },
    }))
}

fn rejected(id: Uuid, code: &str, key: &str) -> ItemResult {
    ItemResult {
        id,
        outcome: Outcome::Rejected,
        code: Some(code.to_string()),
        message_key: Some(key.to_string()),
        due_date: None,
    }
}

/// Checks what the portal can check of an application before storing it.
fn check(
    app: &WireApplication,
    center_code: &str,
    known_services: &[String],
) -> Option<ItemResult> {
    match TrackingNumber::parse(&app.tracking_number) {
        Ok(t) if t.as_str().split('-').next() == Some(center_code) => {}
        Ok(_) => return Some(rejected(app.id, "wrong_center", "err-portal-wrong-center")),
        Err(_) => return Some(rejected(app.id, "invalid", "err-portal-invalid")),
    }
    if !known_services.iter().any(|s| s == &app.service_code) {
        return Some(rejected(
            app.id,
            "unknown_service",
            "err-portal-unknown-service",
        ));
    }
    if Pinfl::parse(&app.citizen.pinfl).is_err() {
        return Some(rejected(app.id, "invalid", "err-portal-invalid"));
    }
    None
}

async fn push(
    State(portal): State<Portal>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushResponse>, PortalError> {
    let device = device(&portal, &headers).await?;
    let decoded = decode_body(&headers, &body)?;
    let batch: PushBatch =
        serde_json::from_slice(&decoded).map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let catalog = default_catalog().map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let services: Vec<String> = catalog.services.iter().map(|s| s.code.clone()).collect();
    let mut results = Vec::with_capacity(batch.applications.len());
    let mut tx = portal.pool.begin().await?;
    let (received_at,): (DateTime<Utc>,) =
        sqlx::query_as("SELECT now()").fetch_one(&mut *tx).await?;
    let received_day = received_at.with_timezone(&tashkent()).date_naive();
    for app in &batch.applications {
        if let Some(refusal) = check(app, &device.center_code, &services) {
            results.push(refusal);
            continue;
        }
        let digest = app.content_digest();
        let days = catalog
            .service(&app.service_code)
            .map_or(0, |s| s.deadline_working_days);
        let due = add_working_days(received_day, days, &catalog.holidays);
        let body = serde_json::to_value(app).map_err(|e| PortalError::BadRequest(e.to_string()))?;
        let inserted = sqlx::query(
            "INSERT INTO application (id, center_code, device_id, tracking_number, channel, service_code, status,
                content_sha256, body, filed_at_desk, received_at, due_date)
             VALUES ($1, $2, $3, $4, 'in_person', $5, 'delivered', $6, $7, $8, $9, $10)
             ON CONFLICT DO NOTHING",
        )
        .bind(app.id)
        .bind(&device.center_code)
        .bind(device.id)
        .bind(&app.tracking_number)
        .bind(&app.service_code)
        .bind(&digest)
        .bind(&body)
        .bind(app.filed_at)
        .bind(received_at)
        .bind(due)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            results.push(ItemResult {
                id: app.id,
                outcome: Outcome::Accepted,
                code: None,
                message_key: None,
                due_date: Some(due),
            });
            continue;
        }
        let existing: Option<(String, String, Option<chrono::NaiveDate>)> = sqlx::query_as(
            "SELECT content_sha256, center_code, due_date FROM application WHERE id = $1",
        )
        .bind(app.id)
        .fetch_optional(&mut *tx)
        .await?;
        match existing {
            Some((sha, center, stored_due)) if sha == digest && center == device.center_code => {
                results.push(ItemResult {
                    id: app.id,
                    outcome: Outcome::Duplicate,
                    code: None,
                    message_key: None,
                    due_date: stored_due,
                });
            }
            _ => {
                sqlx::query("INSERT INTO conflict (application_id, device_id, content_sha256, body) VALUES ($1, $2, $3, $4)")
                    .bind(app.id)
                    .bind(device.id)
                    .bind(&digest)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await?;
                tracing::warn!(application = %app.id, device = %device.id, "conflicting content recorded");
                results.push(ItemResult {
                    id: app.id,
                    outcome: Outcome::Conflict,
                    code: Some("conflict".into()),
                    message_key: Some("err-portal-conflict".into()),
                    due_date: None,
                });
            }
        }
    }
    tx.commit().await?;
    tracing::info!(device = %device.id, count = results.len(), "batch received");
    Ok(Json(PushResponse {
        results,
        received_at,
    }))
}

/// seq, application, status, reason, at, actor.
type ChangeRow = (i64, Uuid, String, Option<String>, DateTime<Utc>, String);

#[derive(Deserialize)]
struct ChangesQuery {
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

async fn changes(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> Result<Json<ChangesResponse>, PortalError> {
    let device = device(&portal, &headers).await?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT seq, application_id, status, reason, at, actor FROM change
         WHERE center_code = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(&device.center_code)
    .bind(q.after)
    .bind(limit)
    .fetch_all(&portal.pool)
    .await?;
    let next_cursor = rows.last().map_or(q.after, |r| r.0);
    let changes = rows
        .into_iter()
        .filter_map(|(seq, application_id, status, reason, at, actor)| {
            Some(Change {
                seq,
                application_id,
                status: ariza_core::application::Status::parse(&status)?,
                reason,
                at,
                actor,
            })
        })
        .collect();
    Ok(Json(ChangesResponse {
        changes,
        next_cursor,
    }))
}
