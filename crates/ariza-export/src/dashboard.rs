//! The dashboard rendered: CSV, XLSX (three sheets, numbers as numbers) and a printable HTML
//! page, each with the headers in the desk's language. Pure functions of the store's
//! [`Dashboard`]; writing the file is [`crate::export_dashboard`].

use ariza_core::i18n::{Locale, Localizer};
use ariza_store::dashboard::{Dashboard, DashboardRow};

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
pub fn dashboard_xlsx(
    d: &Dashboard,
    l: &Localizer,
    locale: Locale,
) -> Result<Vec<u8>, crate::ExportError> {
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
        sheet.set_name(name)?;
        for (c, h) in headers(l, locale, first).iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = (i + 1) as u32;
            sheet.write_string(row, 0, &r.key)?;
            for (c, v) in cells(r).iter().enumerate() {
                sheet.write_number(row, (c + 1) as u16, *v as f64)?;
            }
        }
    }
    Ok(book.save_to_buffer()?)
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
