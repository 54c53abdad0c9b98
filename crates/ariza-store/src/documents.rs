//! Scans attached to applications: normalized ([`crate::scan`]), stored once per SHA-256
//! inside the encrypted database, linked to an application under one of its service's
//! document requirements.

use ariza_core::audit::AuditAction;
use ariza_core::catalog::DocumentFormat;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

use crate::scan::{ScanLimits, normalize};
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

fn format_of(stored: &str) -> Result<DocumentFormat> {
    match stored {
        "image" => Ok(DocumentFormat::Image),
        "pdf" => Ok(DocumentFormat::Pdf),
        _ => Err(StoreError::corrupt("document_blob", "format")),
    }
}

fn format_name(format: DocumentFormat) -> &'static str {
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
        let found = conn
            .prepare_cached(
                "SELECT b.sha256, b.format, b.media_type, s.original_size, length(b.bytes), b.width, b.height
                 FROM document_source s JOIN document_blob b ON b.sha256 = s.sha256
                 WHERE s.original_sha256 = ?1",
            )?
            .query_row([original_sha256], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<u32>>(5)?,
                    r.get::<_, Option<u32>>(6)?,
                ))
            })
            .optional()?;
        found
            .map(
                |(sha256, format, media_type, original_size, stored_size, width, height)| {
                    Ok(StoredScan {
                        sha256,
                        format: format_of(&format)?,
                        media_type,
                        original_size,
                        stored_size,
                        width,
                        height,
                        already_stored: true,
                    })
                },
            )
            .transpose()
    }

    /// Attaches a stored scan to an application (by id or tracking number) under one of its
    /// service's documents, which must accept the scan's format. Attaching the same scan
    /// under the same document again changes nothing.
    pub fn attach_scan(
        &self,
        actor: &Actor,
        application: &str,
        requirement_key: &str,
        scan: &StoredScan,
        clock: &dyn Clock,
    ) -> Result<AttachedDocument> {
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
        drop(conn);
        self.documents(application)?
            .into_iter()
            .find(|d| d.requirement_key == requirement_key && d.scan.sha256 == scan.sha256)
            .ok_or(StoreError::NotFound("err-document-not-stored"))
    }

    /// The documents attached to an application, in the order they were attached.
    pub fn documents(&self, application: &str) -> Result<Vec<AttachedDocument>> {
        let app = self.application(application)?;
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT d.requirement_key, b.sha256, b.format, b.media_type, d.original_size,
                    length(b.bytes), b.width, b.height, d.attached_at, s.username
             FROM application_document d
             JOIN document_blob b ON b.sha256 = d.sha256
             JOIN staff s ON s.id = d.attached_by
             WHERE d.application_id = ?1 ORDER BY d.id",
        )?;
        let rows = statement.query_map([app.id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<u32>>(6)?,
                r.get::<_, Option<u32>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                key,
                sha256,
                format,
                media_type,
                original_size,
                stored_size,
                width,
                height,
                at,
                by,
            ) = row?;
            out.push(AttachedDocument {
                requirement_key: key,
                scan: StoredScan {
                    sha256,
                    format: format_of(&format)?,
                    media_type,
                    original_size,
                    stored_size,
                    width,
                    height,
                    already_stored: true,
                },
                attached_at: at,
                attached_by: by,
            });
        }
        Ok(out)
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
