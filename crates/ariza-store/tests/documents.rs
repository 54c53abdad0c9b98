//! Scans attached to applications: normalized (upright, downscaled, re-encoded), stored
//! once per SHA-256 inside the encrypted database, and refused — storing nothing — when a
//! file is not what its name says, too large, or damaged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ariza_core::citizen::Sex;
use ariza_core::clock::FixedClock;
use ariza_core::error::{Code, Describe};
use ariza_core::staff::Role;
use ariza_store::Store;
use ariza_store::scan::ScanError;
use chrono::NaiveDate;
use image::{DynamicImage, Rgb, RgbImage};

fn clock() -> FixedClock {
    FixedClock::at_tashkent(2026, 12, 2, 10, 0)
}

/// A landscape photo `w`×`h` (with some detail, so it compresses like one), as JPEG.
fn photo_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut out, 90,
        ))
        .unwrap();
    out
}

/// `jpeg` with an EXIF block saying "rotate 90° clockwise to view" (orientation 6), as a
/// phone held upright writes it.
fn with_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&6u16.to_le_bytes());
    tiff.extend_from_slice(&0u16.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn minimal_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn blobs(dir: &tempfile::TempDir) -> i64 {
    let conn = support::open_with_key(
        &dir.path().join("desk.db"),
        &support::device_key_of(&dir.path().join("desk.db")),
    )
    .unwrap();
    support::count(&conn, "document_blob")
}

fn filed(dir: &tempfile::TempDir) -> (Store, ariza_core::staff::Actor, String) {
    let (store, admin) = support::set_up(&dir.path().join("desk.db"), "DOC01", &clock());
    let clerk = support::add_staff(
        &store,
        &admin,
        "clerk",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );
    let birth = NaiveDate::from_ymd_opt(1990, 5, 6).unwrap();
    let input = support::citizen(Sex::Female, birth, 7, "Hujjatova", "Madina", "AC1234567");
    let citizen = store.register_citizen(&clerk, &input, &clock()).unwrap();
    let app = store
        .file_application(&clerk, &support::eri_request(citizen.id), &clock())
        .unwrap();
    (store, clerk, app.tracking_number.to_string())
}

#[test]
fn a_phone_photo_is_turned_upright_downscaled_and_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clerk, tracking) = filed(&dir);
    // Filed with its identity document; the test scans of the set-up are stored.
    assert_eq!(store.documents(&tracking).unwrap().len(), 1);
    let blobs_before = blobs(&dir);
    // 4000×3000 as the sensor saw it; the phone was upright, so it is a portrait 3000×4000.
    let photo = with_orientation_6(&photo_jpeg(4000, 3000));
    let scan = store.store_scan(&photo, "IMG_2041.JPG", &clock()).unwrap();
    assert_eq!(
        (scan.width, scan.height),
        (Some(1800), Some(2400)),
        "upright, longest side 2400"
    );
    assert_eq!(scan.original_size, photo.len() as i64);
    assert!(scan.stored_size < scan.original_size);
    assert!(!scan.already_stored);
    let (bytes, thumbnail) = store.scan_bytes(&scan.sha256).unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
    let thumb = image::load_from_memory(&thumbnail.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (180, 240));

    let (attached, new) = store
        .attach_scan(&clerk, &tracking, "identity", &scan, &clock())
        .unwrap();
    assert!(new);
    assert_eq!(attached.requirement_key, "identity");
    assert_eq!(attached.attached_by, "clerk");

    // The same file again: not normalized again, not stored again, not attached twice.
    let again = store.store_scan(&photo, "copy.jpeg", &clock()).unwrap();
    assert!(again.already_stored);
    assert_eq!(again.sha256, scan.sha256);
    let (_, new) = store
        .attach_scan(&clerk, &tracking, "identity", &again, &clock())
        .unwrap();
    assert!(!new, "attached before");
    // …and the same scan under another document is a second link to the one blob.
    store
        .attach_scan(&clerk, &tracking, "fee-receipt", &again, &clock())
        .unwrap();
    let docs = store.documents(&tracking).unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(blobs(&dir), blobs_before + 1);

    let pdf = store
        .store_scan(&minimal_pdf(), "receipt.pdf", &clock())
        .unwrap();
    assert_eq!(
        pdf.stored_size,
        minimal_pdf().len() as i64,
        "PDFs are kept as they are"
    );
    assert_eq!(store.scan_bytes(&pdf.sha256).unwrap().0, minimal_pdf());
    store
        .attach_scan(&clerk, &tracking, "fee-receipt", &pdf, &clock())
        .unwrap();
    assert_eq!(store.documents(&tracking).unwrap().len(), 4);

    let report = store.verify_audit().unwrap();
    assert_eq!(report.broken_at, None);
    assert!(
        store
            .audit_entries(10)
            .unwrap()
            .iter()
            .filter(|e| e.action == "document.attach")
            .count()
            == 4,
        "one audit entry per new attachment (the first at filing)"
    );
}

#[test]
fn a_file_that_is_not_what_it_says_or_too_large_or_damaged_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, clerk, tracking) = filed(&dir);
    let blobs_before = blobs(&dir);
    let photo = photo_jpeg(640, 480);
    let refused = |bytes: &[u8], name: &str| -> ScanError {
        match store.store_scan(bytes, name, &clock()) {
            Err(ariza_store::StoreError::Scan(e)) => e,
            other => panic!("{name}: {other:?}"),
        }
    };
    assert_eq!(
        refused(&photo, "passport.pdf"),
        ScanError::NotWhatItSays {
            claimed: "PDF".into(),
            found: "JPEG".into()
        }
    );
    assert!(matches!(
        refused(&minimal_pdf(), "scan.png"),
        ScanError::NotWhatItSays { .. }
    ));
    assert!(matches!(
        refused(&photo, "photo.exe"),
        ScanError::NotWhatItSays { .. }
    ));
    assert_eq!(
        refused(b"MZ\x90\0 not a scan", "setup.exe"),
        ScanError::Unsupported
    );
    assert_eq!(refused(b"", "empty.jpg"), ScanError::Empty);
    let mut truncated = photo.clone();
    truncated.truncate(photo.len() / 3);
    assert_eq!(refused(&truncated, "cut.jpg"), ScanError::Corrupt);
    let mut garbage = vec![0xFF, 0xD8, 0xFF, 0xE0];
    garbage.extend(std::iter::repeat_n(0x5A, 5000));
    assert_eq!(refused(&garbage, "garbage.jpg"), ScanError::Corrupt);
    let unfinished_pdf = &minimal_pdf()[..40];
    assert_eq!(refused(unfinished_pdf, "cut.pdf"), ScanError::Corrupt);
    let mut huge_pdf = minimal_pdf();
    huge_pdf.splice(9..9, std::iter::repeat_n(b' ', 16 * 1024 * 1024));
    assert_eq!(
        refused(&huge_pdf, "huge.pdf"),
        ScanError::TooLarge { limit_mib: 15 }
    );

    // Translated, with the "validation" code the screens branch on.
    let e = store
        .store_scan(&photo, "passport.pdf", &clock())
        .unwrap_err();
    assert_eq!(e.code(), Code::Validation);
    assert_eq!(e.message().0, "err-scan-not-what-it-says");

    assert_eq!(blobs(&dir), blobs_before, "nothing refused was stored");
    assert_eq!(store.documents(&tracking).unwrap().len(), 1);

    // A document the service does not have.
    let scan = store.store_scan(&photo, "ok.jpg", &clock()).unwrap();
    let e = store
        .attach_scan(&clerk, &tracking, "no-such-document", &scan, &clock())
        .unwrap_err();
    assert_eq!(e.message().0, "err-document-kind-unknown");
    assert_eq!(store.documents(&tracking).unwrap().len(), 1);
}

/// The field errors of a refused filing: (field, message key, the `document` argument).
fn refusal(e: &ariza_store::StoreError) -> Vec<(String, &'static str, Option<String>)> {
    e.field_errors()
        .iter()
        .map(|f| {
            let document = f
                .args
                .iter()
                .find(|(name, _)| *name == "document")
                .map(|(_, v)| v.clone());
            (f.field.clone(), f.key, document)
        })
        .collect()
}

#[test]
fn filing_without_a_required_document_is_refused_by_name_unless_documents_may_follow() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = support::set_up(&dir.path().join("desk.db"), "DOC02", &clock());
    let clerk = support::add_staff(
        &store,
        &admin,
        "clerk",
        Role::Clerk,
        "clerk-pass-1",
        &clock(),
    );
    let supervisor = support::add_staff(
        &store,
        &admin,
        "boss",
        Role::Supervisor,
        "boss-pass-12",
        &clock(),
    );
    let birth = NaiveDate::from_ymd_opt(1991, 2, 3).unwrap();
    let input = support::citizen(Sex::Male, birth, 8, "Hujjatov", "Anvar", "AC7654321");
    let citizen = store.register_citizen(&clerk, &input, &clock()).unwrap();
    let before = store.list_applications(&Default::default()).unwrap().len();

    // A travel passport needs the identity document and a photo (image only).
    let mut req = support::eri_request(citizen.id);
    req.service_code = "travel-passport".into();
    req.form = serde_json::from_value(serde_json::json!({"urgent": "no"})).unwrap();
    req.documents.clear();
    let e = store.file_application(&clerk, &req, &clock()).unwrap_err();
    assert_eq!(e.code(), Code::Validation);
    let mut missing = refusal(&e);
    missing.sort();
    assert_eq!(
        missing,
        vec![
            (
                "documents.identity".to_string(),
                "err-document-required",
                Some("Pasport yoki ID-karta".to_string())
            ),
            (
                "documents.photo".to_string(),
                "err-document-required",
                Some("Fotosurat 3x4".to_string())
            ),
        ],
        "each missing document named in the desk's language"
    );

    // The identity document alone is still one short; a PDF is no photo; an unknown scan and
    // an unknown document are named too.
    req.documents = vec![support::identity_document()];
    let e = store.file_application(&clerk, &req, &clock()).unwrap_err();
    assert_eq!(refusal(&e).len(), 1);
    assert_eq!(refusal(&e)[0].0, "documents.photo");
    req.documents.push(ariza_core::application::DocumentRef {
        requirement_key: "photo".into(),
        ..support::identity_document()
    });
    req.documents.push(ariza_core::application::DocumentRef {
        requirement_key: "no-such".into(),
        sha256: "0".repeat(64),
    });
    let e = store.file_application(&clerk, &req, &clock()).unwrap_err();
    let keys: Vec<_> = refusal(&e).into_iter().map(|(f, k, _)| (f, k)).collect();
    assert!(keys.contains(&("documents.photo".into(), "err-document-format-not-accepted")));
    assert!(keys.contains(&("documents.no-such".into(), "err-document-kind-unknown")));
    assert_eq!(
        store.list_applications(&Default::default()).unwrap().len(),
        before,
        "nothing was filed"
    );

    // With the portrait it files, and the scans are the application's.
    let photo = store
        .store_scan(support::scans::PHOTO_PNG, "photo.png", &clock())
        .unwrap();
    req.documents = vec![
        support::identity_document(),
        ariza_core::application::DocumentRef {
            requirement_key: "photo".into(),
            sha256: photo.sha256.clone(),
        },
    ];
    let app = store.file_application(&clerk, &req, &clock()).unwrap();
    let docs = store.documents(&app.tracking_number.to_string()).unwrap();
    assert_eq!(
        docs.iter()
            .map(|d| d.requirement_key.as_str())
            .collect::<Vec<_>>(),
        ["identity", "photo"]
    );
    // The record carries its documents to the portal.
    let batch = store.outbox_batch(10).unwrap();
    let wire = batch.iter().find(|a| a.id == app.id).unwrap();
    assert_eq!(wire.documents.len(), 2);
    assert_eq!(wire.documents[1].sha256, photo.sha256);
    assert_eq!(wire.documents[1].media_type, "image/jpeg");

    // Only a supervisor sets the rule; once set, filing may leave documents to follow.
    let follow = ariza_store::ServiceRule {
        service_code: "travel-passport".into(),
        documents_to_follow: true,
    };
    assert_eq!(
        store
            .set_service_rule(&clerk, &follow, &clock())
            .unwrap_err()
            .code(),
        Code::Forbidden
    );
    store
        .set_service_rule(&supervisor, &follow, &clock())
        .unwrap();
    assert!(
        store
            .service_rule("travel-passport")
            .unwrap()
            .documents_to_follow
    );
    assert!(!store.service_rule("eri-key").unwrap().documents_to_follow);
    req.documents.clear();
    let later = store.file_application(&clerk, &req, &clock()).unwrap();
    assert!(store.documents(&later.id.to_string()).unwrap().is_empty());
    // The photo follows, attached to the filed application.
    store
        .attach_scan(&clerk, &later.id.to_string(), "photo", &photo, &clock())
        .unwrap();
    assert!(
        store
            .audit_entries(50)
            .unwrap()
            .iter()
            .any(|e| e.action == "service_rule.set" && e.detail == "documents_to_follow")
    );
    assert_eq!(store.verify_audit().unwrap().broken_at, None);
}

#[test]
fn the_lane_waits_for_the_record_and_keeps_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _clerk, tracking) = filed(&dir);
    // The record has not gone yet: its document waits behind it.
    assert!(store.records_waiting().unwrap());
    assert!(store.uploads_due(10).unwrap().is_empty());
    let status = store.sync_status().unwrap();
    assert_eq!(status.documents.waiting, 1);
    assert_eq!(
        status.documents.bytes,
        support::scans::IDENTITY_PDF.len() as i64
    );

    // Delivered (as the portal's answer would say): the document is due.
    let app = store.application(&tracking).unwrap();
    store
        .apply_push(&ariza_core::wire::PushResponse {
            results: vec![ariza_core::wire::ItemResult {
                id: app.id,
                outcome: ariza_core::wire::Outcome::Accepted,
                code: None,
                message_key: None,
                due_date: None,
            }],
            received_at: chrono::Utc::now(),
            audit_stored_to: None,
            audit_head: None,
            audit_refused: None,
            merges_recorded: Vec::new(),
        })
        .unwrap();
    assert!(!store.records_waiting().unwrap());
    let due = store.uploads_due(10).unwrap();
    assert_eq!(due.len(), 1);
    let upload = &due[0];
    assert_eq!(upload.application_id, app.id);
    assert_eq!(upload.location, None);

    // Read by chunks, the bytes are the stored ones.
    let mut read = Vec::new();
    while (read.len() as i64) < upload.size {
        read.extend(
            store
                .scan_chunk(&upload.sha256, read.len() as i64, 100)
                .unwrap(),
        );
    }
    assert_eq!(read, support::scans::IDENTITY_PDF);

    store
        .save_upload_location(upload.attachment, "/api/v1/uploads/0190")
        .unwrap();
    store.save_upload_progress(upload.attachment, 300).unwrap();
    let due = store.uploads_due(10).unwrap();
    assert_eq!(due[0].location.as_deref(), Some("/api/v1/uploads/0190"));
    assert_eq!(due[0].uploaded, 300);
    assert_eq!(store.sync_status().unwrap().documents.sent_bytes, 300);
    store
        .mark_upload_delivered(upload.attachment, &clock())
        .unwrap();
    assert!(store.uploads_due(10).unwrap().is_empty());
    assert_eq!(store.sync_status().unwrap().documents.waiting, 0);
}
