//! The supervisor's queues: membership and counts for every state, deadlines across a weekend
//! and a holiday, filters, a clerk's own view, and the two actions that move things out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use ariza_core::application::{FileRequest, Status};
use ariza_core::citizen::Sex;
use ariza_core::clock::FixedClock;
use ariza_core::error::{Code, Describe};
use ariza_core::staff::{Actor, Role};
use ariza_core::wire::{Change, ChangeKind, ChangesResponse, ItemResult, Outcome, PushResponse};
use ariza_store::{QueueCounts, QueueFilter, QueueKind, Store};
use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

/// Friday 4 December 2026, 10:00 Tashkent. Tuesday 8 December is a holiday in the catalog.
fn friday() -> FixedClock {
    FixedClock::at_tashkent(2026, 12, 4, 10, 0)
}

fn at(m: u32, d: u32) -> FixedClock {
    FixedClock::at_tashkent(2026, m, d, 10, 0)
}

fn setup(dir: &tempfile::TempDir) -> (Store, Actor, Actor) {
    let (store, admin) = support::set_up(&dir.path().join("desk.db"), "QUE01", &friday());
    let clerk = support::add_staff(
        &store,
        &admin,
        "clerk",
        Role::Clerk,
        "clerk-pass-1",
        &friday(),
    );
    (store, admin, clerk)
}

fn file(store: &Store, actor: &Actor, seq: u32, clock: &FixedClock) -> String {
    let birth = NaiveDate::from_ymd_opt(1985, 2, 3).unwrap();
    let document = format!("AC{:07}", seq);
    let input = support::citizen(Sex::Male, birth, seq, "Navbatov", "Ali", &document);
    let c = store.register_citizen(actor, &input, clock).unwrap();
    store
        .file_application(actor, &support::eri_request(c.id), clock) // 1 working day
        .unwrap()
        .id
        .to_string()
}

fn push(store: &Store, results: Vec<(String, Outcome)>) {
    store
        .apply_push(&PushResponse {
            results: results
                .into_iter()
                .map(|(id, outcome)| ItemResult {
                    id: Uuid::parse_str(&id).unwrap(),
                    outcome,
                    code: (outcome == Outcome::Rejected).then(|| "invalid".into()),
                    message_key: (outcome == Outcome::Rejected)
                        .then(|| "err-portal-invalid".into()),
                    due_date: None,
                })
                .collect(),
            received_at: Utc.with_ymd_and_hms(2026, 12, 4, 6, 0, 0).unwrap(),
            audit_stored_to: None,
            audit_head: None,
            audit_refused: None,
            merges_recorded: Vec::new(),
        })
        .unwrap();
}

fn decide(store: &Store, seq: i64, id: &str, status: Status) {
    store
        .apply_changes(&ChangesResponse {
            changes: vec![Change {
                seq,
                kind: ChangeKind::Decision,
                at: Utc.with_ymd_and_hms(2026, 12, 4, 7, 0, 0).unwrap(),
                actor: "agency".into(),
                application_id: Some(Uuid::parse_str(id).unwrap()),
                status: Some(status),
                reason: (status != Status::InReview && status != Status::Completed)
                    .then(|| "sabab".into()),
                catalog: None,
                staff: None,
            }],
            next_cursor: seq,
            bundle_keys: None,
        })
        .unwrap();
}

fn ids(store: &Store, actor: &Actor, kind: QueueKind, clock: &FixedClock) -> Vec<String> {
    let mut v: Vec<String> = store
        .queue(actor, kind, &QueueFilter::default(), clock)
        .unwrap()
        .into_iter()
        .map(|a| a.application.id.to_string())
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn every_state_lands_in_its_queue_and_the_counts_agree() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, clerk) = setup(&dir);
    let clock = friday();
    let waiting = file(&store, &clerk, 1, &clock);
    let refused = file(&store, &clerk, 2, &clock);
    let returned = file(&store, &admin, 3, &clock);
    let completed = file(&store, &clerk, 4, &clock);
    let rejected = file(&store, &admin, 5, &clock);
    let reviewing = file(&store, &clerk, 6, &clock);
    push(
        &store,
        vec![
            (refused.clone(), Outcome::Rejected),
            (returned.clone(), Outcome::Accepted),
            (completed.clone(), Outcome::Accepted),
            (rejected.clone(), Outcome::Accepted),
            (reviewing.clone(), Outcome::Accepted),
        ],
    );
    for (n, id) in [&returned, &completed, &rejected, &reviewing]
        .iter()
        .enumerate()
    {
        decide(&store, n as i64 + 1, id, Status::InReview);
    }
    decide(&store, 10, &returned, Status::Returned);
    decide(&store, 11, &completed, Status::Completed);
    decide(&store, 12, &rejected, Status::Rejected);

    assert_eq!(
        ids(&store, &admin, QueueKind::AwaitingDelivery, &clock),
        vec![waiting.clone()]
    );
    assert_eq!(
        ids(&store, &admin, QueueKind::Quarantined, &clock),
        vec![refused.clone()]
    );
    // The set-aside one carries the portal's reason; the waiting one its failed attempts.
    let aside = store
        .queue(
            &admin,
            QueueKind::Quarantined,
            &QueueFilter::default(),
            &clock,
        )
        .unwrap();
    assert_eq!(aside[0].reason_key.as_deref(), Some("err-portal-invalid"));
    assert_eq!(aside[0].attempts, 1);
    store
        .record_push_failure(&[Uuid::parse_str(&waiting).unwrap()], "err-sync-offline")
        .unwrap();
    let queued = store
        .queue(
            &admin,
            QueueKind::AwaitingDelivery,
            &QueueFilter::default(),
            &clock,
        )
        .unwrap();
    assert_eq!(
        (queued[0].attempts, queued[0].reason_key.as_deref()),
        (1, Some("err-sync-offline"))
    );
    assert!(queued[0].waiting_since.is_some());
    assert_eq!(
        ids(&store, &admin, QueueKind::Returned, &clock),
        vec![returned.clone()]
    );
    assert_eq!(
        ids(&store, &admin, QueueKind::ToHandOver, &clock),
        sorted(vec![completed.clone(), rejected.clone()])
    );
    assert!(ids(&store, &admin, QueueKind::Overdue, &clock).is_empty());
    let counts = store
        .queue_counts(&admin, &QueueFilter::default(), &clock)
        .unwrap();
    assert_eq!(
        counts,
        QueueCounts {
            awaiting_delivery: 1,
            quarantined: 1,
            returned: 1,
            overdue: 0,
            to_hand_over: 2,
            sent_back: 0,
            drafts: 0,
            // Filed with their identity PDF, none delivered by the documents lane yet.
            documents: counts.documents,
        }
    );
    assert!(counts.documents.waiting > 0);
    // The counts and the lists agree for every queue.
    for kind in QueueKind::ALL {
        let n = ids(&store, &admin, kind, &clock).len() as i64;
        let c = match kind {
            QueueKind::AwaitingDelivery => counts.awaiting_delivery,
            QueueKind::Quarantined => counts.quarantined,
            QueueKind::Returned => counts.returned,
            QueueKind::Overdue => counts.overdue,
            QueueKind::ToHandOver => counts.to_hand_over,
            QueueKind::SentBack => counts.sent_back,
        };
        assert_eq!(n, c, "{kind:?}");
    }

    // A clerk sees only her own, whatever filter she asks for.
    let mine = store
        .queue_counts(
            &clerk,
            &QueueFilter {
                clerk: Some("admin".into()),
                ..QueueFilter::default()
            },
            &clock,
        )
        .unwrap();
    assert_eq!(
        (mine.to_hand_over, mine.returned, mine.quarantined),
        (1, 0, 1)
    );
    // Filters: by clerk and by service.
    let by_admin = store
        .queue_counts(
            &admin,
            &QueueFilter {
                clerk: Some("admin".into()),
                ..QueueFilter::default()
            },
            &clock,
        )
        .unwrap();
    assert_eq!(
        (
            by_admin.to_hand_over,
            by_admin.returned,
            by_admin.awaiting_delivery
        ),
        (1, 1, 0)
    );
    let other_service = store
        .queue_counts(
            &admin,
            &QueueFilter {
                service: Some("id-card".into()),
                ..QueueFilter::default()
            },
            &clock,
        )
        .unwrap();
    // The documents lane is the whole desk's: a filter narrows the queues, not the link's work.
    assert_eq!(
        other_service,
        QueueCounts {
            documents: counts.documents,
            ..QueueCounts::default()
        }
    );
    let bad = store.queue_counts(
        &admin,
        &QueueFilter {
            from: Some("4 dekabr".into()),
            ..QueueFilter::default()
        },
        &clock,
    );
    assert_eq!(bad.unwrap_err().code(), Code::Validation);

    // Handing over takes a decision out of its queue, once; an undecided one cannot be.
    store.mark_handed_over(&clerk, &completed, &clock).unwrap();
    store.mark_handed_over(&clerk, &completed, &clock).unwrap();
    assert_eq!(
        ids(&store, &admin, QueueKind::ToHandOver, &clock),
        vec![rejected.clone()]
    );
    assert!(store.mark_handed_over(&clerk, &waiting, &clock).is_err());

    // Retrying a refused delivery puts it back in the delivery queue; clerks may not.
    assert_eq!(
        store
            .retry_delivery(&clerk, &refused, &clock)
            .unwrap_err()
            .code(),
        Code::Forbidden
    );
    store.retry_delivery(&admin, &refused, &clock).unwrap();
    assert_eq!(
        ids(&store, &admin, QueueKind::AwaitingDelivery, &clock),
        sorted(vec![waiting.clone(), refused.clone()])
    );
    assert!(store.retry_delivery(&admin, &refused, &clock).is_err());
    let actions: Vec<String> = store
        .audit_entries(5)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"application.retry".to_string()));
    assert!(actions.contains(&"application.handed_over".to_string()));
}

#[test]
fn overdue_counts_working_days_across_a_weekend_and_a_holiday() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, _) = setup(&dir);
    // Filed Friday 4 Dec with one working day: due Monday 7 Dec (the weekend does not count).
    let friday_app = file(&store, &admin, 1, &friday());
    // Filed Monday 7 Dec: Tuesday 8 Dec is a holiday, so due Wednesday 9 Dec.
    let monday_app = file(&store, &admin, 2, &at(12, 7));
    assert_eq!(
        store.application(&friday_app).unwrap().due_date,
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    );
    assert_eq!(
        store.application(&monday_app).unwrap().due_date,
        NaiveDate::from_ymd_opt(2026, 12, 9).unwrap()
    );
    let overdue = |clock: &FixedClock| ids(&store, &admin, QueueKind::Overdue, clock);
    assert!(overdue(&at(12, 5)).is_empty(), "Saturday");
    assert!(overdue(&at(12, 7)).is_empty(), "due today is not late");
    assert_eq!(
        overdue(&at(12, 8)),
        vec![friday_app.clone()],
        "the holiday after"
    );
    assert_eq!(
        overdue(&at(12, 9)),
        vec![friday_app.clone()],
        "due Wednesday"
    );
    assert_eq!(
        overdue(&at(12, 10)),
        sorted(vec![friday_app.clone(), monday_app.clone()])
    );
    // Decided applications are never overdue.
    push(&store, vec![(friday_app.clone(), Outcome::Accepted)]);
    decide(&store, 1, &friday_app, Status::InReview);
    assert_eq!(overdue(&at(12, 10)).len(), 2, "in review is still waiting");
    decide(&store, 2, &friday_app, Status::Completed);
    assert_eq!(overdue(&at(12, 10)), vec![monday_app]);
    assert_eq!(
        store
            .queue_counts(&admin, &QueueFilter::default(), &at(12, 10))
            .unwrap()
            .overdue,
        1
    );
}

#[test]
fn the_dashboard_counts_the_period() {
    use ariza_store::dashboard::{Period, period_bounds};

    let dir = tempfile::tempdir().unwrap();
    let (store, admin, clerk) = setup(&dir);
    let clock = friday();
    let a = file(&store, &clerk, 1, &clock);
    let b = file(&store, &clerk, 2, &clock);
    let c = file(&store, &admin, 3, &clock);
    // Last week's filing is outside this week.
    file(&store, &admin, 4, &at(11, 27));
    push(
        &store,
        vec![
            (a.clone(), Outcome::Accepted),
            (b.clone(), Outcome::Accepted),
        ],
    );
    decide(&store, 1, &a, Status::InReview);
    decide(&store, 2, &a, Status::Completed);
    decide(&store, 3, &b, Status::InReview);
    decide(&store, 4, &b, Status::Returned);
    let _ = c;

    assert_eq!(
        period_bounds(Period::Week, NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()),
        (
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
        )
    );
    let d = store.dashboard(&admin, Period::Week, None, &clock).unwrap();
    assert_eq!(
        (
            d.total.filed,
            d.total.delivered,
            d.total.completed,
            d.total.rejected,
            d.total.returned
        ),
        (3, 2, 1, 0, 1)
    );
    let by_clerk: Vec<(String, i64)> = d
        .by_clerk
        .iter()
        .map(|r| (r.key.clone(), r.filed))
        .collect();
    assert_eq!(by_clerk, vec![("admin".into(), 1), ("clerk".into(), 2)]);
    assert_eq!(d.by_service.len(), 1);
    // Decided the same day it was filed, within the deadline.
    assert!(d.median_days_to_decision.unwrap() < 1.0);
    assert_eq!(d.decided_within_deadline, Some(1.0));
    let month = store
        .dashboard(
            &admin,
            Period::Month,
            Some(NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()),
            &clock,
        )
        .unwrap();
    assert_eq!(month.total.filed, 1, "November");
    // A clerk's dashboard is her own work.
    let own = store.dashboard(&clerk, Period::Week, None, &clock).unwrap();
    assert_eq!(own.total.filed, 2);

    // The files made of it are ariza-export's (its tests use these same figures).
    let clerk_row = d.by_clerk.iter().find(|r| r.key == "clerk").unwrap();
    assert_eq!(
        (
            clerk_row.filed,
            clerk_row.delivered,
            clerk_row.completed,
            clerk_row.rejected,
            clerk_row.returned
        ),
        (2, 2, 1, 0, 1)
    );
}

fn history_events(store: &Store, id: &str) -> Vec<String> {
    store
        .application(id)
        .unwrap()
        .history
        .iter()
        .map(|h| h.event.as_str().to_string())
        .collect()
}

#[test]
fn supervisors_reassign_and_send_back_and_the_clerk_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, clerk) = setup(&dir);
    let boss = support::add_staff(
        &store,
        &admin,
        "boss",
        Role::Supervisor,
        "boss-pass-12",
        &friday(),
    );
    let clock = friday();
    let app = file(&store, &admin, 1, &clock);
    let filed_before = store.application(&app).unwrap();

    // A clerk may do neither.
    for refused in [
        store.reassign(&clerk, &app, "clerk", &clock).map(|_| ()),
        store
            .send_back(&clerk, &app, "check the phone", &clock)
            .map(|_| ()),
    ] {
        assert_eq!(refused.unwrap_err().code(), Code::Forbidden);
    }
    // Bad input changes nothing: no such clerk, an empty note.
    assert_eq!(
        store
            .reassign(&boss, &app, "nobody", &clock)
            .unwrap_err()
            .code(),
        Code::Validation
    );
    assert_eq!(
        store
            .send_back(&boss, &app, "  ", &clock)
            .unwrap_err()
            .code(),
        Code::Validation
    );
    assert_eq!(store.application(&app).unwrap(), filed_before);

    // Reassigned, the application is the clerk's: in her queues, and hers to cancel.
    let moved = store.reassign(&boss, &app, "clerk", &clock).unwrap();
    assert_eq!(moved.assignee.as_deref(), Some("clerk"));
    assert_eq!(
        moved.clerk, "admin",
        "who took it in person does not change"
    );
    assert_eq!(
        ids(&store, &clerk, QueueKind::AwaitingDelivery, &clock),
        vec![app.clone()]
    );
    // Sent back with a note: in her "sent back" queue until she answers.
    store
        .send_back(&boss, &app, "Telefon raqamini tekshiring", &clock)
        .unwrap();
    assert_eq!(
        store.application(&app).unwrap().sent_back_note.as_deref(),
        Some("Telefon raqamini tekshiring")
    );
    assert_eq!(
        ids(&store, &clerk, QueueKind::SentBack, &clock),
        vec![app.clone()]
    );
    let counts = store
        .queue_counts(&clerk, &QueueFilter::default(), &clock)
        .unwrap();
    assert_eq!((counts.sent_back, counts.awaiting_delivery), (1, 1));
    assert_eq!(
        store
            .answer_sent_back(&clerk, &app, "", &clock)
            .unwrap_err()
            .code(),
        Code::Validation
    );
    store
        .answer_sent_back(&clerk, &app, "Checked with the citizen", &clock)
        .unwrap();
    assert!(ids(&store, &clerk, QueueKind::SentBack, &clock).is_empty());
    assert_eq!(
        store
            .answer_sent_back(&clerk, &app, "again", &clock)
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    // Cancel with a reason: the clerk may, as it is now hers.
    store
        .cancel_application(&clerk, &app, "citizen withdrew", &clock)
        .unwrap();
    assert_eq!(
        store
            .reassign(&boss, &app, "admin", &clock)
            .unwrap_err()
            .code(),
        Code::NotFound,
        "a cancelled application is closed"
    );
    assert_eq!(
        history_events(&store, &app),
        [
            "status",
            "reassigned",
            "sent_back",
            "sent_back_done",
            "status"
        ]
    );
    let h = store.application(&app).unwrap().history;
    assert_eq!(h[1].detail.as_deref(), Some("clerk"));
    assert_eq!(h[2].reason.as_deref(), Some("Telefon raqamini tekshiring"));
    assert_eq!(h[2].actor, "boss");
    assert_eq!(h[4].reason.as_deref(), Some("citizen withdrew"));
    let actions: Vec<String> = store
        .audit_entries(20)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "application.reassign",
        "application.send_back",
        "application.sent_back_done",
        "application.cancel",
    ] {
        assert!(actions.contains(&a.to_string()), "{a}");
    }
    assert!(store.verify_audit().unwrap().ok());
}

#[test]
fn drafts_wait_in_their_queue_and_file_from_where_they_were_left() {
    use ariza_store::{DraftInput, FilingOrigin};
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, clerk) = setup(&dir);
    let clock = friday();
    // A citizen registered, then a draft with half a form.
    let seed = file(&store, &clerk, 1, &clock);
    let citizen_id = store.application(&seed).unwrap().citizen_id;
    let draft = store
        .save_draft(
            &clerk,
            &DraftInput {
                citizen_id: Some(citizen_id),
                service_code: Some("eri-key".into()),
                ..DraftInput::default()
            },
            &clock,
        )
        .unwrap();
    assert_eq!(draft.citizen_name.as_deref(), Some("Navbatov Ali"));
    // Saving again updates the same draft.
    let draft = store
        .save_draft(
            &clerk,
            &DraftInput {
                id: Some(draft.id),
                citizen_id: Some(citizen_id),
                service_code: Some("eri-key".into()),
                form: support::eri_form(),
            },
            &clock,
        )
        .unwrap();
    assert_eq!(draft.form, support::eri_form());
    let counts = store
        .queue_counts(&admin, &QueueFilter::default(), &clock)
        .unwrap();
    assert_eq!(counts.drafts, 1);
    assert_eq!(
        store.drafts(&clerk, &QueueFilter::default()).unwrap().len(),
        1
    );
    // Another clerk's draft cannot be changed by updating it; the admin sees it, filtered.
    assert_eq!(
        store
            .save_draft(
                &admin,
                &DraftInput {
                    id: Some(draft.id),
                    ..DraftInput::default()
                },
                &clock
            )
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let only_admin = QueueFilter {
        clerk: Some("admin".into()),
        ..QueueFilter::default()
    };
    assert!(store.drafts(&admin, &only_admin).unwrap().is_empty());

    // Filing from it: the application exists and the draft is gone, together.
    let req = FileRequest {
        citizen_id,
        service_code: "eri-key".into(),
        form: support::eri_form(),
        documents: vec![support::identity_document()],
        receipt_locale: None,
    };
    let id = draft.id.to_string();
    let app = store
        .file_application_from(&clerk, &req, FilingOrigin::Draft(&id), &clock)
        .unwrap();
    assert_eq!(app.status, Status::Filed);
    assert!(
        store
            .drafts(&admin, &QueueFilter::default())
            .unwrap()
            .is_empty()
    );
    // Filing from it again fails and files nothing.
    let before = store.list_applications(&Default::default()).unwrap().len();
    assert_eq!(
        store
            .file_application_from(&clerk, &req, FilingOrigin::Draft(&id), &clock)
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert_eq!(
        store.list_applications(&Default::default()).unwrap().len(),
        before
    );

    // A supervisor may discard a clerk's draft; a clerk may not discard another's.
    let other = store
        .save_draft(&clerk, &DraftInput::default(), &clock)
        .unwrap();
    store
        .discard_draft(&admin, &other.id.to_string(), &clock)
        .unwrap();
    let admins = store
        .save_draft(&admin, &DraftInput::default(), &clock)
        .unwrap();
    assert_eq!(
        store
            .discard_draft(&clerk, &admins.id.to_string(), &clock)
            .unwrap_err()
            .code(),
        Code::Forbidden
    );
}

#[test]
fn a_quarantined_or_returned_application_is_corrected_and_filed_anew() {
    use ariza_store::FilingOrigin;
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, clerk) = setup(&dir);
    let clock = friday();
    let refused = file(&store, &clerk, 1, &clock);
    let returned = file(&store, &clerk, 2, &clock);
    let fine = file(&store, &clerk, 3, &clock);
    push(
        &store,
        vec![
            (refused.clone(), Outcome::Rejected),
            (returned.clone(), Outcome::Accepted),
            (fine.clone(), Outcome::Accepted),
        ],
    );
    decide(&store, 1, &returned, Status::InReview);
    decide(&store, 2, &returned, Status::Returned);

    let request = |id: &str, form: BTreeMap<String, serde_json::Value>| {
        let old = store.application(id).unwrap();
        FileRequest {
            citizen_id: old.citizen_id,
            service_code: old.service_code,
            form,
            documents: vec![support::identity_document()],
            receipt_locale: None,
        }
    };
    let mut corrected_form = support::eri_form();
    corrected_form.insert("phone".into(), json!("+998 91 765 43 21"));
    // An application that is neither set aside nor returned is not corrected this way.
    assert_eq!(
        store
            .file_application_from(
                &clerk,
                &request(&fine, support::eri_form()),
                FilingOrigin::Correction(&fine),
                &clock
            )
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    // An invalid correction changes nothing.
    let mut bad = support::eri_form();
    bad.insert("phone".into(), json!("12"));
    assert!(
        store
            .file_application_from(
                &clerk,
                &request(&refused, bad),
                FilingOrigin::Correction(&refused),
                &clock
            )
            .is_err()
    );
    assert_eq!(
        ids(&store, &admin, QueueKind::Quarantined, &clock),
        vec![refused.clone()]
    );

    for old in [&refused, &returned] {
        let new = store
            .file_application_from(
                &clerk,
                &request(old, corrected_form.clone()),
                FilingOrigin::Correction(old),
                &clock,
            )
            .unwrap();
        assert_eq!(
            new.replaces.map(|u| u.to_string()).as_deref(),
            Some(old.as_str())
        );
        assert_eq!(
            new.form.get("phone").map(String::as_str),
            Some("+998917654321")
        );
        let was = store.application(old).unwrap();
        assert_eq!(was.status, Status::Cancelled);
        let last = was.history.last().unwrap();
        assert_eq!(last.event.as_str(), "corrected");
        assert_eq!(last.detail.as_deref(), Some(new.tracking_number.as_str()));
    }
    assert!(ids(&store, &admin, QueueKind::Quarantined, &clock).is_empty());
    assert!(ids(&store, &admin, QueueKind::Returned, &clock).is_empty());
    // The two new ones wait for delivery; the old ones are never sent again.
    let outbox: Vec<String> = store
        .outbox_batch(10)
        .unwrap()
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(outbox.len(), 2);
    assert!(!outbox.contains(&refused) && !outbox.contains(&returned));
}
