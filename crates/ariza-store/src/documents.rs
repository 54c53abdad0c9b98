//! Scans attached to applications: normalized ([`crate::scan`]), stored once per SHA-256
//! inside the encrypted database, linked to an application under one of its service's
//! document requirements.

use ariza_core::application::DocumentRef;
use ariza_core::audit::AuditAction;
use ariza_core::catalog::{DocumentFormat, Service};
use ariza_core::clock::Clock;
use ariza_core::error::{DomainError, FieldError};
use ariza_core::staff::{Action, Actor};
use ariza_core::wire::WireDocument;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;
use uuid::Uuid;

use crate::scan::{ScanError, ScanLimits, normalize};
use crate::stored::StoredRow;
use crate::{Result, Store, StoreError, ts};

/// A scan as stored: what the form, the detail screen and the CLI show of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StoredScan {
    pub sha256: String,
    pub format: DocumentFormat,
    pub media_type: String,
    #[ts(type = "number")]
    pub original_size: i64,
    #[ts(type = "number")]
    pub stored_size: i64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Whether this file was already stored (attached before): nothing new was written.
    pub already_stored: bool,
}

/// One document attached to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AttachedDocument {
    pub requirement_key: String,
    pub scan: StoredScan,
    pub attached_at: String,
    pub attached_by: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The columns [`scan_at`] reads, in its order, from `document_blob b` and the original's
/// size `original_size` of the row it is joined to.
const SCAN_COLUMNS: &str =
    "b.sha256, b.format, b.media_type, original_size, length(b.bytes), b.width, b.height";

/// A stored scan from the [`SCAN_COLUMNS`] of a row, starting at column `first`.
fn scan_at(r: &Row, first: usize) -> rusqlite::Result<StoredScan> {
    Ok(StoredScan {
        sha256: r.get(first)?,
        format: r.stored(first + 1, "document_blob", "format")?,
        media_type: r.get(first + 2)?,
        original_size: r.get(first + 3)?,
        stored_size: r.get(first + 4)?,
        width: r.get(first + 5)?,
        height: r.get(first + 6)?,
        already_stored: true,
    })
}

pub(crate) fn format_name(format: DocumentFormat) -> &'static str {
    match format {
        DocumentFormat::Image => "image",
        DocumentFormat::Pdf => "pdf",
    }
}

/// A supervisor's rule for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct ServiceRule {
    pub service_code: String,
    /// Applications may be filed before every required document is attached.
    pub documents_to_follow: bool,
}

/// Links the scans a filing names to the new application, in the filing's transaction (the
/// caller checked them with [`Store::check_documents`]).
pub(crate) fn file_documents(
    tx: &Connection,
    application_id: &str,
    documents: &[DocumentRef],
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let at = ts(now);
    for d in documents {
        let added = tx
            .prepare_cached(
                "INSERT INTO application_document
                     (application_id, requirement_key, sha256, original_size, attached_at, attached_by)
                 SELECT ?1, ?2, b.sha256,
                        coalesce((SELECT max(original_size) FROM document_source s WHERE s.sha256 = b.sha256),
                                 length(b.bytes)),
                        ?4, ?5
                 FROM document_blob b WHERE b.sha256 = ?3
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![application_id, d.requirement_key, d.sha256, at, actor.staff_id])?;
        if added == 1 {
            crate::audit::record(
                tx,
                now,
                &actor.username,
                AuditAction::DocumentAttach,
                application_id,
                &format!("{} {}", d.requirement_key, d.sha256),
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// Checks the scans a filing names: each is stored, filed under one of the service's
    /// documents that accepts its kind; and every required document has one, unless the
    /// supervisor allows documents to follow for the service. Each missing document is named
    /// (in the desk's language) as its own field, `documents.KEY`.
    pub(crate) fn check_documents(
        &self,
        service: &Service,
        documents: &[DocumentRef],
    ) -> Result<()> {
        let mut errors = Vec::new();
        for d in documents {
            let field = format!("documents.{}", d.requirement_key);
            let Some(requirement) = service
                .documents
                .iter()
                .find(|r| r.key == d.requirement_key)
            else {
                errors.push(FieldError::new(field, "err-document-kind-unknown"));
                continue;
            };
            let format: Option<DocumentFormat> = self
                .conn()
                .prepare_cached("SELECT format FROM document_blob WHERE sha256 = ?1")?
                .query_row([&d.sha256], |r| r.stored(0, "document_blob", "format"))
                .optional()?;
            match format {
                None => errors.push(FieldError::new(field, "err-document-not-stored")),
                Some(f) if !requirement.accepts(f) => {
                    errors.push(FieldError::new(field, "err-document-format-not-accepted"))
                }
                Some(_) => {}
            }
        }
        if !self.service_rule(&service.code)?.documents_to_follow {
            let locale = self.settings()?.locale;
            for r in service.documents.iter().filter(|r| r.required) {
                if !documents.iter().any(|d| d.requirement_key == r.key) {
                    errors.push(
                        FieldError::new(format!("documents.{}", r.key), "err-document-required")
                            .with("document", r.name.get(locale)),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors).into())
        }
    }

    /// The supervisor's rule for a service (none set: documents must all be attached).
    pub fn service_rule(&self, service_code: &str) -> Result<ServiceRule> {
        let follow: Option<bool> = self
            .conn()
            .prepare_cached("SELECT documents_to_follow FROM service_rule WHERE service_code = ?1")?
            .query_row([service_code], |r| r.get(0))
            .optional()?;
        Ok(ServiceRule {
            service_code: service_code.to_string(),
            documents_to_follow: follow.unwrap_or(false),
        })
    }

    /// Every service's rule, in the catalog's order.
    pub fn service_rules(&self) -> Result<Vec<ServiceRule>> {
        let catalog = self.catalog()?;
        catalog
            .services
            .iter()
            .map(|s| self.service_rule(&s.code))
            .collect()
    }

    /// Sets whether a service's applications may be filed with documents to follow: a
    /// supervisor's decision, audited.
    pub fn set_service_rule(
        &self,
        actor: &Actor,
        rule: &ServiceRule,
        clock: &dyn Clock,
    ) -> Result<ServiceRule> {
        actor.role.require(Action::Supervise)?;
        if self.catalog()?.service(&rule.service_code).is_none() {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "service_code",
                "err-service-not-found",
            )])
            .into());
        }
        let now = clock.now();
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        tx.prepare_cached(
            "INSERT INTO service_rule (service_code, documents_to_follow, set_by, set_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (service_code) DO UPDATE SET documents_to_follow = excluded.documents_to_follow,
                 set_by = excluded.set_by, set_at = excluded.set_at",
        )?
        .execute(params![rule.service_code, rule.documents_to_follow, actor.staff_id, ts(now)])?;
        crate::audit::record(
            &tx,
            now,
            &actor.username,
            AuditAction::ServiceRuleSet,
            &rule.service_code,
            if rule.documents_to_follow {
                "documents_to_follow"
            } else {
                "documents_required"
            },
        )?;
        tx.commit()?;
        drop(conn);
        self.service_rule(&rule.service_code)
    }

    /// Normalizes a file and stores it (once: the same file, or a file that normalizes to
    /// the same bytes, is stored once). Refused files store nothing. Slow for a large photo
    /// (decoding and re-encoding it): the desk calls it off its main thread.
    pub fn store_scan(
        &self,
        bytes: &[u8],
        file_name: &str,
        clock: &dyn Clock,
    ) -> Result<StoredScan> {
        let original_sha256 = sha256_hex(bytes);
        if let Some(known) = self.scan_from_source(&original_sha256)? {
            return Ok(known);
        }
        let scan = normalize(bytes, file_name, &ScanLimits::default())?;
        let sha256 = sha256_hex(&scan.bytes);
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        tx.prepare_cached(
            "INSERT INTO document_blob (sha256, format, media_type, bytes, thumbnail, width, height, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            sha256,
            format_name(scan.format),
            scan.media_type,
            scan.bytes,
            scan.thumbnail,
            scan.width,
            scan.height,
            ts(clock.now()),
        ])?;
        tx.prepare_cached(
            "INSERT INTO document_source (original_sha256, original_size, sha256) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![original_sha256, scan.original_size as i64, sha256])?;
        tx.commit()?;
        tracing::info!(
            original_bytes = scan.original_size,
            stored_bytes = scan.bytes.len(),
            "scan stored"
        );
        Ok(StoredScan {
            sha256,
            format: scan.format,
            media_type: scan.media_type.to_string(),
            original_size: scan.original_size as i64,
            stored_size: scan.bytes.len() as i64,
            width: scan.width,
            height: scan.height,
            already_stored: false,
        })
    }

    /// [`Store::store_scan`] of a file on disk (the file picker, a drop, the scanner
    /// folder). A file larger than any scan may be is refused before it is read.
    pub fn store_scan_file(&self, path: &std::path::Path, clock: &dyn Clock) -> Result<StoredScan> {
        let limits = ScanLimits::default();
        let largest = limits.max_image_bytes.max(limits.max_pdf_bytes) as u64;
        let size = std::fs::metadata(path)
            .map_err(|_| ScanError::Unreadable)?
            .len();
        if size > largest {
            return Err(ScanError::TooLarge {
                limit_mib: (largest / (1024 * 1024)) as usize,
            }
            .into());
        }
        let bytes = std::fs::read(path).map_err(|_| ScanError::Unreadable)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.store_scan(&bytes, &name, clock)
    }

    /// A stored scan by its SHA-256 (to attach it to an application after filing).
    pub fn stored_scan(&self, sha256: &str) -> Result<StoredScan> {
        let sql = format!(
            "SELECT {SCAN_COLUMNS} FROM document_blob b
             LEFT JOIN (SELECT sha256, max(original_size) AS original_size FROM document_source
                        GROUP BY sha256) s ON s.sha256 = b.sha256
             WHERE b.sha256 = ?1"
        );
        let conn = self.conn();
        let scan = conn
            .prepare_cached(&sql)?
            .query_row([sha256], |r| scan_at(r, 0))
            .optional()?;
        scan.ok_or(StoreError::NotFound("err-document-not-stored"))
    }

    fn scan_from_source(&self, original_sha256: &str) -> Result<Option<StoredScan>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {SCAN_COLUMNS} FROM document_source s
             JOIN document_blob b ON b.sha256 = s.sha256 WHERE s.original_sha256 = ?1"
        );
        Ok(conn
            .prepare_cached(&sql)?
            .query_row([original_sha256], |r| scan_at(r, 0))
            .optional()?)
    }

    /// Attaches a stored scan to an application (by id or tracking number) under one of its
    /// service's documents, which must accept the scan's format. Attaching the same scan
    /// under the same document again changes nothing. Returns the attachment, and whether it
    /// is new (false: it was attached before).
    pub fn attach_scan(
        &self,
        actor: &Actor,
        application: &str,
        requirement_key: &str,
        scan: &StoredScan,
        clock: &dyn Clock,
    ) -> Result<(AttachedDocument, bool)> {
        actor.role.require(Action::FileApplication)?;
        let app = self.application(application)?;
        let catalog = self.catalog()?;
        let requirement = catalog
            .service(&app.service_code)
            .and_then(|s| s.documents.iter().find(|d| d.key == requirement_key))
            .ok_or(StoreError::NotFound("err-document-kind-unknown"))?;
        if !requirement.accepts(scan.format) {
            return Err(StoreError::DocumentFormatNotAccepted);
        }
        let now = clock.now();
        let at = ts(now);
        let id = app.id.to_string();
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        let added = tx
            .prepare_cached(
                "INSERT INTO application_document
                     (application_id, requirement_key, sha256, original_size, attached_at, attached_by)
                 SELECT ?1, ?2, sha256, ?4, ?5, ?6 FROM document_blob WHERE sha256 = ?3
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![
                id,
                requirement_key,
                scan.sha256,
                scan.original_size,
                at,
                actor.staff_id
            ])?;
        if added == 1 {
            crate::audit::record(
                &tx,
                now,
                &actor.username,
                AuditAction::DocumentAttach,
                &id,
                &format!("{requirement_key} {}", scan.sha256),
            )?;
        }
        tx.commit()?;
        let attached = documents_of(&conn, &id)?
            .into_iter()
            .find(|d| d.requirement_key == requirement_key && d.scan.sha256 == scan.sha256)
            .ok_or(StoreError::NotFound("err-document-not-stored"))?;
        Ok((attached, added == 1))
    }

    /// The documents attached to an application, in the order they were attached.
    pub fn documents(&self, application: &str) -> Result<Vec<AttachedDocument>> {
        let app = self.application(application)?;
        documents_of(&self.conn(), &app.id.to_string())
    }

    /// A stored scan's bytes and its thumbnail, by SHA-256.
    pub fn scan_bytes(&self, sha256: &str) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
        let conn = self.conn();
        conn.prepare_cached("SELECT bytes, thumbnail FROM document_blob WHERE sha256 = ?1")?
            .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(StoreError::NotFound("err-document-not-stored"))
    }
}

/// The documents of an application as a push carries them.
pub(crate) fn wire_documents(conn: &Connection, application_id: &str) -> Result<Vec<WireDocument>> {
    let mut statement = conn.prepare_cached(
        "SELECT d.requirement_key, b.sha256, length(b.bytes), b.media_type
         FROM application_document d JOIN document_blob b ON b.sha256 = d.sha256
         WHERE d.application_id = ?1 ORDER BY d.id",
    )?;
    let rows = statement.query_map([application_id], |r| {
        Ok(WireDocument {
            requirement_key: r.get(0)?,
            sha256: r.get(1)?,
            size: r.get(2)?,
            media_type: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A scan on its way to the portal in the documents lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    /// The attachment's row: what the lane's progress is saved against.
    pub attachment: i64,
    pub application_id: Uuid,
    pub requirement_key: String,
    pub sha256: String,
    pub media_type: String,
    pub size: i64,
    /// The portal's upload, once created.
    pub location: Option<String>,
    /// How much of it the portal confirmed.
    pub uploaded: i64,
}

impl Store {
    /// Attached scans not yet delivered, of applications the portal has (their record went
    /// first: documents never hold up records, and the portal needs the record to file them
    /// under), oldest first.
    pub fn uploads_due(&self, limit: usize) -> Result<Vec<PendingUpload>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT d.id, d.application_id, d.requirement_key, b.sha256, b.media_type, length(b.bytes),
                    d.upload_location, d.uploaded_bytes
             FROM application_document d
             JOIN document_blob b ON b.sha256 = d.sha256
             JOIN application a ON a.id = d.application_id
             WHERE d.delivered_at IS NULL AND a.status <> 'cancelled'
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.application_id = d.application_id)
             ORDER BY d.id LIMIT ?1",
        )?;
        let rows = statement.query_map([limit as i64], |r| {
            Ok(PendingUpload {
                attachment: r.get(0)?,
                application_id: r.stored(1, "application_document", "application_id")?,
                requirement_key: r.get(2)?,
                sha256: r.get(3)?,
                media_type: r.get(4)?,
                size: r.get(5)?,
                location: r.get(6)?,
                uploaded: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every attached scan not yet delivered (records still waiting included) with its
    /// bytes: what a USB bundle carries.
    pub fn undelivered_scans(&self) -> Result<Vec<(PendingUpload, Vec<u8>)>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT d.id, d.application_id, d.requirement_key, b.sha256, b.media_type, length(b.bytes),
                    d.upload_location, d.uploaded_bytes, b.bytes
             FROM application_document d
             JOIN document_blob b ON b.sha256 = d.sha256
             JOIN application a ON a.id = d.application_id
             WHERE d.delivered_at IS NULL AND a.status <> 'cancelled'
             ORDER BY d.id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                PendingUpload {
                    attachment: r.get(0)?,
                    application_id: r.stored(1, "application_document", "application_id")?,
                    requirement_key: r.get(2)?,
                    sha256: r.get(3)?,
                    media_type: r.get(4)?,
                    size: r.get(5)?,
                    location: r.get(6)?,
                    uploaded: r.get(7)?,
                },
                r.get(8)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Where the portal keeps an attachment's upload (its answer to creating it).
    pub fn save_upload_location(&self, attachment: i64, location: &str) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE application_document SET upload_location = ?2 WHERE id = ?1")?
            .execute(params![attachment, location])?;
        Ok(())
    }

    /// How much of an attachment the portal confirmed: what the status line's progress shows.
    pub fn save_upload_progress(&self, attachment: i64, uploaded: i64) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE application_document SET uploaded_bytes = ?2 WHERE id = ?1")?
            .execute(params![attachment, uploaded])?;
        Ok(())
    }

    /// The portal has the whole attachment and its SHA-256 matched.
    pub fn mark_upload_delivered(&self, attachment: i64, clock: &dyn Clock) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE application_document
                 SET delivered_at = ?2, uploaded_bytes = (SELECT length(bytes) FROM document_blob b
                                                          WHERE b.sha256 = application_document.sha256)
                 WHERE id = ?1",
            )?
            .execute(params![attachment, ts(clock.now())])?;
        Ok(())
    }

    /// `len` bytes of a stored scan from `offset` (fewer at its end), read without loading
    /// the rest of it.
    pub fn scan_chunk(&self, sha256: &str, offset: i64, len: usize) -> Result<Vec<u8>> {
        self.conn()
            .prepare_cached(
                "SELECT substr(bytes, ?2 + 1, ?3) FROM document_blob WHERE sha256 = ?1",
            )?
            .query_row(params![sha256, offset, len as i64], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound("err-document-not-stored"))
    }
}

/// What the documents lane still has to send: how many scans, how many bytes in all and how
/// many of them the portal confirmed.
pub(crate) fn lane_backlog(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    conn.prepare_cached(
        "SELECT count(*), coalesce(sum(length(b.bytes)), 0), coalesce(sum(d.uploaded_bytes), 0)
         FROM application_document d JOIN document_blob b ON b.sha256 = d.sha256
         JOIN application a ON a.id = d.application_id
         WHERE d.delivered_at IS NULL AND a.status <> 'cancelled'",
    )?
    .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

fn documents_of(conn: &Connection, application_id: &str) -> Result<Vec<AttachedDocument>> {
    let sql = format!(
        "SELECT d.requirement_key, d.attached_at, s.username, {SCAN_COLUMNS}
         FROM application_document d
         JOIN document_blob b ON b.sha256 = d.sha256
         JOIN staff s ON s.id = d.attached_by
         WHERE d.application_id = ?1 ORDER BY d.id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([application_id], |r| {
        Ok(AttachedDocument {
            requirement_key: r.get(0)?,
            attached_at: r.get(1)?,
            attached_by: r.get(2)?,
            scan: scan_at(r, 3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
