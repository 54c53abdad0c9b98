//! Scans attached to applications: normalized ([`crate::scan`]), stored once per SHA-256
//! inside the encrypted database, linked to an application under one of its service's
//! document requirements.

use ariza_core::audit::AuditAction;
use ariza_core::catalog::DocumentFormat;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::scan::{ScanLimits, normalize};
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

impl Store {
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
