//! The portal's regional report: a synthetic 2022 Q1 loaded through the ingest path, the
//! table from the roll-up equal to the generator's promise and to a GROUP BY over the raw rows,
//! kept current by real pushes and decisions; the API (JSON and CSV) for operators only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::Status;
use ariza_e2e::desk::{enrolled_desk, file};
use ariza_e2e::portal::TestPortal;
use ariza_portal::reports::{regional, regional_from_rows};
use chrono::NaiveDate;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, m, d).unwrap()
}

#[test]
fn a_demo_quarter_reports_what_the_generator_made() {
    let portal = TestPortal::start();
    let scale = 0.001;
    let loaded = portal
        .rt
        .block_on(ariza_demo::load_2022q1(&portal.portal, scale))
        .unwrap();
    let expected = ariza_demo::expected(scale).unwrap();
    let total: i64 = expected.values().map(|r| r.total).sum();
    assert_eq!(loaded.applications, total);
    assert_eq!(portal.count("SELECT count(*) FROM application"), total);

    let report = portal
        .rt
        .block_on(regional(&portal.portal, day(1, 1), day(3, 31), true))
        .unwrap();
    assert_eq!(report.regions.len(), 14);
    for r in &report.regions {
        let e = &expected[&r.code];
        assert_eq!(
            (
                r.total,
                r.in_person,
                r.online,
                r.completed,
                r.rejected,
                r.in_review
            ),
            (
                e.total,
                e.in_person,
                e.online,
                e.completed,
                e.rejected,
                e.in_review
            ),
            "region {}",
            r.code
        );
    }
    assert_eq!(report.national.total, total);
    // The published shares survive the scaling: Tashkent city is the most online region.
    let ts = report.regions.iter().find(|r| r.code == "1726").unwrap();
    let share = ts.online as f64 / ts.total as f64;
    assert!((share - 297_434.0 / 1_066_034.0).abs() < 0.01, "{share}");
    // Every center's lines add up to its region.
    for r in &report.regions {
        let centers: i64 = report
            .centers
            .iter()
            .filter(|c| c.region.as_deref() == Some(&r.code))
            .map(|c| c.total)
            .sum();
        assert_eq!(centers, r.total);
    }
    // The roll-up and the raw rows agree, for the quarter and for a part of it.
    for (from, to) in [
        (day(1, 1), day(3, 31)),
        (day(1, 15), day(2, 10)),
        (day(3, 31), day(3, 31)),
    ] {
        let fast = portal
            .rt
            .block_on(regional(&portal.portal, from, to, true))
            .unwrap();
        let slow = portal
            .rt
            .block_on(regional_from_rows(&portal.portal, from, to, true))
            .unwrap();
        assert_eq!(fast, slow, "{from}..{to}");
    }
    // Outside the quarter: nothing.
    let empty = portal
        .rt
        .block_on(regional(&portal.portal, day(4, 1), day(4, 30), false))
        .unwrap();
    assert_eq!(empty.national.total, 0);

    // The CLI's CSV: a header, the nation, 14 regions.
    let csv = ariza_portal::reports::to_csv(&report);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("level,code,name,region,total,in_person,online,completed,rejected,in_review")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("national,UZ,Oʻzbekiston,,{total},"))
    );
    assert_eq!(csv.lines().filter(|l| l.starts_with("region,")).count(), 14);
}

#[test]
fn pushes_and_decisions_keep_the_rollup_current_and_the_api_serves_it() {
    let portal = TestPortal::start();
    portal.add_user("op1", "operator", None, "operator-pass-1");
    portal.add_user("iiv1", "agency", Some("iiv"), "agency-pass-1");
    let (operator, agency) = (
        portal.sign_in("op1", "operator-pass-1"),
        portal.sign_in("iiv1", "agency-pass-1"),
    );
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "REP01");
    let ids = file(&store, &admin, 3);
    engine.sync_once(&store).unwrap();
    portal.decide(&ids[0], Status::InReview, None);
    portal.decide(&ids[0], Status::Rejected, Some("hujjat yoʻq"));
    portal.decide(&ids[1], Status::InReview, None);
    portal.decide(&ids[1], Status::Completed, None);

    let today = chrono::Utc::now()
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive();
    let report = portal
        .rt
        .block_on(regional(&portal.portal, today, today, true))
        .unwrap();
    let n = &report.national;
    assert_eq!(
        (
            n.total,
            n.in_person,
            n.online,
            n.completed,
            n.rejected,
            n.in_review
        ),
        (3, 3, 0, 1, 1, 1)
    );
    let slow = portal
        .rt
        .block_on(regional_from_rows(&portal.portal, today, today, true))
        .unwrap();
    assert_eq!(report, slow);

    let client = reqwest::blocking::Client::new();
    let url = format!(
        "{}/api/v1/reports/regional?from={today}&to={today}&by=center",
        portal.url
    );
    let r = client.get(&url).bearer_auth(&operator).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: ariza_portal::reports::RegionalReport = r.json().unwrap();
    assert_eq!(body, report);
    let r = client
        .get(format!("{url}&format=csv"))
        .bearer_auth(&operator)
        .send()
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().unwrap();
    assert!(
        csv.contains("center,REP01,Test DXM,1726,3,3,0,1,1,1"),
        "{csv}"
    );
    // Agencies do not get the national table; nor does anyone unauthenticated.
    let r = client.get(&url).bearer_auth(&agency).send().unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(client.get(&url).send().unwrap().status().as_u16(), 401);
    let bad = client
        .get(format!(
            "{}/api/v1/reports/regional?from={today}&to=2020-01-01",
            portal.url
        ))
        .bearer_auth(&operator)
        .send()
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}
