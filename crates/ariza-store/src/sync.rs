//! The desk's side of delivery: what waits in the outbox, what the portal answered, and the
//! decisions it sends back. Each step is one transaction, so a kill at any point leaves either
//! the old state or the new one, and the sync engine simply runs again.

use ariza_core::application::Status;
use ariza_core::audit::AuditAction;
use ariza_core::receipt_code::ReceiptCode;
use ariza_core::staff::{Action, Actor};
use ariza_core::wire::{
    BundleKeys, ChangeKind, ChangesResponse, Channel, EnrollResponse, ItemResult, Outcome,
    PushResponse, WireApplication, WireCitizen,
};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::stored::{StoredForm, StoredRow, parse_stored};
use crate::{Result, Store, StoreError, ts};

/// The device's enrollment with the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub portal_url: String,
    pub device_id: Uuid,
    /// The device's Ed25519 private key (hex), kept only inside the encrypted database.
    pub signing_key: String,
    /// The portal's public-key pins (SHA-256 of its certificate's SubjectPublicKeyInfo,
    /// base64), at most two: its current key and a backup. Empty: the web PKI decides.
    pub pins: Vec<String>,
    /// A pin from before key pinning: SHA-256 of the whole certificate (hex). Still honoured;
    /// the engine replaces it with that certificate's key pin at the first connection it
    /// matched ([`Store::adopt_key_pin`]).
    pub legacy_cert_pin: Option<String>,
}

/// What the desk shows about delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub portal_url: Option<String>,
    #[ts(type = "string | null")]
    pub last_success_at: Option<DateTime<Utc>>,
    /// A Fluent key for the last failure, cleared by the next success.
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub backlog: i64,
    #[ts(type = "number")]
    pub quarantined: i64,
    /// Where the device secret is kept, for the status line's warning when it is in a file
    /// because no OS keyring answered; `None` when the device keeps none.
    #[serde(default)]
    pub device_key: Option<crate::DeviceKeyLocation>,
    /// A Fluent key when the desk's audit trail no longer extends what the portal
    /// acknowledged (entries removed or changed after delivery): stays until IT clears it by
    /// enrolling the desk again.
    pub audit_alert: Option<String>,
    /// The disk holding the database has less room than a day's work with scans needs (the
    /// rule of `ariza doctor`: under 1 GiB or a tenth of the disk). Never set where free space
    /// cannot be read.
    #[serde(default)]
    pub low_disk_space: bool,
    /// Scans the documents lane still has to deliver, their bytes in all and how many of
    /// those the portal already confirmed (the status line's progress bar).
    #[serde(default)]
    pub documents: DocumentsBacklog,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentsBacklog {
    #[ts(type = "number")]
    pub waiting: i64,
    #[ts(type = "number")]
    pub bytes: i64,
    #[ts(type = "number")]
    pub sent_bytes: i64,
}

/// What one push changed locally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushApplied {
    pub delivered: usize,
    pub conflicts: usize,
    pub rejected: usize,
}

fn get(tx: &rusqlite::Connection, key: &str) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

fn set(tx: &rusqlite::Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

fn portal_staff_id(tx: &rusqlite::Connection) -> rusqlite::Result<i64> {
    tx.query_row("SELECT id FROM staff WHERE username = 'portal'", [], |r| {
        r.get(0)
    })
}

/// Moves an application to `to` with a history entry, if that is a legal move from where it is
/// now; returns false (and changes nothing) when it is already there or the move is illegal,
/// which makes re-applying the same change harmless.
fn transition(
    tx: &Transaction<'_>,
    id: &str,
    to: Status,
    reason: Option<&str>,
    at: &str,
    staff_id: i64,
) -> Result<bool> {
    let current: Option<String> = tx
        .prepare_cached("SELECT status FROM application WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let Some(current) = current else {
        return Ok(false);
    };
    let current: Status = parse_stored(&current, "application", "status")?;
    if current == to || !current.can_become(to) {
        return Ok(false);
    }
    tx.prepare_cached("UPDATE application SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, to.as_str(), at])?;
    tx.prepare_cached(
        "INSERT INTO application_history (application_id, from_status, to_status, at, staff_id, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, current.as_str(), to.as_str(), at, staff_id, reason])?;
    Ok(true)
}

/// The portal has the application: it leaves the outbox and becomes "delivered". Returns
/// false when it had already left (an acknowledgement seen twice changes nothing).
fn deliver(tx: &Transaction<'_>, id: &str, at: &str, portal: i64) -> Result<bool> {
    let removed = tx
        .prepare_cached("DELETE FROM outbox WHERE application_id = ?1")?
        .execute([id])?;
    if removed > 0 {
        transition(tx, id, Status::Delivered, None, at, portal)?;
    }
    Ok(removed > 0)
}

impl Store {
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        let conn = self.conn();
        let (Some(url), Some(device), Some(signing_key)) = (
            get(&conn, "portal_url")?,
            get(&conn, "device_id")?,
            get(&conn, "signing_key")?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Enrollment {
            portal_url: url,
            device_id: parse_stored(&device, "sync_state", "device_id")?,
            signing_key,
            pins: get(&conn, "spki_pins")?
                .map(|p| p.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
            legacy_cert_pin: get(&conn, "pinned_cert")?,
        }))
    }

    /// The portal's certificate matched the legacy certificate pin: from now on the desk pins
    /// that certificate's public key instead (`pin`, base64), so the portal's next
    /// certificate with the same key is accepted too. Does nothing once converted.
    pub fn adopt_key_pin(&self, pin: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if get(&tx, "pinned_cert")?.is_some() {
            set(&tx, "spki_pins", pin)?;
            tx.execute("DELETE FROM sync_state WHERE key = 'pinned_cert'", [])?;
            tracing::info!("legacy certificate pin replaced by the certificate's key pin");
        }
        tx.commit()?;
        Ok(())
    }

    /// Refuses anyone who may not enroll this desk (administrators only: enrolling binds the
    /// desk to a portal). The sync engine asks before it spends the one-time code;
    /// [`Store::save_enrollment`] checks again, so no front end can skip it.
    pub fn authorize_enrollment(&self, actor: &Actor) -> Result<()> {
        actor.role.require(Action::ManageCenter)?;
        Ok(())
    }

    /// Records the portal's answer to enrollment, by an administrator (recorded in the audit
    /// trail). The desk must have been set up for the same center; the portal's device number
    /// replaces the provisional one.
    pub fn save_enrollment(
        &self,
        actor: &Actor,
        portal_url: &str,
        resp: &EnrollResponse,
        signing_key: &str,
        pins: &[String],
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.authorize_enrollment(actor)?;
        let center = self.require_center()?;
        if center.code != resp.center.code {
            return Err(StoreError::NotFound("err-enroll-center-mismatch"));
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        set(&tx, "portal_url", portal_url.trim_end_matches('/'))?;
        set(&tx, "device_id", &resp.device_id.to_string())?;
        set(&tx, "signing_key", signing_key)?;
        tx.execute("DELETE FROM sync_state WHERE key = 'pinned_cert'", [])?;
        if pins.is_empty() {
            tx.execute("DELETE FROM sync_state WHERE key = 'spki_pins'", [])?;
        } else {
            set(&tx, "spki_pins", &pins.join(","))?;
        }
        set(&tx, "cursor", "0")?;
        // A new device starts a new acknowledged chain on the portal: the audit trail is
        // sent again from where this desk's chain stands, and an old alert is cleared.
        crate::audit::forget_acknowledgement(&tx)?;
        crate::audit::record(
            &tx,
            at,
            &actor.username,
            AuditAction::DeviceEnroll,
            &resp.device_id.to_string(),
            "",
        )?;
        tx.execute("UPDATE center SET device_number = ?1", [resp.device_number])?;
        tx.commit()?;
        tracing::info!(device = %resp.device_id, "enrolled with the portal");
        Ok(())
    }

    /// Up to `limit` applications waiting for delivery, oldest first, as the wire carries them.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<WireApplication>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.tracking_number, a.service_code, a.catalog_version, a.form, a.fee_uzs, s.username, a.filed_at,
                    c.pinfl, c.document_kind, c.document_number, c.surname, c.given_name, c.patronymic, c.birth_date, c.sex,
                    a.receipt_code
             FROM outbox o JOIN application a ON a.id = o.application_id
             JOIN citizen c ON c.id = a.citizen_id JOIN staff s ON s.id = a.clerk_id
             WHERE o.quarantined_at IS NULL
             ORDER BY o.id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(WireApplication {
                id: r.stored(0, "application", "id")?,
                tracking_number: r.get(1)?,
                channel: Channel::InPerson,
                service_code: r.get(2)?,
                catalog_version: r.get(3)?,
                citizen: WireCitizen {
                    pinfl: r.get(8)?,
                    document_kind: r.stored(9, "citizen", "document_kind")?,
                    document_number: r.get(10)?,
                    surname: r.get(11)?,
                    given_name: r.get(12)?,
                    patronymic: r.get(13)?,
                    birth_date: r.stored(14, "citizen", "birth_date")?,
                    sex: r.stored(15, "citizen", "sex")?,
                },
                form: r.stored::<StoredForm>(4, "application", "form")?.0,
                fee_uzs: r.get(5)?,
                clerk: r.get(6)?,
                filed_at: r.stored(7, "application", "filed_at")?,
                history: Vec::new(),
                documents: Vec::new(),
                receipt_code: r
                    .stored_opt::<ReceiptCode>(16, "application", "receipt_code")?
                    .map(|c| c.as_str().to_string()),
            })
        })?;
        // One unreadable row fails the whole batch: a defaulted record must never reach the
        // portal, where it would be decided as if it were the citizen's.
        let mut out = Vec::new();
        for row in rows {
            let mut app = row?;
            let id = app.id.to_string();
            app.history = crate::applications::load_history(&conn, &id)?;
            app.documents = crate::documents::wire_documents(&conn, &id)?;
            out.push(app);
        }
        Ok(out)
    }

    /// Applies the portal's answer to a push in one transaction: delivered items leave the
    /// queue and become "delivered"; conflicts and refusals are quarantined with the reason.
    pub fn apply_push(&self, resp: &PushResponse) -> Result<PushApplied> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let at = ts(resp.received_at);
        let applied = apply_results(&tx, &resp.results, &at)?;
        crate::citizen_merge::acknowledge(&tx, &resp.merges_recorded, &at)?;
        set(&tx, "last_success_at", &at)?;
        tx.execute("DELETE FROM sync_state WHERE key = 'last_error'", [])?;
        if let Some(head) = &resp.audit_head {
            crate::audit::acknowledge(&tx, head)?;
        } else if let Some(seq) = resp.audit_stored_to {
            crate::audit::mark_delivered(&tx, seq)?;
        }
        if let Some(refusal) = &resp.audit_refused {
            crate::audit::raise_alert(&tx, resp.received_at, &refusal.reason)?;
        }
        record_applied(&tx, resp.received_at, applied)?;
        tx.commit()?;
        Ok(applied)
    }

    /// What a USB bundle from the portal says it holds of this desk's work: its
    /// applications (as a push would have answered them), the newest audit entry, and the
    /// documents it has whole. Applied as a push's answer is, except that it is no sign of a
    /// link (the status line's last sync stays as it was).
    pub fn apply_bundle_acknowledgement(
        &self,
        results: &[ItemResult],
        audit_head: Option<&ariza_core::wire::AuditHead>,
        documents: &[(Uuid, String)],
        merges: &[Uuid],
        at: DateTime<Utc>,
    ) -> Result<PushApplied> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let applied = apply_results(&tx, results, &ts(at))?;
        crate::citizen_merge::acknowledge(&tx, merges, &ts(at))?;
        if let Some(head) = audit_head {
            // Only forward: an older bundle's head is behind what is already acknowledged.
            if head.seq > crate::audit::acknowledged_seq(&tx)? {
                crate::audit::acknowledge(&tx, head)?;
            }
        }
        for (application, sha256) in documents {
            tx.prepare_cached(
                "UPDATE application_document SET delivered_at = ?3,
                     uploaded_bytes = (SELECT length(bytes) FROM document_blob b WHERE b.sha256 = ?2)
                 WHERE application_id = ?1 AND sha256 = ?2 AND delivered_at IS NULL",
            )?
            .execute(params![application.to_string(), sha256, ts(at)])?;
        }
        record_applied(&tx, at, applied)?;
        tx.commit()?;
        Ok(applied)
    }
}

/// One result per application of a push's answer, applied in the caller's transaction.
fn apply_results(tx: &Transaction<'_>, results: &[ItemResult], at: &str) -> Result<PushApplied> {
    let portal = portal_staff_id(tx)?;
    let at = at.to_string();
    let mut applied = PushApplied::default();
    {
        for item in results {
            let id = item.id.to_string();
            match item.outcome {
                Outcome::Accepted | Outcome::Duplicate => {
                    if deliver(tx, &id, &at, portal)? {
                        applied.delivered += 1;
                    }
                    // The portal's deadline, counted from its own clock, replaces the desk's.
                    if let Some(due) = item.due_date {
                        tx.prepare_cached("UPDATE application SET due_date = ?2 WHERE id = ?1")?
                            .execute(params![id, due.format("%Y-%m-%d").to_string()])?;
                    }
                }
                Outcome::Conflict | Outcome::Rejected => {
                    tx.prepare_cached(
                        "UPDATE outbox SET quarantined_at = ?2, quarantine_code = ?3, quarantine_key = ?4, attempts = attempts + 1
                         WHERE application_id = ?1",
                    )?
                    .execute(params![id, at, item.code, item.message_key])?;
                    if item.outcome == Outcome::Conflict {
                        applied.conflicts += 1;
                    } else {
                        applied.rejected += 1;
                    }
                }
            }
        }
    }
    Ok(applied)
}

fn record_applied(tx: &Transaction<'_>, at: DateTime<Utc>, applied: PushApplied) -> Result<()> {
    if applied.delivered + applied.conflicts + applied.rejected > 0 {
        let detail = format!(
            "delivered={} conflicts={} rejected={}",
            applied.delivered, applied.conflicts, applied.rejected
        );
        crate::audit::record(tx, at, "portal", AuditAction::SyncPush, "", &detail)?;
    }
    Ok(())
}

impl Store {
    /// The portal's keys for USB bundles, as enrollment or the feed gave them: the recipient
    /// to encrypt to, and its signing keys, newest first (a bundle written before a rotation
    /// still verifies; at most three are kept).
    pub fn portal_bundle_keys(&self) -> Result<Option<(String, Vec<String>)>> {
        let conn = self.conn();
        let (Some(recipient), Some(keys)) = (
            get(&conn, "portal_bundle_recipient")?,
            get(&conn, "portal_signing_keys")?,
        ) else {
            return Ok(None);
        };
        Ok(Some((
            recipient,
            keys.split(',').map(str::to_string).collect(),
        )))
    }

    /// Keeps the portal's current bundle keys (nothing changes when they are the same).
    pub fn save_portal_bundle_keys(&self, keys: &BundleKeys) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut signing: Vec<String> = get(&tx, "portal_signing_keys")?
            .map(|k| k.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        signing.retain(|k| k != &keys.signing_key);
        signing.insert(0, keys.signing_key.clone());
        signing.truncate(3);
        set(&tx, "portal_bundle_recipient", &keys.recipient)?;
        set(&tx, "portal_signing_keys", &signing.join(","))?;
        tx.commit()?;
        Ok(())
    }

    /// The desk's own secret for the portal's bundles (an age identity), kept in the
    /// encrypted database; made at enrollment.
    pub fn bundle_identity(&self) -> Result<Option<String>> {
        Ok(get(&self.conn(), "bundle_identity")?)
    }

    pub fn save_bundle_identity(&self, secret: &str) -> Result<()> {
        set(&self.conn(), "bundle_identity", secret)?;
        Ok(())
    }

    /// Where the change feed was read up to.
    pub fn change_cursor(&self) -> Result<i64> {
        // Not enrolled yet: the feed starts at the beginning.
        match get(&self.conn(), "cursor")? {
            None => Ok(0),
            Some(c) => parse_stored(&c, "sync_state", "cursor"),
        }
    }

    /// Applies the portal's changes (decisions, catalog versions, staff) and advances the
    /// cursor in the same transaction, so a change is never skipped and applying one twice
    /// changes nothing.
    ///
    /// The feed carries a password's hash, never the password, so a slot cannot be rewrapped
    /// from it: a person whose password changed loses their key slot (the old password opens
    /// nothing) and gets a new one at their next sign-in; a person deactivated loses theirs
    /// and the database is rekeyed.
    pub fn apply_changes(&self, resp: &ChangesResponse) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let portal = portal_staff_id(&tx)?;
        let mut applied = 0;
        let mut catalog_changed = false;
        let mut removed_staff = Vec::new();
        let mut slot_dropped = Vec::new();
        let mut removed_at = None;
        for change in &resp.changes {
            let at = ts(change.at);
            match change.kind {
                ChangeKind::Decision => {
                    let (Some(application_id), Some(status)) =
                        (change.application_id, change.status)
                    else {
                        continue;
                    };
                    let id = application_id.to_string();
                    // A decision can arrive before this desk saw the delivery acknowledged (the
                    // answer to its push was lost): the application is on the portal, so it is
                    // delivered.
                    if Status::ON_PORTAL.contains(&status) {
                        deliver(&tx, &id, &at, portal)?;
                        if status != Status::InReview {
                            transition(&tx, &id, Status::InReview, None, &at, portal)?;
                        }
                    }
                    if transition(&tx, &id, status, change.reason.as_deref(), &at, portal)? {
                        crate::audit::record(
                            &tx,
                            change.at,
                            &change.actor,
                            AuditAction::ApplicationDecision,
                            &id,
                            status.as_str(),
                        )?;
                        applied += 1;
                    }
                }
                ChangeKind::Catalog => {
                    let Some(catalog) = &change.catalog else {
                        continue;
                    };
                    // Only newer versions; an application keeps the version it was filed under.
                    let n = tx.execute(
                        "INSERT INTO catalog (version, body, received_at) SELECT ?1, ?2, ?3
                         WHERE ?1 > (SELECT coalesce(max(version), 0) FROM catalog)",
                        params![catalog.version, serde_json::to_string(catalog)?, at],
                    )?;
                    if n > 0 {
                        catalog_changed = true;
                        applied += 1;
                    }
                }
                ChangeKind::Staff => {
                    let Some(staff) = &change.staff else { continue };
                    if staff.username == "portal" {
                        continue;
                    }
                    let before: Option<(String, bool)> = tx
                        .query_row(
                            "SELECT password_hash, active FROM staff WHERE username = ?1",
                            [&staff.username],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?;
                    tx.execute(
                        "INSERT INTO staff (username, full_name, role, password_hash, active, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (username) DO UPDATE SET full_name = excluded.full_name, role = excluded.role,
                             password_hash = excluded.password_hash, active = excluded.active",
                        params![staff.username, staff.full_name, staff.role.as_str(), staff.password_hash, staff.active, at],
                    )?;
                    crate::audit::record(
                        &tx,
                        change.at,
                        &change.actor,
                        AuditAction::StaffSync,
                        &staff.username,
                        staff.role.as_str(),
                    )?;
                    if let Some((hash, was_active)) = before {
                        if !staff.active && was_active {
                            removed_staff.push(staff.username.clone());
                            removed_at = Some(change.at);
                        } else if hash != staff.password_hash {
                            slot_dropped.push(staff.username.clone());
                        }
                    }
                    applied += 1;
                }
            }
        }
        set(&tx, "cursor", &resp.next_cursor.to_string())?;
        if !removed_staff.is_empty() {
            crate::rekey::request(&tx, &removed_staff.join(","))?;
        }
        // Before the commit, as a local password change does: should the commit fail, a slot
        // is missing (recreated at the next sign-in), never one the old password still opens.
        if !removed_staff.is_empty() || !slot_dropped.is_empty() {
            self.edit_slots(|slots, _| {
                for username in removed_staff.iter().chain(&slot_dropped) {
                    slots.remove_staff(username);
                }
                Ok(())
            })?;
        }
        tx.commit()?;
        drop(conn);
        if catalog_changed {
            self.forget_catalog();
        }
        if let Some(at) = removed_at {
            // The changes are applied whatever happens here: a rekey that fails is kept as
            // requested and runs again at the next sign-in.
            if let Err(e) = self.rotate_key("portal", &removed_staff.join(","), at) {
                tracing::warn!(error = %e, "rekey after a removal from the feed failed");
            }
        }
        Ok(applied)
    }

    /// A push of these applications failed (`key` says why): each counts an attempt and keeps
    /// the reason, for the supervisor's delivery queue. They stay queued.
    pub fn record_push_failure(&self, ids: &[uuid::Uuid], key: &str) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE application_id = ?1",
            )?;
            for id in ids {
                stmt.execute(params![id.to_string(), key])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Remembers why the last attempt failed (a Fluent key), for the desk's status line.
    pub fn record_sync_error(&self, key: &str) -> Result<()> {
        set(&self.conn(), "last_error", key)?;
        Ok(())
    }

    /// Whether an application waits for delivery (quarantined ones do not wait): cheap, for
    /// the documents lane to give way to records.
    pub fn records_waiting(&self) -> Result<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE quarantined_at IS NULL)")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let conn = self.conn();
        let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [], |r| r.get(0)) };
        Ok(SyncStatus {
            portal_url: get(&conn, "portal_url")?,
            last_success_at: get(&conn, "last_success_at")?
                .map(|s| parse_stored(&s, "sync_state", "last_success_at"))
                .transpose()?,
            last_error: get(&conn, "last_error")?,
            backlog: count(crate::applications::BACKLOG_SQL)?,
            quarantined: count("SELECT count(*) FROM outbox WHERE quarantined_at IS NOT NULL")?,
            device_key: self.device_key(),
            audit_alert: get(&conn, crate::audit::ALERT_KEY)?,
            documents: {
                let (waiting, bytes, sent_bytes) = crate::documents::lane_backlog(&conn)?;
                DocumentsBacklog {
                    waiting,
                    bytes,
                    sent_bytes,
                }
            },
            low_disk_space: self
                .path
                .parent()
                .and_then(crate::disk::free_space)
                .is_some_and(|space| {
                    crate::health::free_space_severity(space) != crate::health::Severity::Ok
                }),
        })
    }
}
