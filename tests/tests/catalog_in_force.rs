//! One catalog in force: a service published with the real `ariza-portal catalog publish`
//! (another process than the serving portal, which had already read the shipped catalog) is
//! accepted end to end — it reaches the desk on the feed, is filed there, delivered by the
//! sync engine, dated by its own deadline, decided by its agency on the portal, and counted
//! in the regional report.
//! Needs the binary built first (`cargo build -p ariza-portal`, done by scripts/test.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use ariza_core::application::{FileRequest, Status};
use ariza_core::clock::SystemClock;
use ariza_e2e::desk::{enrolled_desk, file};
use ariza_e2e::portal::TestPortal;

use serde_json::{Value, json};

const NEW_SERVICE: &str = "eco-permit";
const NEW_AGENCY: &str = "ecology";
const NEW_DEADLINE: u32 = 7;

fn catalog_v2() -> ariza_core::catalog::Catalog {
    let mut catalog = ariza_core::catalog::default_catalog().unwrap();
    catalog.version += 1;
    let mut service = catalog.service("id-card").unwrap().clone();
    service.code = NEW_SERVICE.into();
    service.agency_code = NEW_AGENCY.into();
    service.deadline_working_days = NEW_DEADLINE;
    catalog.services.push(service);
    catalog
}

#[test]
fn a_published_service_is_accepted_end_to_end() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "ECO01");
    // The serving portal reads (and caches) the shipped catalog first: one id-card delivered.
    file(&store, &admin, 1);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 1);
    let shipped = portal
        .rt
        .block_on(ariza_portal::catalog_in_force(&portal.portal))
        .unwrap();
    assert!(shipped.service(NEW_SERVICE).is_none());

    // Published by the operators' command, a separate process.
    let bin = ariza_e2e::binary("ariza-portal");
    assert!(
        bin.exists(),
        "build the portal first: cargo build -p ariza-portal ({})",
        bin.display()
    );
    let file_path = dir.path().join("catalog-v2.json");
    std::fs::write(&file_path, serde_json::to_vec(&catalog_v2()).unwrap()).unwrap();
    let out = Command::new(&bin)
        .args(["catalog", "publish"])
        .arg(&file_path)
        .env("ARIZA_PORTAL_DATABASE_URL", portal.database_url())
        .env("ARIZA_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // It reaches the desk on the feed, and the desk files the new service.
    engine.sync_once(&store).unwrap();
    assert_eq!(store.catalog().unwrap().version, catalog_v2().version);
    let citizen = store.find_citizens("Karimov", 1).unwrap()[0].id;
    let form: BTreeMap<String, Value> =
        serde_json::from_value(json!({"reason": "expired"})).unwrap();
    let filed = store
        .file_application(
            &admin,
            &FileRequest {
                citizen_id: citizen,
                service_code: NEW_SERVICE.into(),
                form,
                documents: ariza_e2e::scans::required_documents(&store, NEW_SERVICE, &SystemClock),
                receipt_locale: None,
            },
            &SystemClock,
        )
        .unwrap();

    // Delivered: accepted by the serving portal, dated by the new service's deadline.
    let report = engine.sync_once(&store).unwrap();
    assert_eq!((report.delivered, report.rejected), (1, 0), "{report:?}");
    let back = store.application(&filed.id.to_string()).unwrap();
    assert_eq!(back.status, Status::Delivered);
    let row = portal.query(
        "SELECT received_at, due_date FROM application WHERE id = $1",
        &[&filed.id],
    );
    let (received, due): (chrono::DateTime<chrono::Utc>, chrono::NaiveDate) =
        (row[0].get(0), row[0].get(1));
    let received_day = received
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive();
    assert_eq!(
        due,
        ariza_core::working_days::add_working_days(
            received_day,
            NEW_DEADLINE,
            &catalog_v2().holidays
        )
    );

    // Decided by the new agency, whose scope is the new service.
    portal.add_user("eco1", "agency", Some(NEW_AGENCY), "eco-pass-1");
    portal.add_user("op1", "operator", None, "op-pass-1");
    let (eco, operator) = (
        portal.sign_in("eco1", "eco-pass-1"),
        portal.sign_in("op1", "op-pass-1"),
    );
    let client = reqwest::blocking::Client::new();
    let queue: Vec<Value> = client
        .get(format!("{}/api/v1/agency/applications", portal.url))
        .bearer_auth(&eco)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        queue.len(),
        1,
        "only the new service's application: {queue:?}"
    );
    assert_eq!(queue[0]["service_code"], NEW_SERVICE);
    for status in ["in_review", "completed"] {
        let decided = client
            .post(format!("{}/api/v1/decisions", portal.url))
            .bearer_auth(&eco)
            .json(&json!({"application": back.tracking_number.to_string(), "status": status}))
            .send()
            .unwrap();
        assert_eq!(decided.status().as_u16(), 200, "{status}");
    }
    engine.sync_once(&store).unwrap();
    assert_eq!(
        store.application(&filed.id.to_string()).unwrap().status,
        Status::Completed
    );

    // Counted: two received today in the center's region, one of them completed.
    let today = received_day.to_string();
    let table: Value = client
        .get(format!(
            "{}/api/v1/reports/regional?from={today}&to={today}",
            portal.url
        ))
        .bearer_auth(&operator)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let region = table["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "1726")
        .unwrap();
    assert_eq!(
        (region["total"].as_i64(), region["completed"].as_i64()),
        (Some(2), Some(1))
    );
}
