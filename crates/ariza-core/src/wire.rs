//! What crosses the network between desk and portal. Both sides use these very types, so they
//! cannot drift; the portal's OpenAPI document is generated from them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::application::{HistoryEntry, Status};
use crate::citizen::Sex;
use crate::document::DocumentKind;

/// How an application reached the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InPerson,
    Online,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollRequest {
    #[schema(max_length = 64)]
    pub code: String,
    #[schema(max_length = 100)]
    pub device_name: String,
    /// The device's Ed25519 public key (64 hex digits); its private half never leaves the
    /// desk's encrypted database. Every later request is signed with it.
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub public_key: String,
}

/// The portal's answer to the connectivity probe, with its clock: the desk signs requests
/// with the portal's time, so a desk whose clock is wrong is not refused as stale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WireCenter {
    pub code: String,
    pub name: String,
    pub region: String,
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollResponse {
    pub device_id: Uuid,
    pub device_number: u32,
    pub center: WireCenter,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WireCitizen {
    pub pinfl: String,
    pub document_kind: DocumentKind,
    pub document_number: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

/// One application as the desk delivers it: content and the history so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WireApplication {
    pub id: Uuid,
    pub tracking_number: String,
    pub channel: Channel,
    pub service_code: String,
    pub catalog_version: u32,
    pub citizen: WireCitizen,
    pub form: BTreeMap<String, String>,
    pub fee_uzs: i64,
    pub clerk: String,
    /// The desk's clock at filing: kept for the record, never used for order or deadlines
    /// (the portal's receive time is).
    pub filed_at: DateTime<Utc>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushBatch {
    pub applications: Vec<WireApplication>,
    /// The desk's audit entries not yet delivered, in order.
    #[serde(default)]
    pub audit: Vec<crate::audit::AuditEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stored now.
    Accepted,
    /// Already stored with the same content: acknowledged again, no second row.
    Duplicate,
    /// The same id was stored with different content: recorded on the portal, not stored.
    Conflict,
    /// Refused (invalid); `code` and `message_key` say why.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemResult {
    pub id: Uuid,
    pub outcome: Outcome,
    pub code: Option<String>,
    /// A Fluent key the desk shows in the clerk's language.
    pub message_key: Option<String>,
    /// The decision deadline, counted by the portal from the day it received the application
    /// (Tashkent), so a desk with a wrong clock still gets the right deadline.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushResponse {
    pub results: Vec<ItemResult>,
    pub received_at: DateTime<Utc>,
    /// The highest audit entry of the batch now stored on the portal.
    #[serde(default)]
    pub audit_stored_to: Option<i64>,
}

/// What a change on the feed is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A decision or status change on one of the center's applications.
    Decision,
    /// A new version of the service catalog.
    Catalog,
    /// A staff account of the center added or changed.
    Staff,
}

/// A staff account as the portal manages it for a center. The password hash (Argon2id) lets
/// the person sign in at the desk with no network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffChange {
    pub username: String,
    pub full_name: String,
    pub role: crate::staff::Role,
    pub active: bool,
    pub password_hash: String,
}

/// One entry of a center's change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    pub seq: i64,
    pub kind: ChangeKind,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// For decisions.
    pub application_id: Option<Uuid>,
    pub status: Option<Status>,
    pub reason: Option<String>,
    /// For catalog changes.
    #[schema(value_type = Object)]
    pub catalog: Option<crate::catalog::Catalog>,
    /// For staff changes.
    pub staff: Option<StaffChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangesResponse {
    pub changes: Vec<Change>,
    /// Pass as `after` next time; advance it only once these changes are committed locally.
    pub next_cursor: i64,
}

/// Every error body: a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiError {
    pub code: crate::error::PortalCode,
    pub message: String,
}

impl WireApplication {
    /// SHA-256 of the canonical JSON of the content, the identity the portal compares when an
    /// id arrives again. History is left out: it grows as the application moves on.
    pub fn content_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let content = serde_json::json!({
            "id": self.id,
            "tracking_number": self.tracking_number,
            "channel": self.channel,
            "service_code": self.service_code,
            "catalog_version": self.catalog_version,
            "citizen": self.citizen,
            "form": self.form,
            "fee_uzs": self.fee_uzs,
            "clerk": self.clerk,
            "filed_at": self.filed_at,
        });
        let bytes = serde_json::to_vec(&content).unwrap_or_default();
        hex::encode(Sha256::digest(&bytes))
    }
}
