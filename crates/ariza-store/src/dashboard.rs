//! The supervisor's dashboard for a day, a week or a month: what was filed, delivered,
//! completed, rejected and returned, by service and by clerk; the median time from filing to
//! decision; the share decided within the deadline; and exports of it as CSV and XLSX with
//! headers in the desk's language.

use ariza_core::audit::AuditAction;
use std::collections::BTreeMap;

use ariza_core::application::{HistoryEvent, Status};
use ariza_core::clock::{Clock, tashkent, tashkent_days};
use ariza_core::i18n::{Locale, Localizer};
use ariza_core::staff::{Action, Actor};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::stored::StoredRow;
use crate::{Result, Store, StoreError, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Period {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

/// One line of the dashboard: events that happened in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DashboardRow {
    /// A service code or a username (empty for the total).
    pub key: String,
    #[ts(type = "number")]
    pub filed: i64,
    #[ts(type = "number")]
    pub delivered: i64,
    #[ts(type = "number")]
    pub completed: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    #[ts(type = "number")]
    pub returned: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Dashboard {
    pub period: Period,
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    pub total: DashboardRow,
    pub by_service: Vec<DashboardRow>,
    pub by_clerk: Vec<DashboardRow>,
    /// Median days from filing to a decision, for decisions made in the period.
    pub median_days_to_decision: Option<f64>,
    /// Decisions made in the period on or before their deadline, as a fraction.
    pub decided_within_deadline: Option<f64>,
    pub sync: crate::SyncStatus,
}

/// The first and last Tashkent day of the period that holds `day`.
pub fn period_bounds(period: Period, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    match period {
        Period::Day => (day, day),
        Period::Week => {
            let from = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            (from, from + Duration::days(6))
        }
        Period::Month => {
            let from = day.with_day(1).unwrap_or(day);
            let next = if from.month() == 12 {
                NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
            };
            (from, next.map_or(from, |n| n - Duration::days(1)))
        }
    }
}

fn bump(row: &mut DashboardRow, status: Status) {
    match status {
        Status::Filed => row.filed += 1,
        Status::Delivered => row.delivered += 1,
        Status::Completed => row.completed += 1,
        Status::Rejected => row.rejected += 1,
        Status::Returned => row.returned += 1,
        // Not columns of the dashboard: steps on the way (a draft, the agency's review) and
        // applications withdrawn.
        Status::Draft | Status::InReview | Status::Cancelled => {}
    }
}

impl Store {
    /// The dashboard for the period holding `day` (today when `None`). Supervisors and
    /// admins see the center; a clerk sees their own work.
    pub fn dashboard(
        &self,
        actor: &Actor,
        period: Period,
        day: Option<NaiveDate>,
        clock: &dyn Clock,
    ) -> Result<Dashboard> {
        actor.role.require(Action::ViewApplications)?;
        let only = (!actor.role.may(Action::Supervise)).then(|| actor.username.clone());
        let (from, to) = period_bounds(period, day.unwrap_or_else(|| clock.today()));
        let tz = tashkent();
        let (start, end) = tashkent_days(from, to);
        let mut total = DashboardRow::default();
        let mut by_service: BTreeMap<String, DashboardRow> = BTreeMap::new();
        let mut by_clerk: BTreeMap<String, DashboardRow> = BTreeMap::new();
        let mut days_to_decision = Vec::new();
        let (mut decided, mut in_time) = (0u32, 0u32);
        {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                // Filing is the application row itself (migration 0008); every later status
                // change is a history row.
                "SELECT ?4, a.filed_at, a.service_code, s.username, a.filed_at, a.due_date
                 FROM application a
                 JOIN staff s ON s.id = a.clerk_id
                 WHERE a.filed_at >= ?1 AND a.filed_at < ?2 AND (?3 IS NULL OR s.username = ?3)
                 UNION ALL
                 SELECT h.to_status, h.at, a.service_code, s.username, a.filed_at, a.due_date
                 FROM application_history h
                 JOIN application a ON a.id = h.application_id
                 JOIN staff s ON s.id = a.clerk_id
                 WHERE h.at >= ?1 AND h.at < ?2 AND h.event = ?5 AND (?3 IS NULL OR s.username = ?3)",
            )?;
            let args = rusqlite::params![
                ts(start),
                ts(end),
                only,
                Status::Filed.as_str(),
                HistoryEvent::Status.as_str()
            ];
            let rows = stmt.query_map(args, |r| {
                Ok((
                    r.stored::<Status>(0, "application_history", "to_status")?,
                    r.stored::<DateTime<Utc>>(1, "application_history", "at")?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.stored::<DateTime<Utc>>(4, "application", "filed_at")?,
                    r.stored::<NaiveDate>(5, "application", "due_date")?,
                ))
            })?;
            for row in rows {
                let (status, at, service, clerk, filed_at, due) = row?;
                bump(&mut total, status);
                bump(
                    by_service
                        .entry(service.clone())
                        .or_insert_with(|| DashboardRow {
                            key: service,
                            ..DashboardRow::default()
                        }),
                    status,
                );
                bump(
                    by_clerk
                        .entry(clerk.clone())
                        .or_insert_with(|| DashboardRow {
                            key: clerk,
                            ..DashboardRow::default()
                        }),
                    status,
                );
                if status.is_decided() {
                    let days = (at - filed_at).num_minutes() as f64 / (60.0 * 24.0);
                    days_to_decision.push(days);
                    decided += 1;
                    if at.with_timezone(&tz).date_naive() <= due {
                        in_time += 1;
                    }
                }
            }
        }
        days_to_decision.sort_by(f64::total_cmp);
        let median = match days_to_decision.len() {
            0 => None,
            n if n % 2 == 1 => Some(days_to_decision[n / 2]),
            n => Some((days_to_decision[n / 2 - 1] + days_to_decision[n / 2]) / 2.0),
        };
        Ok(Dashboard {
            period,
            from,
            to,
            total,
            by_service: by_service.into_values().collect(),
            by_clerk: by_clerk.into_values().collect(),
            median_days_to_decision: median,
            decided_within_deadline: (decided > 0).then(|| f64::from(in_time) / f64::from(decided)),
            sync: self.sync_status()?,
        })
    }
}

/// The dashboard's headers, in the desk's language.
fn headers(l: &Localizer, locale: Locale, first: &str) -> Vec<String> {
    std::iter::once(l.tr(locale, first, &[]))
        .chain(
            [
                "dash-filed",
                "dash-delivered",
                "dash-completed",
                "dash-rejected",
                "dash-returned",
            ]
            .iter()
            .map(|k| l.tr(locale, k, &[])),
        )
        .collect()
}

fn cells(r: &DashboardRow) -> [i64; 5] {
    [r.filed, r.delivered, r.completed, r.rejected, r.returned]
}

/// CSV: the total, then by service, then by clerk, each block under its localized header.
pub fn dashboard_csv(d: &Dashboard, l: &Localizer, locale: Locale) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = format!(
        "{} {} – {}\n",
        l.tr(locale, "dash-period", &[]),
        d.from,
        d.to
    );
    for (first, rows) in [
        ("dash-total", vec![&d.total]),
        ("dash-by-service", d.by_service.iter().collect()),
        ("dash-by-clerk", d.by_clerk.iter().collect()),
    ] {
        out.push_str(
            &headers(l, locale, first)
                .iter()
                .map(|h| quote(h))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
        for r in rows {
            let mut line = vec![quote(&r.key)];
            line.extend(cells(r).iter().map(i64::to_string));
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    out
}

/// XLSX with three sheets (total, by service, by clerk); numbers as numbers.
pub fn dashboard_xlsx(d: &Dashboard, l: &Localizer, locale: Locale) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();
    for (first, sheet_key, rows) in [
        ("dash-total", "dash-total", vec![&d.total]),
        (
            "dash-service",
            "dash-by-service",
            d.by_service.iter().collect(),
        ),
        ("dash-clerk", "dash-by-clerk", d.by_clerk.iter().collect()),
    ] {
        let sheet = book.add_worksheet();
        let name: String = l.tr(locale, sheet_key, &[]).chars().take(31).collect();
        sheet.set_name(name).map_err(xlsx_error)?;
        for (c, h) in headers(l, locale, first).iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(xlsx_error)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = (i + 1) as u32;
            sheet.write_string(row, 0, &r.key).map_err(xlsx_error)?;
            for (c, v) in cells(r).iter().enumerate() {
                sheet
                    .write_number(row, (c + 1) as u16, *v as f64)
                    .map_err(xlsx_error)?;
            }
        }
    }
    book.save_to_buffer().map_err(xlsx_error)
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> StoreError {
    StoreError::Io(std::io::Error::other(e.to_string()))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A printable report: one self-contained HTML page (A4, print styles), in the desk's
/// language, that any browser prints or saves as PDF.
pub fn dashboard_html(d: &Dashboard, l: &Localizer, locale: Locale, center: &str) -> String {
    let tr = |k: &str| escape_html(&l.tr(locale, k, &[]));
    let mut out = String::new();
    out.push_str(&format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\
         @page {{ size: A4; margin: 15mm; }} body {{ font: 11pt sans-serif; color: #111; }}\
         h1 {{ font-size: 16pt; margin: 0 0 4pt; }} h2 {{ font-size: 12pt; margin: 14pt 0 4pt; }}\
         table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #999; padding: 3pt 6pt; }}\
         td.n {{ text-align: right; font-variant-numeric: tabular-nums; }} th {{ background: #eee; text-align: left; }}\
         .meta {{ color: #444; }}</style></head><body>\n",
        locale.tag(),
        tr("dash-report-title")
    ));
    out.push_str(&format!(
        "<h1>{}</h1>\n<p class=\"meta\">{} · {} {} – {}</p>\n",
        tr("dash-report-title"),
        escape_html(center),
        tr("dash-period"),
        d.from,
        d.to
    ));
    let figure = |v: Option<f64>, pct: bool| match v {
        None => "—".to_string(),
        Some(v) if pct => format!("{:.0} %", v * 100.0),
        Some(v) => format!("{v:.1}"),
    };
    out.push_str(&format!(
        "<table><tr><th>{}</th><td class=\"n\">{}</td></tr><tr><th>{}</th><td class=\"n\">{}</td></tr>\
         <tr><th>{}</th><td class=\"n\">{}</td></tr></table>\n",
        tr("dash-median-days"),
        figure(d.median_days_to_decision, false),
        tr("dash-within-deadline"),
        figure(d.decided_within_deadline, true),
        tr("dash-sync-backlog"),
        d.sync.backlog + d.sync.quarantined,
    ));
    for (title, first, rows) in [
        ("dash-total", "dash-total", vec![&d.total]),
        (
            "dash-by-service",
            "dash-service",
            d.by_service.iter().collect(),
        ),
        ("dash-by-clerk", "dash-clerk", d.by_clerk.iter().collect()),
    ] {
        out.push_str(&format!("<h2>{}</h2>\n<table><tr>", tr(title)));
        for h in headers(l, locale, first) {
            out.push_str(&format!("<th>{}</th>", escape_html(&h)));
        }
        out.push_str("</tr>\n");
        for r in rows {
            out.push_str(&format!("<tr><td>{}</td>", escape_html(&r.key)));
            for v in cells(r) {
                out.push_str(&format!("<td class=\"n\">{v}</td>"));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// The file formats the dashboard exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    /// The printable report.
    Html,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Html => "html",
        }
    }
}

impl Store {
    /// Writes the dashboard for the period into `dir` as `ariza-<from>-<to>.<ext>` (in the
    /// settings' language), records the export in the audit, and returns the file's path.
    #[allow(clippy::too_many_arguments)]
    pub fn export_dashboard(
        &self,
        actor: &Actor,
        period: Period,
        day: Option<NaiveDate>,
        format: ExportFormat,
        dir: &std::path::Path,
        l: &Localizer,
        clock: &dyn Clock,
    ) -> Result<std::path::PathBuf> {
        let d = self.dashboard(actor, period, day, clock)?;
        let locale = self.settings()?.locale;
        let bytes = match format {
            ExportFormat::Csv => dashboard_csv(&d, l, locale).into_bytes(),
            ExportFormat::Xlsx => dashboard_xlsx(&d, l, locale)?,
            ExportFormat::Html => {
                let center = self.require_center()?;
                dashboard_html(&d, l, locale, &format!("{} · {}", center.name, center.code))
                    .into_bytes()
            }
        };
        std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
        let path = dir.join(format!("ariza-{}-{}.{}", d.from, d.to, format.extension()));
        // Written beside and renamed, so a half-written export never looks finished.
        let partial = path.with_extension("partial");
        std::fs::write(&partial, bytes).map_err(StoreError::Io)?;
        std::fs::rename(&partial, &path).map_err(StoreError::Io)?;
        self.audit_event(
            clock.now(),
            &actor.username,
            AuditAction::DashboardExport,
            format.extension(),
            &format!("{}..{}", d.from, d.to),
        )?;
        Ok(path)
    }
}
