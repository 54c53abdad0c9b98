//! The dashboard's files: what a spreadsheet program or a browser finds in them.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::clock::FixedClock;
use ariza_core::i18n::{Locale, Localizer};
use ariza_core::staff::{NewStaff, Role};
use ariza_export::{ExportFormat, dashboard_csv, dashboard_html, dashboard_xlsx, export_dashboard};
use ariza_store::dashboard::{Dashboard, DashboardRow, Period};
use ariza_store::{SetupRequest, Store, SyncStatus};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

fn row(key: &str, counts: [i64; 5]) -> DashboardRow {
    let [filed, delivered, completed, rejected, returned] = counts;
    DashboardRow {
        key: key.into(),
        filed,
        delivered,
        completed,
        rejected,
        returned,
    }
}

/// The week the store's dashboard test builds: three filed, two delivered, one completed,
/// one returned; two of them by `clerk`.
fn week() -> Dashboard {
    Dashboard {
        period: Period::Week,
        from: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
        total: row("", [3, 2, 1, 0, 1]),
        by_service: vec![row("eri-key", [3, 2, 1, 0, 1])],
        by_clerk: vec![row("admin", [1, 0, 0, 0, 0]), row("clerk", [2, 2, 1, 0, 1])],
        median_days_to_decision: Some(0.2),
        decided_within_deadline: Some(1.0),
        sync: SyncStatus::default(),
    }
}

#[test]
fn csv_has_localized_headers_and_quotes_what_needs_it() {
    let l = Localizer::new();
    let mut d = week();
    let csv = dashboard_csv(&d, &l, Locale::Ru);
    assert!(
        csv.contains("Всего,Подано,Доставлено,Исполнено,Отказано,Возвращено"),
        "{csv}"
    );
    assert!(csv.contains("\n,3,2,1,0,1\n"), "{csv}");
    assert!(csv.contains("clerk,2,2,1,0,1"), "{csv}");
    d.by_service[0].key = "a,\"b\"".into();
    let csv = dashboard_csv(&d, &l, Locale::En);
    assert!(csv.contains("\n\"a,\"\"b\"\"\",3,2,1,0,1\n"), "{csv}");
}

#[test]
fn xlsx_opens_in_a_reader_with_numbers_as_numbers() {
    let l = Localizer::new();
    let bytes = dashboard_xlsx(&week(), &l, Locale::UzLatn).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["Jami", "Xizmatlar boʻyicha", "Xodimlar boʻyicha"]
    );
    let total = book.worksheet_range("Jami").unwrap();
    assert_eq!(
        total.get_value((0, 1)),
        Some(&Data::String("Topshirilgan".into()))
    );
    assert_eq!(total.get_value((1, 1)), Some(&Data::Float(3.0)));
    assert_eq!(total.get_value((1, 5)), Some(&Data::Float(1.0)));
    let clerks = book.worksheet_range("Xodimlar boʻyicha").unwrap();
    assert_eq!(
        clerks.get_value((2, 0)),
        Some(&Data::String("clerk".into()))
    );
    assert_eq!(clerks.get_value((2, 1)), Some(&Data::Float(2.0)));
}

#[test]
fn the_printable_report_escapes_what_it_shows() {
    let l = Localizer::new();
    let mut d = week();
    d.by_clerk[0].key = "<script>".into();
    let html = dashboard_html(&d, &l, Locale::En, "Chilonzor & Co · TSH07");
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Chilonzor &amp; Co · TSH07"), "{html}");
    assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    assert!(html.contains("<td class=\"n\">100 %</td>"), "{html}");
}

#[test]
fn an_export_is_written_whole_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::at_tashkent(2026, 12, 4, 10, 0);
    let store = Store::open(&dir.path().join("desk.db")).unwrap();
    let admin = store
        .setup(
            &SetupRequest {
                center_code: "tsh07".into(),
                center_name: "Chilonzor DXM".into(),
                region: "1726".into(),
                district: "1726294".into(),
                admin: NewStaff {
                    username: "admin".into(),
                    full_name: "Aziza Karimova".into(),
                    role: Role::Admin,
                    password: "admin-pass-1".into(),
                },
            },
            &clock,
        )
        .unwrap();
    let out = dir.path().join("exports");
    let l = Localizer::new();
    for format in [ExportFormat::Csv, ExportFormat::Xlsx, ExportFormat::Html] {
        let path =
            export_dashboard(&store, &admin, Period::Week, None, format, &out, &l, &clock).unwrap();
        assert_eq!(
            path.file_name().unwrap().to_string_lossy(),
            format!("ariza-2026-11-30-2026-12-06.{}", format.extension())
        );
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
        let last = &store.audit_entries(1).unwrap()[0];
        assert_eq!(
            (
                last.action.as_str(),
                last.subject.as_str(),
                last.detail.as_str()
            ),
            (
                "dashboard.export",
                format.extension(),
                "2026-11-30..2026-12-06"
            )
        );
    }
    let html = std::fs::read_to_string(out.join("ariza-2026-11-30-2026-12-06.html")).unwrap();
    assert!(html.contains("Chilonzor DXM · TSH07"), "{html}");
    // Nothing half-written is left beside the files.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}
