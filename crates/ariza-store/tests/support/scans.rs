//! Scans for filing in tests: a one-page PDF and a small PNG portrait, stored on a desk and
//! named under every required document of a service (the PDF where a document takes PDFs,
//! the portrait where it takes images only). Shared by the store's tests, its benchmarks and
//! the end-to-end tests (`#[path]`), so every filing in them carries real documents.

// Each includer uses part of this module.
#![allow(dead_code)]
// Test support: a failure here is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::DocumentRef;
use ariza_core::catalog::DocumentFormat;
use ariza_core::clock::Clock;
use ariza_store::Store;

/// A real one-page PDF ("Test identity document").
pub const IDENTITY_PDF: &[u8] = include_bytes!("../fixtures/identity.pdf");
/// A 300×400 PNG portrait.
pub const PHOTO_PNG: &[u8] = include_bytes!("../fixtures/photo.png");

/// Stores the two scans (once: storing again changes nothing) and names one under every
/// required document of `service_code`.
pub fn required_documents(
    store: &Store,
    service_code: &str,
    clock: &dyn Clock,
) -> Vec<DocumentRef> {
    let pdf = store
        .store_scan(IDENTITY_PDF, "identity.pdf", clock)
        .unwrap();
    let photo = store.store_scan(PHOTO_PNG, "photo.png", clock).unwrap();
    let catalog = store.catalog().unwrap();
    let service = catalog
        .service(service_code)
        .expect("a service of the catalog");
    service
        .documents
        .iter()
        .filter(|d| d.required)
        .map(|d| DocumentRef {
            requirement_key: d.key.clone(),
            sha256: if d.accepts(DocumentFormat::Pdf) {
                pdf.sha256.clone()
            } else {
                photo.sha256.clone()
            },
        })
        .collect()
}
