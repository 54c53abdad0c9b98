//! USB bundles end to end: a desk's bundle imported by the operators' command (a separate
//! `ariza-portal` process on the real PostgreSQL) and the same work sent over the network,
//! in either order, stored once; a bundle replayed adds nothing; a tampered, truncated,
//! foreign-center or revoked device's bundle is refused and changes nothing; the portal's
//! bundle brings decisions and deliveries back to the desk once; rotated keys still open
//! what was written before, forgotten ones open nothing.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use ariza_core::application::Status;
use ariza_core::clock::SystemClock;
use ariza_e2e::desk::{enrolled_desk, file, file_with_documents, large_pdf};
use ariza_e2e::portal::TestPortal;
use ariza_store::Store;
use ariza_sync::Engine;
use ariza_sync::bundle::{export_bundle, import_bundle};

fn portal_command(portal: &TestPortal, args: &[&str]) -> Output {
    let bin = ariza_e2e::binary("ariza-portal");
    assert!(
        bin.exists(),
        "build the portal first: cargo build -p ariza-portal ({})",
        bin.display()
    );
    Command::new(&bin)
        .args(args)
        .env("ARIZA_PORTAL_DATABASE_URL", portal.database_url())
        .env("ARIZA_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `ariza-portal bundle import FILE`: its output, and whether it succeeded.
fn import_at_portal(portal: &TestPortal, file: &Path) -> (bool, String) {
    let out = portal_command(portal, &["bundle", "import", file.to_str().unwrap()]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn export_at_desk(store: &Store, dir: &Path, name: &str) -> std::path::PathBuf {
    let admin = store
        .sign_in("admin", "admin-pass-1", &SystemClock)
        .unwrap();
    let (bytes, _) = export_bundle(store, &admin, &SystemClock).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn counts(portal: &TestPortal) -> (i64, i64, i64) {
    (
        portal.count("SELECT count(*) FROM application"),
        portal.count("SELECT count(*) FROM document"),
        portal.count("SELECT count(*) FROM conflict"),
    )
}

#[test]
fn a_bundle_and_the_network_deliver_once_in_either_order() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, _) = enrolled_desk(&portal, &dir, "USB01");
    let mut filed = file(&store, &admin, 2);
    for i in 0..3 {
        filed.push(file_with_documents(&store, &admin, &large_pdf(200_000, 40 + i)).0);
    }

    // By USB first: everything arrives, with its documents, and the applications are
    // complete; the desk has not heard yet, so it still counts them as waiting.
    let stick = export_at_desk(&store, dir.path(), "center.ariza");
    let raw = std::fs::read(&stick).unwrap();
    assert!(
        !raw.windows(7).any(|w| w == b"Karimov"),
        "a lost stick gives nothing away"
    );
    let (ok, said) = import_at_portal(&portal, &stick);
    assert!(ok, "{said}");
    assert!(said.contains("5 applications new"), "{said}");
    assert!(said.contains("4 documents new"), "{said}");
    assert_eq!(counts(&portal), (5, 4, 0));
    assert_eq!(
        portal.count("SELECT count(*) FROM application WHERE documents_complete"),
        3
    );
    assert_eq!(store.sync_status().unwrap().backlog, 5);

    // Then the network: the desk learns they were delivered, sends no chunk of a document
    // the portal already has, and nothing is stored twice.
    let sent = Arc::new(Mutex::new(0usize));
    let mut engine = Engine::new().unwrap();
    let seen = sent.clone();
    engine.observe_chunks(Box::new(move |_| *seen.lock().unwrap() += 1));
    engine.sync_once(&store).unwrap();
    let status = store.sync_status().unwrap();
    assert_eq!((status.backlog, status.documents.waiting), (0, 0));
    assert_eq!(*sent.lock().unwrap(), 0, "no document went twice");
    assert_eq!(counts(&portal), (5, 4, 0));
    for id in &filed {
        assert_eq!(store.application(id).unwrap().status, Status::Delivered);
    }

    // The same stick again: nothing new.
    let (ok, said) = import_at_portal(&portal, &stick);
    assert!(ok, "{said}");
    assert!(said.contains("imported before: nothing new"), "{said}");
    assert_eq!(counts(&portal), (5, 4, 0));

    // The other order: the network first, then a stick written before it.
    let more = file(&store, &admin, 2);
    let later = export_at_desk(&store, dir.path(), "later.ariza");
    engine.sync_once(&store).unwrap();
    let (ok, said) = import_at_portal(&portal, &later);
    assert!(ok, "{said}");
    assert!(
        said.contains("0 applications new, 2 already here"),
        "{said}"
    );
    assert_eq!(counts(&portal), (7, 4, 0));
    for id in &more {
        assert_eq!(store.application(id).unwrap().status, Status::Delivered);
    }
    // Every audit chain on the portal still verifies.
    let out = portal_command(&portal, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_tampered_truncated_foreign_or_revoked_bundle_changes_nothing() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, _) = enrolled_desk(&portal, &dir, "USB02");
    file(&store, &admin, 3);
    let stick = export_at_desk(&store, dir.path(), "center.ariza");
    let bytes = std::fs::read(&stick).unwrap();

    let mut tampered = bytes.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x40;
    let tampered_path = dir.path().join("tampered.ariza");
    std::fs::write(&tampered_path, &tampered).unwrap();
    let (ok, said) = import_at_portal(&portal, &tampered_path);
    assert!(!ok);
    assert!(said.contains("cannot be opened"), "{said}");

    let cut = dir.path().join("cut.ariza");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (ok, said) = import_at_portal(&portal, &cut);
    assert!(!ok);
    assert!(said.contains("cannot be opened"), "{said}");

    // Signed by this desk's key, but saying it is another center's work.
    let enrollment = store.enrollment().unwrap().unwrap();
    let (recipient, _) = store.portal_bundle_keys().unwrap().unwrap();
    let foreign = ariza_bundle::DeskBundle {
        bundle_id: uuid::Uuid::now_v7(),
        center_code: "SAM01".into(),
        device_id: enrollment.device_id,
        created_at: chrono::Utc::now(),
        push: ariza_core::wire::PushBatchV2 {
            applications: ariza_core::wire::ApplicationColumns::default(),
            audit: ariza_sync::signed_upload(
                &store.audit_upload(10, None).unwrap(),
                &enrollment.device_id.to_string(),
                &enrollment.signing_key,
            )
            .unwrap(),
            merges: Vec::new(),
        },
        documents: Vec::new(),
    };
    let sealed =
        ariza_bundle::seal_desk_bundle(&foreign, &enrollment.signing_key, &recipient).unwrap();
    let foreign_path = dir.path().join("foreign.ariza");
    std::fs::write(&foreign_path, sealed).unwrap();
    let (ok, said) = import_at_portal(&portal, &foreign_path);
    assert!(!ok);
    assert!(said.contains("belongs to USB02"), "{said}");
    assert_eq!(counts(&portal), (0, 0, 0), "nothing was stored");

    // The device is revoked: its stick is refused too.
    let out = portal_command(
        &portal,
        &["device", "revoke", &enrollment.device_id.to_string()],
    );
    assert!(out.status.success());
    let (ok, said) = import_at_portal(&portal, &stick);
    assert!(!ok);
    assert!(said.contains("revoked"), "{said}");
    assert_eq!(counts(&portal), (0, 0, 0));

    // At the desk: a portal bundle for another center, or damaged, is refused likewise.
    let other_dir = tempfile::tempdir().unwrap();
    let (other, other_admin, _) = enrolled_desk(&portal, &other_dir, "USB03");
    file(&other, &other_admin, 1);
    let for_other = dir.path().join("for-usb03.ariza");
    let out = portal_command(
        &portal,
        &[
            "bundle",
            "export",
            "--center",
            "USB03",
            for_other.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = store.sync_status().unwrap();
    let e = import_bundle(
        &store,
        &admin,
        &std::fs::read(&for_other).unwrap(),
        &SystemClock,
    )
    .unwrap_err();
    assert_eq!(
        e.message_key(),
        "err-bundle-unreadable",
        "sealed for USB03's desk"
    );
    let mut damaged = std::fs::read(&for_other).unwrap();
    damaged.truncate(damaged.len() - 5);
    let e = import_bundle(&other, &other_admin, &damaged, &SystemClock).unwrap_err();
    assert_eq!(e.message_key(), "err-bundle-unreadable");
    assert_eq!(store.sync_status().unwrap().backlog, before.backlog);
    // A clerk may not move the center's work off the machine.
    let clerk = ariza_e2e::desk::add_clerk(&store, &admin);
    assert!(export_bundle(&store, &clerk, &SystemClock).is_err());
}

#[test]
fn the_portal_s_bundle_brings_decisions_and_deliveries_back_once() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, _) = enrolled_desk(&portal, &dir, "USB04");
    // From here on the center has no link: only sticks.
    let mut filed = file(&store, &admin, 2);
    filed.push(file_with_documents(&store, &admin, &large_pdf(100_000, 77)).0);
    let stick = export_at_desk(&store, dir.path(), "to-portal.ariza");
    assert!(import_at_portal(&portal, &stick).0);
    portal.decide(&filed[0], Status::InReview, None);
    portal.decide(&filed[0], Status::Completed, None);

    let back = dir.path().join("from-portal.ariza");
    let out = portal_command(
        &portal,
        &[
            "bundle",
            "export",
            "--center",
            "USB04",
            back.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&back).unwrap();
    let summary = import_bundle(&store, &admin, &bytes, &SystemClock).unwrap();
    // The decided one left the outbox with its decision; the other two by the portal's word.
    assert_eq!(summary.delivered, 2);
    assert!(summary.decisions >= 2, "{summary:?}");
    assert_eq!(summary.documents, 2);
    assert_eq!(
        store.application(&filed[0]).unwrap().status,
        Status::Completed
    );
    assert_eq!(
        store.application(&filed[1]).unwrap().status,
        Status::Delivered
    );
    let status = store.sync_status().unwrap();
    assert_eq!((status.backlog, status.documents.waiting), (0, 0));
    assert!(
        status.last_success_at.is_none(),
        "a stick is no sign of a link: the status line still says it never synced"
    );
    // Read again: nothing changes.
    let again = import_bundle(&store, &admin, &bytes, &SystemClock).unwrap();
    assert_eq!(again, ariza_sync::bundle::ImportSummary::default());
    // And a stick now carries nothing already delivered, only the audit trail.
    let (_, next) = export_bundle(&store, &admin, &SystemClock).unwrap();
    assert_eq!((next.applications, next.documents), (0, 0));
    assert_eq!(store.verify_audit().unwrap().broken_at, None);

    // The portal rotates its keys: a stick written with the old key still opens...
    file(&store, &admin, 1);
    let old_key_stick = export_at_desk(&store, dir.path(), "old-key.ariza");
    let out = portal_command(&portal, &["bundle", "rotate-keys"]);
    assert!(out.status.success());
    let (ok, said) = import_at_portal(&portal, &old_key_stick);
    assert!(ok, "{said}");
    // ...until the retired key is forgotten: then one written with it opens nothing.
    file(&store, &admin, 1);
    let stale = export_at_desk(&store, dir.path(), "stale.ariza");
    let out = portal_command(&portal, &["bundle", "forget-retired-keys"]);
    assert!(out.status.success());
    let (ok, said) = import_at_portal(&portal, &stale);
    assert!(!ok);
    assert!(said.contains("cannot be opened"), "{said}");
    // The desk learns the new key at its next contact and its sticks open again.
    Engine::new().unwrap().sync_once(&store).unwrap();
    file(&store, &admin, 1);
    let fresh = export_at_desk(&store, dir.path(), "fresh.ariza");
    let (ok, said) = import_at_portal(&portal, &fresh);
    assert!(ok, "{said}");
}
