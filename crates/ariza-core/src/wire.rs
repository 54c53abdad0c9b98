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
    /// The desk's age X25519 recipient: what the portal encrypts the center's USB bundles
    /// to. Desks before bundles send none.
    #[serde(default)]
    pub bundle_recipient: Option<String>,
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
    /// What a desk with no link needs to move its work by USB (portals before bundles send
    /// none).
    #[serde(default)]
    pub bundle_keys: Option<BundleKeys>,
}

/// The portal's public keys for USB bundles: desks encrypt their bundles to `recipient` and
/// check the portal's bundles against `signing_key`. Rotated by the portal; the change feed
/// carries the current ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BundleKeys {
    /// An age X25519 recipient (`age1…`).
    pub recipient: String,
    /// An Ed25519 public key, 64 hex digits.
    pub signing_key: String,
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

impl From<&crate::citizen::NewCitizen> for WireCitizen {
    fn from(c: &crate::citizen::NewCitizen) -> WireCitizen {
        WireCitizen {
            pinfl: c.pinfl.as_str().to_string(),
            document_kind: c.document_kind,
            document_number: c.document_number.clone(),
            surname: c.surname.clone(),
            given_name: c.given_name.clone(),
            patronymic: c.patronymic.clone(),
            birth_date: c.birth_date,
            sex: c.sex,
        }
    }
}

/// One application as the desk delivers it: content and the history so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WireApplication {
    pub id: Uuid,
    pub tracking_number: String,
    pub channel: Channel,
    pub service_code: String,
    /// Any u32: declared as such, so that a checker does not take the default int32 format's
    /// maximum for the portal's.
    #[schema(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub catalog_version: u32,
    pub citizen: WireCitizen,
    pub form: BTreeMap<String, String>,
    pub fee_uzs: i64,
    pub clerk: String,
    /// The desk's clock at filing: kept for the record, never used for order or deadlines
    /// (the portal's receive time is).
    pub filed_at: DateTime<Utc>,
    pub history: Vec<HistoryEntry>,
    /// The scans filed with it, which follow in the documents lane (`/api/v1/uploads`); the
    /// portal counts the application's documents complete when each has arrived. Desks from
    /// before documents send none.
    #[serde(default)]
    pub documents: Vec<WireDocument>,
    /// The receipt's verification code (`ariza_core::receipt_code`, 8 characters), which the
    /// status page asks for with the tracking number. Desks from before it send none; left
    /// out when absent, so what those desks delivered keeps its content digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_code: Option<String>,
}

/// A scan an application refers to: which of its service's documents, the SHA-256 of the
/// bytes that will arrive, and their size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WireDocument {
    pub requirement_key: String,
    pub sha256: String,
    /// Bytes, at least 1: a reference that is not (nor a SHA-256 in hex, nor a media type the
    /// document accepts) gets its application refused as `invalid`, in the batch's results
    /// like every refusal, never by refusing the whole batch.
    pub size: i64,
    pub media_type: String,
}

/// Format 1 of a push (`POST /api/v1/applications/batch`), as desks before format 2 send it:
/// still accepted. Its audit entries carry both hashes, which the portal can compute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushBatch {
    pub applications: Vec<WireApplication>,
    /// The desk's audit entries not yet delivered, in order.
    #[serde(default)]
    pub audit: Vec<crate::audit::AuditEntry>,
}

/// Format 2 of a push (`POST /api/v2/applications/batch`): the applications and the audit
/// entries by column, with only what the portal cannot derive (see docs/sync.md, "The wire").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushBatchV2 {
    pub applications: ApplicationColumns,
    pub audit: AuditUpload,
    /// Citizen records a supervisor merged, not yet acknowledged: the portal records them
    /// before the applications, so an application redelivered under its survivor still
    /// matches what it first received (`WireApplication::digests_before_merges`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merges: Vec<CitizenMerge>,
}

/// Two records of one person merged on a desk by a supervisor: the applications of `merged`
/// now belong to `survivor`. Sent until the portal acknowledges it by `id`; recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CitizenMerge {
    pub id: Uuid,
    pub survivor: WireCitizen,
    pub merged: WireCitizen,
    /// The applications that moved, the desk's ids (they may not have been delivered yet).
    pub applications: Vec<Uuid>,
    /// Why the supervisor merged them.
    pub reason: String,
    /// The supervisor's username.
    pub by: String,
    pub merged_at: DateTime<Utc>,
}

/// The applications of a batch by column: the n-th value of every column belongs to the n-th
/// application, and every column has one value per application. A column holds one kind of
/// value, so what repeats from one application to the next (services, names, dates) sits
/// together and compresses to almost nothing: 35 bytes an application under zstd instead of
/// 48 as rows of objects (docs/benchmarks.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationColumns {
    pub id: Vec<Uuid>,
    pub tracking_number: Vec<String>,
    pub channel: Vec<Channel>,
    pub service_code: Vec<String>,
    pub catalog_version: Vec<u32>,
    pub citizen: CitizenColumns,
    pub form: Vec<BTreeMap<String, String>>,
    pub fee_uzs: Vec<i64>,
    pub clerk: Vec<String>,
    /// The desk's filing times as milliseconds: the first since 1970-01-01T00:00:00Z, each
    /// next one as the difference from the one before.
    #[serde(with = "millisecond_steps")]
    #[schema(value_type = Vec<i64>)]
    pub filed_at: Vec<DateTime<Utc>>,
    pub history: Vec<Vec<HistoryEntry>>,
    /// Empty when no application of the batch has documents (and from desks before them);
    /// otherwise one list per application.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Vec<WireDocument>>,
    /// Empty when no application of the batch has a verification code; otherwise one per
    /// application (`null` for one without).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receipt_code: Vec<Option<String>>,
}

/// The citizens of a batch's applications, by column, one value per application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CitizenColumns {
    pub pinfl: Vec<String>,
    pub document_kind: Vec<DocumentKind>,
    pub document_number: Vec<String>,
    pub surname: Vec<String>,
    pub given_name: Vec<String>,
    pub patronymic: Vec<String>,
    pub birth_date: Vec<NaiveDate>,
    pub sex: Vec<Sex>,
}

/// Columns of different lengths: not a batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {0} does not have one value per row")]
pub struct RaggedColumns(pub &'static str);

impl ApplicationColumns {
    pub fn from_rows(rows: Vec<WireApplication>) -> ApplicationColumns {
        let mut c = ApplicationColumns::default();
        for a in rows {
            c.id.push(a.id);
            c.tracking_number.push(a.tracking_number);
            c.channel.push(a.channel);
            c.service_code.push(a.service_code);
            c.catalog_version.push(a.catalog_version);
            c.citizen.pinfl.push(a.citizen.pinfl);
            c.citizen.document_kind.push(a.citizen.document_kind);
            c.citizen.document_number.push(a.citizen.document_number);
            c.citizen.surname.push(a.citizen.surname);
            c.citizen.given_name.push(a.citizen.given_name);
            c.citizen.patronymic.push(a.citizen.patronymic);
            c.citizen.birth_date.push(a.citizen.birth_date);
            c.citizen.sex.push(a.citizen.sex);
            c.form.push(a.form);
            c.fee_uzs.push(a.fee_uzs);
            c.clerk.push(a.clerk);
            c.filed_at.push(a.filed_at);
            c.history.push(a.history);
            c.documents.push(a.documents);
            c.receipt_code.push(a.receipt_code);
        }
        if c.documents.iter().all(Vec::is_empty) {
            c.documents.clear();
        }
        if c.receipt_code.iter().all(Option::is_none) {
            c.receipt_code.clear();
        }
        c
    }

    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The applications as rows, exactly as they were before [`ApplicationColumns::from_rows`].
    pub fn into_rows(self) -> Result<Vec<WireApplication>, RaggedColumns> {
        let n = self.id.len();
        let c = self.citizen;
        let check = |name: &'static str, len: usize| {
            if len == n {
                Ok(())
            } else {
                Err(RaggedColumns(name))
            }
        };
        check("tracking_number", self.tracking_number.len())?;
        check("channel", self.channel.len())?;
        check("service_code", self.service_code.len())?;
        check("catalog_version", self.catalog_version.len())?;
        check("citizen.pinfl", c.pinfl.len())?;
        check("citizen.document_kind", c.document_kind.len())?;
        check("citizen.document_number", c.document_number.len())?;
        check("citizen.surname", c.surname.len())?;
        check("citizen.given_name", c.given_name.len())?;
        check("citizen.patronymic", c.patronymic.len())?;
        check("citizen.birth_date", c.birth_date.len())?;
        check("citizen.sex", c.sex.len())?;
        check("form", self.form.len())?;
        check("fee_uzs", self.fee_uzs.len())?;
        check("clerk", self.clerk.len())?;
        check("filed_at", self.filed_at.len())?;
        check("history", self.history.len())?;
        if !self.documents.is_empty() {
            check("documents", self.documents.len())?;
        }
        if !self.receipt_code.is_empty() {
            check("receipt_code", self.receipt_code.len())?;
        }
        let mut citizens = c
            .pinfl
            .into_iter()
            .zip(c.document_kind)
            .zip(c.document_number)
            .zip(c.surname)
            .zip(c.given_name)
            .zip(c.patronymic)
            .zip(c.birth_date)
            .zip(c.sex)
            .map(
                |(
                    (
                        (
                            ((((pinfl, document_kind), document_number), surname), given_name),
                            patronymic,
                        ),
                        birth_date,
                    ),
                    sex,
                )| {
                    WireCitizen {
                        pinfl,
                        document_kind,
                        document_number,
                        surname,
                        given_name,
                        patronymic,
                        birth_date,
                        sex,
                    }
                },
            );
        let mut tracking = self.tracking_number.into_iter();
        let mut channel = self.channel.into_iter();
        let mut service = self.service_code.into_iter();
        let mut version = self.catalog_version.into_iter();
        let mut form = self.form.into_iter();
        let mut fee = self.fee_uzs.into_iter();
        let mut clerk = self.clerk.into_iter();
        let mut filed = self.filed_at.into_iter();
        let mut history = self.history.into_iter();
        let mut documents = self.documents.into_iter();
        let mut receipt_code = self.receipt_code.into_iter();
        let mut rows = Vec::with_capacity(n);
        for id in self.id {
            // Every column was checked to hold n values.
            let (
                Some(tracking_number),
                Some(channel),
                Some(service_code),
                Some(catalog_version),
                Some(citizen),
                Some(form),
                Some(fee_uzs),
                Some(clerk),
                Some(filed_at),
                Some(history),
            ) = (
                tracking.next(),
                channel.next(),
                service.next(),
                version.next(),
                citizens.next(),
                form.next(),
                fee.next(),
                clerk.next(),
                filed.next(),
                history.next(),
            )
            else {
                return Err(RaggedColumns("id"));
            };
            rows.push(WireApplication {
                id,
                tracking_number,
                channel,
                service_code,
                catalog_version,
                citizen,
                form,
                fee_uzs,
                clerk,
                filed_at,
                history,
                documents: documents.next().unwrap_or_default(),
                receipt_code: receipt_code.next().flatten(),
            });
        }
        Ok(rows)
    }
}

/// The audit entries of an upload by column, one value per entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditColumns {
    /// Milliseconds: the first since 1970-01-01T00:00:00Z, each next one as the difference
    /// from the one before.
    #[serde(with = "millisecond_steps")]
    #[schema(value_type = Vec<i64>)]
    pub at: Vec<DateTime<Utc>>,
    pub actor: Vec<String>,
    pub action: Vec<String>,
    pub subject: Vec<String>,
    pub detail: Vec<String>,
}

impl AuditColumns {
    pub fn from_lines(lines: impl IntoIterator<Item = crate::audit::AuditLine>) -> AuditColumns {
        let mut c = AuditColumns::default();
        for l in lines {
            c.at.push(l.at);
            c.actor.push(l.actor);
            c.action.push(l.action);
            c.subject.push(l.subject);
            c.detail.push(l.detail);
        }
        c
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    pub fn into_lines(self) -> Result<Vec<crate::audit::AuditLine>, RaggedColumns> {
        let n = self.at.len();
        for (name, len) in [
            ("actor", self.actor.len()),
            ("action", self.action.len()),
            ("subject", self.subject.len()),
            ("detail", self.detail.len()),
        ] {
            if len != n {
                return Err(RaggedColumns(name));
            }
        }
        Ok(self
            .at
            .into_iter()
            .zip(self.actor)
            .zip(self.action)
            .zip(self.subject)
            .zip(self.detail)
            .map(
                |((((at, actor), action), subject), detail)| crate::audit::AuditLine {
                    at,
                    actor,
                    action,
                    subject,
                    detail,
                },
            )
            .collect())
    }
}

/// A column of instants as milliseconds, each after the first as the step from the one before:
/// filings and audit entries come seconds apart, so the steps are short numbers.
mod millisecond_steps {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    pub fn serialize<S: Serializer>(column: &[DateTime<Utc>], s: S) -> Result<S::Ok, S::Error> {
        let mut previous = 0i64;
        let steps: Vec<i64> = column
            .iter()
            .map(|t| {
                let ms = t.timestamp_millis();
                let step = ms - previous;
                previous = ms;
                step
            })
            .collect();
        steps.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DateTime<Utc>>, D::Error> {
        let mut at = 0i64;
        Vec::<i64>::deserialize(d)?
            .into_iter()
            .map(|step| {
                at = at
                    .checked_add(step)
                    .ok_or_else(|| D::Error::custom("time out of range"))?;
                DateTime::from_timestamp_millis(at)
                    .ok_or_else(|| D::Error::custom("time out of range"))
            })
            .collect()
    }
}

/// The audit part of a push in format 2: the entries after the head the portal acknowledged,
/// with only what the portal cannot derive, and one signature over their head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditUpload {
    /// The entry the first one follows: the head the portal acknowledged last, or this desk's
    /// newest entry if its chain is now shorter than that (0 before the first entry).
    #[schema(minimum = 0)]
    pub after_seq: i64,
    /// That entry's hash as the desk holds it (64 hex digits; 64 zeros before the first).
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub after_hash: String,
    /// The entries `after_seq + 1`, `after_seq + 2`, … in order, by column.
    pub entries: AuditColumns,
    /// The desk's newest entry: a push may carry fewer than it has, never a chain that ends
    /// before the head the portal acknowledged.
    #[schema(minimum = 0)]
    pub newest_seq: i64,
    /// The device's Ed25519 signature (128 hex digits) over its head: the last entry, or
    /// `after_seq` when none is sent (`ariza_core::audit::head_signing_input`).
    #[schema(pattern = "^[0-9a-fA-F]{128}$")]
    pub head_signature: String,
}

/// An audit chain's head: its newest entry and that entry's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditHead {
    pub seq: i64,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub hash: String,
}

/// Why the portal refused a push's audit entries (the applications are still answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRefusal {
    /// `audit_chain_broken`.
    pub code: crate::error::PortalCode,
    /// `shorter`: the chain ends before the head the portal acknowledged (entries were cut);
    /// `diverged`: it does not pass through that head (entries were changed or replaced);
    /// `gap`: it starts after entries the portal never received; `signature`: the signed head
    /// is not the head of the entries sent.
    pub reason: String,
    /// The head the portal holds for this device.
    pub acknowledged: Option<AuditHead>,
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
    /// Format 2: the head of this desk's audit chain the portal now holds, recomputed and its
    /// signature checked. The desk's next upload starts after it.
    #[serde(default)]
    pub audit_head: Option<AuditHead>,
    /// Set when the audit entries were refused; the portal recorded an alert.
    #[serde(default)]
    pub audit_refused: Option<AuditRefusal>,
    /// The batch's citizen merges the portal now holds (recorded now or before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merges_recorded: Vec<Uuid>,
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
    /// The portal's current keys for USB bundles (after a rotation, the new ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_keys: Option<BundleKeys>,
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

    /// The content digests this application had before the citizen merges that moved it,
    /// given newest first: an application delivered, then moved to a survivor before the
    /// desk heard it was delivered, arrives again under the survivor, and is the same
    /// application if undoing the merges gives back what was first received.
    pub fn digests_before_merges<'a>(
        &self,
        merges_newest_first: impl IntoIterator<Item = &'a CitizenMerge>,
    ) -> Vec<String> {
        let mut earlier = self.clone();
        let mut digests = Vec::new();
        for merge in merges_newest_first {
            if earlier.citizen == merge.survivor && merge.applications.contains(&self.id) {
                earlier.citizen = merge.merged.clone();
                digests.push(earlier.content_digest());
            }
        }
        digests
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::application::{HistoryEvent, Status};
    use crate::audit::AuditLine;

    fn application(n: u32, at: DateTime<Utc>) -> WireApplication {
        WireApplication {
            id: Uuid::now_v7(),
            tracking_number: format!("TSH01-261201-01-{n:05}-A"),
            channel: Channel::InPerson,
            service_code: if n.is_multiple_of(2) {
                "id-card"
            } else {
                "eri-key"
            }
            .into(),
            catalog_version: 1 + n % 2,
            citizen: WireCitizen {
                pinfl: format!("3120590026{n:04}"),
                document_kind: DocumentKind::Passport,
                document_number: format!("AA{n:07}"),
                surname: "Karimov".into(),
                given_name: "Sherzod".into(),
                patronymic: String::new(),
                birth_date: NaiveDate::from_ymd_opt(1990, 5, 12).unwrap(),
                sex: Sex::Male,
            },
            form: [("reason".to_string(), format!("r{n}"))]
                .into_iter()
                .collect(),
            fee_uzs: 82_400,
            clerk: "dilnoza".into(),
            filed_at: at,
            history: vec![HistoryEntry {
                from: Some(Status::Draft),
                to: Status::Filed,
                at,
                actor: "dilnoza".into(),
                actor_name: "Dilnoza".into(),
                reason: None,
                event: HistoryEvent::Status,
                detail: None,
            }],
            documents: Vec::new(),
            // Some with a code, some from desks before codes: the column keeps both.
            receipt_code: n.is_multiple_of(2).then(|| "7KQ4M2XD".to_string()),
        }
    }

    #[test]
    fn a_merge_undone_gives_back_the_digest_first_received() {
        let at = Utc::now();
        let first = application(1, at);
        let mut survivor = first.citizen.clone();
        survivor.pinfl = "31205900261234".into();
        let merge = |from: &WireCitizen, to: &WireCitizen, apps: Vec<Uuid>| CitizenMerge {
            id: Uuid::now_v7(),
            survivor: to.clone(),
            merged: from.clone(),
            applications: apps,
            reason: "bir odam".into(),
            by: "nodira".into(),
            merged_at: at,
        };
        let m1 = merge(&first.citizen, &survivor, vec![first.id]);
        let mut moved = first.clone();
        moved.citizen = survivor.clone();
        assert_ne!(moved.content_digest(), first.content_digest());
        assert_eq!(
            moved.digests_before_merges([&m1]),
            vec![first.content_digest()]
        );
        // Two merges in a row are undone newest first.
        let mut last = survivor.clone();
        last.surname = "Xoʻjayev".into();
        let m2 = merge(&survivor, &last, vec![first.id]);
        let mut twice = first.clone();
        twice.citizen = last;
        assert!(
            twice
                .digests_before_merges([&m2, &m1])
                .contains(&first.content_digest())
        );
        // A merge that did not move this application, or moved it from someone else, undoes
        // nothing: a changed application stays a conflict.
        let other = merge(&first.citizen, &survivor, vec![Uuid::now_v7()]);
        assert!(moved.digests_before_merges([&other]).is_empty());
        let mut stranger = first.citizen.clone();
        stranger.given_name = "Boshqa".into();
        let elsewhere = merge(&first.citizen, &stranger, vec![first.id]);
        assert!(moved.digests_before_merges([&elsewhere]).is_empty());
        assert!(moved.digests_before_merges([]).is_empty());
    }

    #[test]
    fn columns_give_back_the_very_applications_and_entries() {
        let t0 = DateTime::from_timestamp_millis(1_796_000_000_123).unwrap();
        // Out of order on purpose: a desk's clock can step back.
        let times = [
            t0,
            t0 + chrono::Duration::milliseconds(412),
            t0 - chrono::Duration::days(3),
        ];
        let rows: Vec<WireApplication> = times
            .iter()
            .enumerate()
            .map(|(i, t)| application(i as u32, *t))
            .collect();
        let lines: Vec<AuditLine> = times
            .iter()
            .map(|t| AuditLine {
                at: *t,
                actor: "dilnoza".into(),
                action: "application.file".into(),
                subject: "x".into(),
                detail: String::new(),
            })
            .collect();
        let batch = PushBatchV2 {
            applications: ApplicationColumns::from_rows(rows.clone()),
            audit: AuditUpload {
                after_seq: 0,
                after_hash: crate::audit::GENESIS.into(),
                entries: AuditColumns::from_lines(lines.clone()),
                newest_seq: 3,
                head_signature: "00".repeat(64),
            },
            merges: Vec::new(),
        };
        let json = serde_json::to_value(&batch).unwrap();
        assert_eq!(
            json["applications"]["filed_at"][1], 412,
            "steps, not instants"
        );
        let back: PushBatchV2 = serde_json::from_value(json).unwrap();
        let digests: Vec<String> = rows.iter().map(WireApplication::content_digest).collect();
        let rows_back = back.applications.into_rows().unwrap();
        assert_eq!(rows_back, rows);
        assert_eq!(
            rows_back
                .iter()
                .map(WireApplication::content_digest)
                .collect::<Vec<_>>(),
            digests
        );
        assert_eq!(back.audit.entries.into_lines().unwrap(), lines);
    }

    #[test]
    fn ragged_columns_are_refused() {
        let mut c = ApplicationColumns::from_rows(vec![application(1, Utc::now())]);
        c.citizen.sex.clear();
        assert_eq!(c.into_rows(), Err(RaggedColumns("citizen.sex")));
        let mut a = AuditColumns::default();
        a.actor.push("x".into());
        assert_eq!(a.into_lines(), Err(RaggedColumns("actor")));
    }
}

/// The newest desk release for a platform, in the shape of Tauri's updater manifest: the
/// version, its notes and date, and per platform (`linux-x86_64-deb`) where the package is and
/// its minisign signature (base64-wrapped, as Tauri carries it). The portal answers 204 when
/// the desk is up to date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeskUpdate {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pub_date: Option<String>,
    pub platforms: std::collections::BTreeMap<String, DeskUpdatePlatform>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeskUpdatePlatform {
    pub signature: String,
    /// The package's address: absolute (Tauri's updater takes no other), relative to the
    /// portal's only when the request named no usable host.
    pub url: String,
}
