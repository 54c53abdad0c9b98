//! A citizen merge on the desk travels to a real portal on PostgreSQL with the next push: the
//! portal records it once, its stored applications then name the survivor, and an application
//! the portal received before the merge (whose answer the desk never heard) is the same
//! application when it arrives again under the survivor, not a conflict.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::FileRequest;
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::SystemClock;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::wire::{ApplicationColumns, PushBatchV2, PushResponse};
use ariza_e2e::desk::enrolled_desk;
use ariza_e2e::portal::TestPortal;
use chrono::NaiveDate;

fn person(seq: u32, document: &str) -> CitizenInput {
    let birth = NaiveDate::from_ymd_opt(1979, 8, 30).unwrap();
    CitizenInput {
        pinfl: Pinfl::compose(Sex::Male, birth, 26, seq).to_string(),
        document_kind: Some(DocumentKind::Passport),
        document_number: document.into(),
        surname: "Xoʻjayev".into(),
        given_name: "Akmal".into(),
        patronymic: String::new(),
        birth_date: "1979-08-30".into(),
        sex: Some(Sex::Male),
        phone: String::new(),
        region: "1726".into(),
        district: "1726294".into(),
        street: String::new(),
    }
}

#[test]
fn a_merge_reaches_the_portal_once_and_a_redelivery_under_the_survivor_is_no_conflict() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "MRG01");
    let kept = store
        .register_citizen(&admin, &person(1, "AC1000001"), &SystemClock)
        .unwrap();
    let typo = store
        .register_citizen(&admin, &person(2, "AC1000002"), &SystemClock)
        .unwrap();
    let file = || {
        let form = serde_json::from_value(serde_json::json!({"reason": "expired"})).unwrap();
        store
            .file_application(
                &admin,
                &FileRequest {
                    citizen_id: typo.id,
                    service_code: "id-card".into(),
                    form,
                    documents: Vec::new(),
                    receipt_locale: None,
                },
                &SystemClock,
            )
            .unwrap()
            .id
    };

    // One delivered and acknowledged.
    let delivered = file();
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    // One the portal stores, but whose answer never reaches the desk.
    let unheard = file();
    let e = store.enrollment().unwrap().unwrap();
    let push = PushBatchV2 {
        applications: ApplicationColumns::from_rows(store.outbox_batch(10).unwrap()),
        audit: ariza_sync::signed_upload(
            &store.audit_upload(1000, None).unwrap(),
            &e.device_id.to_string(),
            &e.signing_key,
        )
        .unwrap(),
        merges: Vec::new(),
    };
    let client = reqwest::blocking::Client::new();
    let answer = ariza_e2e::device::send_as(
        &client,
        &e,
        client
            .post(format!("{}{}", portal.url, ariza_sync::PUSH_PATH))
            .header("content-type", "application/json")
            .header("content-encoding", "zstd")
            .body(ariza_sync::encode_push(&push).unwrap()),
    );
    assert_eq!(answer.status().as_u16(), 200);
    let answer: PushResponse = answer.json().unwrap();
    assert_eq!(answer.results.len(), 1, "stored on the portal");
    assert_eq!(
        store.sync_status().unwrap().backlog,
        1,
        "the desk never heard"
    );

    // The supervisor (the administrator may supervise) merges the mistyped record.
    let report = store
        .merge_citizens(
            &admin,
            kept.id,
            typo.id,
            "PINFL xato kiritilgan",
            &SystemClock,
        )
        .unwrap();
    assert_eq!(report.applications_moved, 2);
    let sent = store.merges_waiting().unwrap();
    assert_eq!(sent.len(), 1);

    let run = engine.sync_once(&store).unwrap();
    assert_eq!(run.delivered, 1, "the unheard one is acknowledged");
    assert_eq!(run.conflicts, 0);
    assert_eq!(portal.count("SELECT count(*) FROM conflict"), 0);
    assert_eq!(store.sync_status().unwrap().backlog, 0);
    assert_eq!(store.sync_status().unwrap().quarantined, 0);
    assert!(store.merges_waiting().unwrap().is_empty(), "acknowledged");

    // Recorded once, audited, and both stored applications now name the survivor.
    assert_eq!(portal.count("SELECT count(*) FROM citizen_merge"), 1);
    assert_eq!(
        portal.count("SELECT count(*) FROM citizen_merge_application"),
        2
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM audit_log WHERE action = 'citizen.merge'"),
        1
    );
    for id in [delivered, unheard] {
        let pinfl: String = portal.scalar(
            "SELECT body->'citizen'->>'pinfl' FROM application WHERE id = $1",
            &[&id],
        );
        assert_eq!(pinfl, kept.data.pinfl.as_str(), "{id}");
    }
    // The merge's own entry reached the portal with the desk's trail.
    assert_eq!(
        portal.count("SELECT count(*) FROM desk_audit WHERE action = 'citizen.merge'"),
        1
    );

    // Sent again (as if its acknowledgement were lost): recorded still once.
    let again = PushBatchV2 {
        applications: ApplicationColumns::default(),
        audit: ariza_sync::signed_upload(
            &store.audit_upload(1000, None).unwrap(),
            &e.device_id.to_string(),
            &e.signing_key,
        )
        .unwrap(),
        merges: sent.clone(),
    };
    let answer: PushResponse = ariza_e2e::device::send_as(
        &client,
        &e,
        client
            .post(format!("{}{}", portal.url, ariza_sync::PUSH_PATH))
            .header("content-type", "application/json")
            .header("content-encoding", "zstd")
            .body(ariza_sync::encode_push(&again).unwrap()),
    )
    .json()
    .unwrap();
    assert_eq!(answer.merges_recorded, vec![report.merge_id]);
    assert_eq!(portal.count("SELECT count(*) FROM citizen_merge"), 1);
    assert_eq!(
        portal.count("SELECT count(*) FROM audit_log WHERE action = 'citizen.merge'"),
        1
    );
}
