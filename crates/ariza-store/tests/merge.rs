//! A supervisor merges two records of one person: applications, history and drafts move to
//! the survivor, the merged record goes, the trail records it, and the merge waits for the
//! portal until acknowledged. On a real (encrypted) SQLite file.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ariza_core::application::HistoryEvent;
use ariza_core::citizen::Sex;
use ariza_core::clock::FixedClock;
use ariza_core::error::{Code, Describe};
use ariza_core::staff::{Actor, Role};
use ariza_store::{DraftInput, Store};
use chrono::NaiveDate;

fn clock() -> FixedClock {
    FixedClock::at_tashkent(2026, 11, 20, 10, 0)
}

/// A desk with two records of one person: `kept` (registered right) and `typo` (the same
/// name and birth date under a mistyped PINFL and another passport), with two applications
/// and a draft on the second.
struct TwoRecords {
    _dir: tempfile::TempDir,
    store: Store,
    admin: Actor,
    supervisor: Actor,
    kept: i64,
    typo: i64,
    moved: Vec<String>,
}

fn two_records() -> TwoRecords {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = support::set_up(&dir.path().join("desk.db"), "tsh07", &clock());
    let supervisor = support::add_staff(
        &store,
        &admin,
        "nodira",
        Role::Supervisor,
        "nodira-pass-1",
        &clock(),
    );
    let birth = NaiveDate::from_ymd_opt(1988, 3, 4).unwrap();
    let person =
        |seq, doc: &str| support::citizen(Sex::Female, birth, seq, "Gʻulomova", "Dilnoza", doc);
    let kept = store
        .register_citizen(&admin, &person(1, "AB1000001"), &clock())
        .unwrap()
        .id;
    let typo = store
        .register_citizen(&admin, &person(2, "AB1000002"), &clock())
        .unwrap()
        .id;
    let moved = (0..2)
        .map(|_| {
            store
                .file_application(&admin, &support::eri_request(typo), &clock())
                .unwrap()
                .id
                .to_string()
        })
        .collect();
    store
        .save_draft(
            &admin,
            &DraftInput {
                id: None,
                citizen_id: Some(typo),
                service_code: Some("eri-key".into()),
                form: support::eri_form(),
            },
            &clock(),
        )
        .unwrap();
    TwoRecords {
        _dir: dir,
        store,
        admin,
        supervisor,
        kept,
        typo,
        moved,
    }
}

#[test]
fn a_supervisor_merges_two_records_and_everything_moves_to_the_survivor() {
    let t = two_records();
    let typo_pinfl = t.store.citizen(t.typo).unwrap().data.pinfl;
    let report = t
        .store
        .merge_citizens(
            &t.supervisor,
            t.kept,
            t.typo,
            "ikki marta roʻyxatga olingan",
            &clock(),
        )
        .unwrap();
    assert_eq!(report.applications_moved, 2);
    assert_eq!(report.survivor.id, t.kept);

    // The applications are the survivor's, each with a history entry saying why.
    for id in &t.moved {
        let app = t.store.application(id).unwrap();
        assert_eq!(app.citizen_id, t.kept);
        let last = app.history.last().unwrap();
        assert_eq!(last.event, HistoryEvent::CitizenMerged);
        assert_eq!(last.actor, "nodira");
        assert_eq!(last.reason.as_deref(), Some("ikki marta roʻyxatga olingan"));
        assert_eq!(last.from, Some(last.to), "a merge changes no status");
    }
    // The merged record is gone: not opened, not found, its PINFL free again.
    let gone = t.store.citizen(t.typo).unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    let found: Vec<i64> = t
        .store
        .find_citizens("Gulomova Dilnoza", 10)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(found, vec![t.kept]);
    assert!(
        t.store
            .find_citizens(typo_pinfl.as_str(), 10)
            .unwrap()
            .is_empty()
    );
    // The draft follows the person.
    let filter = ariza_store::QueueFilter::default();
    let drafts = t.store.drafts(&t.admin, &filter).unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].citizen_id, Some(t.kept));

    // The trail names ids only, and still verifies.
    let entries = t.store.audit_entries(100).unwrap();
    let merge = entries
        .iter()
        .find(|e| e.action == "citizen.merge")
        .expect("a merge entry");
    assert_eq!(merge.actor, "nodira");
    assert_eq!(merge.subject, t.kept.to_string());
    assert_eq!(merge.detail, format!("merged={} applications=2", t.typo));
    assert_eq!(t.store.verify_audit().unwrap().broken_at, None);

    // Waiting for the portal, with both records as the portal knows them; the applications
    // waiting for delivery now go as the survivor's.
    let waiting = t.store.merges_waiting().unwrap();
    assert_eq!(waiting.len(), 1);
    let m = &waiting[0];
    assert_eq!(m.id, report.merge_id);
    assert_eq!(m.merged.pinfl, typo_pinfl.as_str());
    assert_eq!(
        m.survivor.pinfl,
        t.store.citizen(t.kept).unwrap().data.pinfl.as_str()
    );
    assert_eq!(m.by, "nodira");
    let mut listed: Vec<String> = m.applications.iter().map(|u| u.to_string()).collect();
    listed.sort();
    let mut moved = t.moved.clone();
    moved.sort();
    assert_eq!(listed, moved);
    for app in t.store.outbox_batch(10).unwrap() {
        assert_eq!(app.citizen, m.survivor);
    }

    // Acknowledged by the portal: it no longer waits.
    t.store
        .apply_push(&ariza_core::wire::PushResponse {
            results: Vec::new(),
            received_at: chrono::Utc::now(),
            audit_stored_to: None,
            audit_head: None,
            audit_refused: None,
            merges_recorded: vec![report.merge_id],
        })
        .unwrap();
    assert!(t.store.merges_waiting().unwrap().is_empty());
}

#[test]
fn a_merge_refused_changes_nothing() {
    let t = two_records();
    let clerk = support::add_staff(
        &t.store,
        &t.admin,
        "jasur",
        Role::Clerk,
        "jasur-pass-1",
        &clock(),
    );
    let before = t.store.audit_entries(1000).unwrap().len();
    let refusals = [
        (
            t.store
                .merge_citizens(&clerk, t.kept, t.typo, "bir odam", &clock()),
            Code::Forbidden,
        ),
        (
            t.store
                .merge_citizens(&t.supervisor, t.kept, t.typo, "  ", &clock()),
            Code::Validation,
        ),
        (
            t.store
                .merge_citizens(&t.supervisor, t.kept, t.kept, "bir odam", &clock()),
            Code::Validation,
        ),
        (
            t.store
                .merge_citizens(&t.supervisor, t.kept, 9999, "bir odam", &clock()),
            Code::NotFound,
        ),
    ];
    for (result, code) in refusals {
        let e = result.unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        // Translated, in every locale the desk speaks.
        let (key, _) = e.message();
        assert!(key.starts_with("err-"), "{key}");
    }
    for id in &t.moved {
        assert_eq!(t.store.application(id).unwrap().citizen_id, t.typo);
    }
    assert!(t.store.citizen(t.typo).is_ok());
    assert!(t.store.merges_waiting().unwrap().is_empty());
    assert_eq!(t.store.audit_entries(1000).unwrap().len(), before);
}
