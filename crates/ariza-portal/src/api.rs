//! The HTTP API, versioned under `/api/v1`. Every error body is `{code, message}`.

use std::io::Read;

use ariza_core::application::Status;
use ariza_core::catalog::default_catalog;
use ariza_core::clock::tashkent;
use ariza_core::pinfl::Pinfl;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::{
    ApiError, Change, ChangeKind, ChangesResponse, Channel, EnrollRequest, EnrollResponse, Health,
    ItemResult, Outcome, PushBatch, PushResponse, WireApplication, WireCenter,
};
use ariza_core::working_days::add_working_days;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::device_auth::{device, parse_public_key};
use crate::{Portal, PortalError, sha256_hex};

/// Compressed request bodies up to 16 MiB, decompressed up to 128 MiB.
const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_DECODED: u64 = 128 * 1024 * 1024;

/// The OpenAPI document, generated from the handlers and the shared wire types.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Ariza Portal API", description = "Applications from public service centers, exactly once; decisions back."),
    paths(health, enroll, push, changes, online, decide_api, agency_applications, regional_report),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        use utoipa::openapi::security::{ApiKey, ApiKeyValue};
        // Device requests carry four headers (device id, timestamp, nonce and an Ed25519
        // signature over method, path, body digest, timestamp and nonce); OpenAPI has no
        // scheme for request signing, so the signature header stands for them.
        components.add_security_scheme(
            "device",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-ariza-signature",
                "Ed25519 request signature; see ariza_core::request_signing",
            ))),
        );
        components.add_security_scheme(
            "portal_user",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

pub fn router(portal: Portal) -> Router {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/health", get(health))
        .route("/api/v1/enroll", post(enroll))
        .route("/api/v1/applications/batch", post(push))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/online/applications", post(online))
        .route("/api/v1/decisions", post(decide_api))
        .route("/api/v1/agency/applications", get(agency_applications))
        .route("/api/v1/reports/regional", get(regional_report))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(security_headers))
        // Answers are compressed for clients that ask (the desk's engine does): on a 2G link
        // the per-application results would otherwise outweigh the compressed batch.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(portal)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    Json(ApiDoc::openapi())
}

/// Headers on every answer: nothing is cached, sniffed, framed or referred; HTTPS is
/// remembered by browsers that reach an operator's page over TLS.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::HeaderValue;
    let h = response.headers_mut();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        ),
        ("strict-transport-security", "max-age=31536000"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Whether the portal is up, and its clock: the sync engine's connectivity probe.
#[utoipa::path(get, path = "/api/v1/health", responses((status = 200, description = "ok", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        now: Utc::now(),
    })
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

/// Trades a one-time enrollment code for a device credential and the device's center.
#[utoipa::path(
    post,
    path = "/api/v1/enroll",
    request_body = EnrollRequest,
    responses((status = 200, body = EnrollResponse), (status = 403, body = ApiError), (status = 503, body = ApiError))
)]
async fn enroll(
    State(portal): State<Portal>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>, PortalError> {
    if parse_public_key(&req.public_key).is_none() {
        return Err(PortalError::BadRequest(
            "public_key is an Ed25519 public key, 64 hex digits".into(),
        ));
    }
    if req.code.len() > 64 || req.device_name.chars().count() > 100 {
        return Err(PortalError::BadRequest(
            "code or device_name too long".into(),
        ));
    }
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
    sqlx::query("INSERT INTO device (id, center_code, device_number, name, public_key) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(&center_code)
        .bind(number)
        .bind(req.device_name.trim())
        .bind(req.public_key.trim().to_ascii_lowercase())
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        "device",
        "device.enroll",
        &id.to_string(),
        &center_code,
    )
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

/// Who is sending a batch: a desk (in person, its device recorded) or the online channel.
pub(crate) struct Sender<'a> {
    pub center_code: &'a str,
    pub device_id: Option<Uuid>,
    pub channel: Channel,
    /// Only the demo loader sets this (a past quarter); everything else is received now.
    pub received_at: Option<DateTime<Utc>>,
}

/// Stores a batch in one transaction: each application exactly once by id and content digest,
/// with one result each. Refusals and conflicts never stop the rest of the batch.
pub(crate) async fn store_batch(
    portal: &Portal,
    sender: Sender<'_>,
    applications: &[WireApplication],
) -> Result<PushResponse, PortalError> {
    let catalog = default_catalog().map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let services: Vec<String> = catalog.services.iter().map(|s| s.code.clone()).collect();
    let mut results = Vec::with_capacity(applications.len());
    let mut tx = portal.pool.begin().await?;
    let received_at = match sender.received_at {
        Some(at) => at,
        None => {
            let (now,): (DateTime<Utc>,) =
                sqlx::query_as("SELECT now()").fetch_one(&mut *tx).await?;
            now
        }
    };
    let received_day = received_at.with_timezone(&tashkent()).date_naive();
    let channel = match sender.channel {
        Channel::InPerson => "in_person",
        Channel::Online => "online",
    };
    for app in applications {
        if let Some(refusal) = check(app, sender.center_code, &services) {
            results.push(refusal);
            continue;
        }
        if app.channel != sender.channel {
            results.push(rejected(app.id, "wrong_channel", "err-portal-invalid"));
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
             VALUES ($1, $2, $3, $4, $5, $6, 'delivered', $7, $8, $9, $10, $11)
             ON CONFLICT DO NOTHING",
        )
        .bind(app.id)
        .bind(sender.center_code)
        .bind(sender.device_id)
        .bind(&app.tracking_number)
        .bind(channel)
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
            Some((sha, center, stored_due)) if sha == digest && center == sender.center_code => {
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
                    .bind(sender.device_id)
                    .bind(&digest)
                    .bind(&body)
                    .execute(&mut *tx)
                    .await?;
                tracing::warn!(application = %app.id, "conflicting content recorded");
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
    let accepted = results
        .iter()
        .filter(|r| r.outcome == Outcome::Accepted)
        .count();
    if accepted > 0 {
        crate::reports::add(
            &mut tx,
            received_day,
            sender.center_code,
            channel,
            "delivered",
            accepted as i64,
        )
        .await?;
        let who = sender
            .device_id
            .map_or("online".to_string(), |d| d.to_string());
        crate::audit::record(
            &mut tx,
            &who,
            "applications.receive",
            sender.center_code,
            &format!("accepted={accepted}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(PushResponse {
        results,
        received_at,
        audit_stored_to: None,
    })
}

/// A desk delivers its outbox: a batch, compressed with zstd or gzip, one result per
/// application.
#[utoipa::path(
    post,
    path = "/api/v1/applications/batch",
    request_body(content = PushBatch, description = "JSON; Content-Encoding zstd, gzip or none"),
    responses(
        (status = 200, body = PushResponse),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 413, body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("device" = []))
)]
async fn push(
    State(portal): State<Portal>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushResponse>, PortalError> {
    let device = device(&portal, &method, &uri, &headers, &body).await?;
    let decoded = decode_body(&headers, &body)?;
    let batch: PushBatch =
        serde_json::from_slice(&decoded).map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let sender = Sender {
        center_code: &device.center_code,
        device_id: Some(device.id),
        channel: Channel::InPerson,
        received_at: None,
    };
    let mut response = store_batch(&portal, sender, &batch.applications).await?;
    response.audit_stored_to =
        crate::audit::store_desk_entries(&portal, device.id, &batch.audit).await?;
    tracing::info!(device = %device.id, count = response.results.len(), "batch received");
    Ok(Json(response))
}

/// A portal user (operator or agency staff), signed in by HTTP Basic credentials.
pub(crate) struct PortalUser {
    pub username: String,
    pub role: String,
    pub agency: Option<String>,
}

async fn portal_user(
    portal: &Portal,
    headers: &HeaderMap,
    roles: &[&str],
) -> Result<PortalUser, PortalError> {
    use base64::Engine as _;
    let encoded = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(PortalError::Unauthorized)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| PortalError::Unauthorized)?;
    let text = String::from_utf8(decoded).map_err(|_| PortalError::Unauthorized)?;
    let (username, password) = text.split_once(':').ok_or(PortalError::Unauthorized)?;
    let username = username.trim().to_lowercase();
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT role, agency, password_hash FROM portal_user WHERE username = $1")
            .bind(&username)
            .fetch_optional(&portal.pool)
            .await?;
    match row {
        Some((role, agency, hash)) if ariza_core::staff::verify_password(password, &hash) => {
            if roles.contains(&role.as_str()) {
                Ok(PortalUser {
                    username,
                    role,
                    agency,
                })
            } else {
                Err(PortalError::Forbidden)
            }
        }
        _ => Err(PortalError::Unauthorized),
    }
}

/// The services an agency user may see and decide; `None` for operators (all).
async fn scope(portal: &Portal, user: &PortalUser) -> Result<Option<Vec<String>>, PortalError> {
    if user.role == "agency" {
        let agency = user.agency.as_deref().unwrap_or_default();
        Ok(Some(crate::admin::agency_services(portal, agency).await?))
    } else {
        Ok(None)
    }
}

/// Applications filed online, posted by the online channel's integration (an operator
/// account), so the portal's figures split in person and online.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OnlineBatch {
    /// The center the applications are assigned to.
    pub center_code: String,
    pub applications: Vec<WireApplication>,
}

#[utoipa::path(
    post,
    path = "/api/v1/online/applications",
    request_body = OnlineBatch,
    responses((status = 200, body = PushResponse), (status = 400, body = ApiError), (status = 401, body = ApiError)),
    security(("portal_user" = []))
)]
async fn online(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Json(batch): Json<OnlineBatch>,
) -> Result<Json<PushResponse>, PortalError> {
    portal_user(&portal, &headers, &["operator"]).await?;
    let center = batch.center_code.trim().to_uppercase();
    if batch.applications.len() > 5000 {
        return Err(PortalError::TooLarge);
    }
    let sender = Sender {
        center_code: &center,
        device_id: None,
        channel: Channel::Online,
        received_at: None,
    };
    Ok(Json(
        store_batch(&portal, sender, &batch.applications).await?,
    ))
}

/// An agency's decision on one application.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    /// Application id or tracking number.
    pub application: String,
    /// in_review, completed, rejected or returned.
    pub status: Status,
    /// Required to reject or return.
    pub reason: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DecisionResponse {
    pub application_id: Uuid,
    pub status: Status,
}

#[utoipa::path(
    post,
    path = "/api/v1/decisions",
    request_body = DecisionRequest,
    responses(
        (status = 200, body = DecisionResponse),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError)
    ),
    security(("portal_user" = []))
)]
async fn decide_api(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Json(req): Json<DecisionRequest>,
) -> Result<Json<DecisionResponse>, PortalError> {
    let user = portal_user(&portal, &headers, &["agency", "operator"]).await?;
    let only = scope(&portal, &user).await?;
    if !matches!(
        req.status,
        Status::InReview | Status::Completed | Status::Rejected | Status::Returned
    ) {
        return Err(PortalError::BadRequest(
            "status is one of in_review, completed, rejected, returned".into(),
        ));
    }
    let id = crate::admin::decide_checked(
        &portal,
        &req.application,
        req.status,
        req.reason.as_deref(),
        &user.username,
        only.as_deref(),
    )
    .await?;
    Ok(Json(DecisionResponse {
        application_id: id,
        status: req.status,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct AgencyQuery {
    /// Only applications in this status.
    status: Option<String>,
    /// Receive order to continue after (the last `receive_seq` seen).
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
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
    pub due_date: Option<chrono::NaiveDate>,
}

/// The applications an agency decides (operators see all), oldest received first.
#[utoipa::path(
    get,
    path = "/api/v1/agency/applications",
    params(AgencyQuery),
    responses((status = 200, body = [AgencyApplication]), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("portal_user" = []))
)]
async fn agency_applications(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Query(q): Query<AgencyQuery>,
) -> Result<Json<Vec<AgencyApplication>>, PortalError> {
    let user = portal_user(&portal, &headers, &["agency", "operator"]).await?;
    let only = scope(&portal, &user).await?;
    if let Some(status) = &q.status
        && Status::parse(status).is_none()
    {
        return Err(PortalError::BadRequest("unknown status".into()));
    }
    let rows: Vec<AgencyApplication> = sqlx::query_as(
        "SELECT id, receive_seq, tracking_number, center_code, service_code, channel, status, received_at, due_date
         FROM application
         WHERE receive_seq > $1 AND ($2::text[] IS NULL OR service_code = ANY($2)) AND ($3::text IS NULL OR status = $3)
         ORDER BY receive_seq LIMIT $4",
    )
    .bind(q.after)
    .bind(only)
    .bind(q.status)
    .bind(q.limit.unwrap_or(500).clamp(1, 5000))
    .fetch_all(&portal.pool)
    .await?;
    Ok(Json(rows))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ReportQuery {
    /// First Tashkent receive day, YYYY-MM-DD.
    from: chrono::NaiveDate,
    /// Last Tashkent receive day, YYYY-MM-DD (inclusive).
    to: chrono::NaiveDate,
    /// `region` (default) or `center` for a line per center as well.
    by: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// The regional table for a period: total, in person, online, completed, rejected, in review,
/// nationally, by region and optionally by center. Operators only.
#[utoipa::path(
    get,
    path = "/api/v1/reports/regional",
    params(ReportQuery),
    responses(
        (status = 200, body = crate::reports::RegionalReport, description = "JSON, or CSV with format=csv"),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError)
    ),
    security(("portal_user" = []))
)]
async fn regional_report(
    State(portal): State<Portal>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Result<axum::response::Response, PortalError> {
    use axum::response::IntoResponse;
    portal_user(&portal, &headers, &["operator"]).await?;
    let by_center = match q.by.as_deref() {
        None | Some("region") => false,
        Some("center") => true,
        Some(_) => return Err(PortalError::BadRequest("by is region or center".into())),
    };
    let report = crate::reports::regional(&portal, q.from, q.to, by_center).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(report).into_response()),
        Some("csv") => Ok((
            [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            crate::reports::to_csv(&report),
        )
            .into_response()),
        Some(_) => Err(PortalError::BadRequest("format is json or csv".into())),
    }
}

/// seq, kind, application, status, reason, at, actor, payload.
type ChangeRow = (
    i64,
    String,
    Option<Uuid>,
    Option<String>,
    Option<String>,
    DateTime<Utc>,
    String,
    Option<serde_json::Value>,
);

#[derive(Deserialize, utoipa::IntoParams)]
struct ChangesQuery {
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

/// Decisions for the device's own center after `after`, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    params(ChangesQuery),
    responses((status = 200, body = ChangesResponse), (status = 401, body = ApiError)),
    security(("device" = []))
)]
async fn changes(
    State(portal): State<Portal>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> Result<Json<ChangesResponse>, PortalError> {
    let device = device(&portal, &method, &uri, &headers, b"").await?;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT seq, kind, application_id, status, reason, at, actor, payload FROM change
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
        .map(
            |(seq, kind, application_id, status, reason, at, actor, payload)| {
                let kind = match kind.as_str() {
                    "catalog" => ChangeKind::Catalog,
                    "staff" => ChangeKind::Staff,
                    _ => ChangeKind::Decision,
                };
                let catalog = (kind == ChangeKind::Catalog)
                    .then(|| payload.clone().and_then(|p| serde_json::from_value(p).ok()))
                    .flatten();
                let staff = (kind == ChangeKind::Staff)
                    .then(|| payload.and_then(|p| serde_json::from_value(p).ok()))
                    .flatten();
                Change {
                    seq,
                    kind,
                    at,
                    actor,
                    application_id,
                    status: status.as_deref().and_then(Status::parse),
                    reason,
                    catalog,
                    staff,
                }
            },
        )
        .collect();
    Ok(Json(ChangesResponse {
        changes,
        next_cursor,
    }))
}
