//! Operators' pages: the regional report for any period — nationally, by region and by
//! center, as tables, a bar chart and a map of the 14 regions coloured by a chosen figure —
//! and its exports (CSV, XLSX). A regional operator sees their region only.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use maud::{Markup, html};

use super::assets::region_shapes;
use super::page::{Ctx, url_escape};
use super::session::SignedIn;
use crate::ops::reports::{RegionalReport, ReportRow};
use crate::ops::users::OPERATOR;
use crate::{Portal, PortalError, ops};

/// The figures a report row has, in the table's order.
pub(crate) const FIGURES: [&str; 6] = [
    "total",
    "in_person",
    "online",
    "completed",
    "rejected",
    "in_review",
];

fn figure(row: &ReportRow, name: &str) -> i64 {
    match name {
        "in_person" => row.in_person,
        "online" => row.online,
        "completed" => row.completed,
        "rejected" => row.rejected,
        "in_review" => row.in_review,
        _ => row.total,
    }
}

fn figure_label(ctx: &Ctx, name: &str) -> String {
    ctx.t(&format!("web-figure-{}", name.replace('_', "-")))
}

/// What the report page was asked for.
struct ReportAsk {
    from: NaiveDate,
    to: NaiveDate,
    figure: &'static str,
    by_center: bool,
}

async fn ask(portal: &Portal, q: &HashMap<String, String>) -> Result<ReportAsk, PortalError> {
    let today = ops::agency::today(portal).await?;
    let parse = |k: &str| -> Result<Option<NaiveDate>, PortalError> {
        match q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| PortalError::BadRequest("a date is YYYY-MM-DD".into())),
        }
    };
    // The month so far by default.
    let from = parse("from")?.unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let to = parse("to")?.unwrap_or(today);
    let figure = FIGURES
        .into_iter()
        .find(|f| q.get("figure").map(String::as_str) == Some(*f))
        .unwrap_or("total");
    Ok(ReportAsk {
        from,
        to,
        figure,
        by_center: q.get("by").map(String::as_str) != Some("region"),
    })
}

async fn report_for(
    portal: &Portal,
    user: &SignedIn,
    a: &ReportAsk,
) -> Result<RegionalReport, PortalError> {
    user.require(&[OPERATOR])?;
    let report = ops::reports::regional(portal, a.from, a.to, a.by_center).await?;
    let mut report = ops::reports::within(report, user.user.region.as_deref());
    // Every region the reader may see has its line, a region with nothing received too.
    for region in ariza_core::regions::all() {
        let visible = user
            .user
            .region
            .as_deref()
            .is_none_or(|r| r == region.soato);
        if visible && !report.regions.iter().any(|r| r.code == region.soato) {
            report.regions.push(ReportRow {
                code: region.soato.clone(),
                name: region
                    .name
                    .get(ariza_core::i18n::Locale::UzLatn)
                    .to_string(),
                ..ReportRow::default()
            });
        }
    }
    report.regions.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(report)
}

/// A region's name in the reader's language.
fn region_name(ctx: &Ctx, code: &str, fallback: &str) -> String {
    ctx.region_name(code)
        .unwrap_or_else(|| fallback.to_string())
}

/// Five shades from light to dark; the step a value falls in, of the largest value.
const SHADES: [&str; 5] = ["shade-1", "shade-2", "shade-3", "shade-4", "shade-5"];

fn shade(value: i64, max: i64) -> &'static str {
    if max <= 0 || value <= 0 {
        return "shade-0";
    }
    let step = ((value as f64 / max as f64) * SHADES.len() as f64).ceil() as usize;
    SHADES[step.clamp(1, SHADES.len()) - 1]
}

fn map(ctx: &Ctx, report: &RegionalReport, figure_name: &str) -> Markup {
    let values: HashMap<&str, &ReportRow> = report
        .regions
        .iter()
        .map(|r| (r.code.as_str(), r))
        .collect();
    let max = report
        .regions
        .iter()
        .map(|r| figure(r, figure_name))
        .max()
        .unwrap_or(0);
    let label = ctx.ta(
        "web-map-label",
        &[("figure", figure_label(ctx, figure_name))],
    );
    html! {
        figure.map {
            svg viewBox="0 0 1000 600" role="img" aria-labelledby="map-title" id="region-map" {
                title id="map-title" { (label) }
                @for shape in region_shapes() {
                    @let row = values.get(shape.soato.as_str());
                    @let value = row.map(|r| figure(r, figure_name));
                    @let name = ctx.region_name(&shape.soato).unwrap_or_default();
                    path id=(format!("map-{}", shape.soato)) d=(shape.d)
                        class=(match value { Some(v) => shade(v, max), None => "no-data" }) {
                        title { (name) ": " (value.map(|v| v.to_string()).unwrap_or_else(|| "—".into())) }
                    }
                }
                // Tashkent city is a few pixels across: a ring marks where it is.
                @if let Some(city) = region_shapes().iter().find(|s| s.soato == "1726") {
                    circle.city cx=(city.cx) cy=(city.cy) r="9" {}
                }
            }
            figcaption {
                (label)
                ul.legend {
                    li { span.swatch.shade-0 {} "0" }
                    @for (i, s) in SHADES.iter().enumerate() {
                        li { span class=(format!("swatch {s}")) {}
                            "≤ " (((max as f64) * (i + 1) as f64 / SHADES.len() as f64).ceil() as i64) }
                    }
                }
            }
        }
    }
}

fn bars(ctx: &Ctx, report: &RegionalReport, figure_name: &str) -> Markup {
    let max = report
        .regions
        .iter()
        .map(|r| figure(r, figure_name))
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        figure.bars {
            figcaption id="bars-title" { (ctx.ta("web-bars-label", &[("figure", figure_label(ctx, figure_name))])) }
            ul.bars id="region-bars" aria-labelledby="bars-title" {
                @for r in &report.regions {
                    @let v = figure(r, figure_name);
                    li {
                        span.bar-name { (region_name(ctx, &r.code, &r.name)) }
                        // An attribute, not a style: the pages' policy allows no inline styles.
                        svg.bar-track viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
                            rect width=(format!("{:.1}", v as f64 * 100.0 / max as f64)) height="10" {}
                        }
                        span.bar-value { (v) }
                    }
                }
            }
        }
    }
}

fn table(ctx: &Ctx, id: &str, caption: &str, rows: &[&ReportRow], figure_name: &str) -> Markup {
    html! {
        div.table-wrap {
            table.report id=(id) {
                caption { (caption) }
                thead { tr {
                    th scope="col" { (ctx.t("web-field-name")) }
                    @for f in FIGURES {
                        th scope="col" aria-sort=[(f == figure_name).then_some("none")] { (figure_label(ctx, f)) }
                    }
                } }
                tbody {
                    @for r in rows {
                        tr data-code=(r.code) {
                            th scope="row" {
                                @if r.region.is_some() { (r.name) } @else { (region_name(ctx, &r.code, &r.name)) }
                            }
                            @for f in FIGURES { td { (figure(r, f)) } }
                        }
                    }
                }
            }
        }
    }
}

fn ask_query(a: &ReportAsk) -> String {
    format!(
        "from={}&to={}&figure={}&by={}",
        a.from,
        a.to,
        url_escape(a.figure),
        if a.by_center { "center" } else { "region" }
    )
}

async fn report_page(
    portal: &Portal,
    ctx: &Ctx,
    user: &SignedIn,
    q: &HashMap<String, String>,
) -> Result<Response, PortalError> {
    user.require(&[OPERATOR])?;
    let a = ask(portal, q).await?;
    let report = report_for(portal, user, &a).await?;
    let scope = match &user.user.region {
        Some(region) => region_name(ctx, region, &report.national.name),
        None => ctx.t("web-nation"),
    };
    let regions: Vec<&ReportRow> = report.regions.iter().collect();
    let centers: Vec<&ReportRow> = report.centers.iter().collect();
    Ok(ctx.page(
        Some(user),
        &ctx.ta("web-report-title", &[("scope", scope.clone())]),
        html! {
            form.filters method="get" action="/operator" id="report-filters" {
                div.field {
                    label for="r-from" { (ctx.t("web-field-from")) }
                    input id="r-from" name="from" type="date" value=(a.from.to_string());
                }
                div.field {
                    label for="r-to" { (ctx.t("web-field-to")) }
                    input id="r-to" name="to" type="date" value=(a.to.to_string());
                }
                div.field {
                    label for="r-figure" { (ctx.t("web-map-figure")) }
                    select id="r-figure" name="figure" {
                        @for f in FIGURES {
                            option value=(f) selected[f == a.figure] { (figure_label(ctx, f)) }
                        }
                    }
                }
                button type="submit" id="report-show" { (ctx.t("web-show")) }
            }
            p.exports {
                a.button href=(format!("/operator/report.csv?{}", ask_query(&a))) id="export-csv" download { (ctx.t("web-export-csv")) }
                a.button href=(format!("/operator/report.xlsx?{}", ask_query(&a))) id="export-xlsx" download { (ctx.t("web-export-xlsx")) }
            }
            section aria-labelledby="national-title" {
                h2 id="national-title" { (scope) }
                dl.figures id="national" {
                    @for f in FIGURES {
                        div { dt { (figure_label(ctx, f)) } dd { (figure(&report.national, f)) } }
                    }
                }
            }
            div.charts {
                (map(ctx, &report, a.figure))
                (bars(ctx, &report, a.figure))
            }
            (table(ctx, "by-region", &ctx.t("web-by-region"), &regions, a.figure))
            @if a.by_center {
                (table(ctx, "by-center", &ctx.t("web-by-center"), &centers, a.figure))
            }
        },
    ))
}

/// `GET /operator`.
pub(crate) async fn report(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = report_page(&portal, &ctx, &user, &q).await;
    ctx.answer(Some(&user), result)
}

fn attachment(body: impl IntoResponse, media_type: &'static str, name: String) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `GET /operator/report.csv`.
pub(crate) async fn report_csv(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let a = ask(&portal, &q).await?;
        let report = report_for(&portal, &user, &a).await?;
        Ok(attachment(
            ops::reports::to_csv(&report),
            "text/csv; charset=utf-8",
            format!("ariza-report-{}-{}.csv", a.from, a.to),
        ))
    }
    .await;
    ctx.answer(Some(&user), result)
}

fn workbook(ctx: &Ctx, report: &RegionalReport) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(ctx.t("web-report-sheet"))?;
    sheet.write_string_with_format(0, 0, ctx.t("web-field-level"), &bold)?;
    sheet.write_string_with_format(0, 1, ctx.t("web-field-code"), &bold)?;
    sheet.write_string_with_format(0, 2, ctx.t("web-field-name"), &bold)?;
    for (i, f) in FIGURES.iter().enumerate() {
        sheet.write_string_with_format(0, 3 + i as u16, figure_label(ctx, f), &bold)?;
    }
    let levels = std::iter::once(("web-level-national", &report.national))
        .chain(report.regions.iter().map(|r| ("web-level-region", r)))
        .chain(report.centers.iter().map(|r| ("web-level-center", r)));
    for (row, (level, r)) in (1u32..).zip(levels) {
        sheet.write_string(row, 0, ctx.t(level))?;
        sheet.write_string(row, 1, &r.code)?;
        sheet.write_string(row, 2, &r.name)?;
        for (i, f) in FIGURES.iter().enumerate() {
            sheet.write_number(row, 3 + i as u16, figure(r, f) as f64)?;
        }
    }
    sheet.set_column_width(2, 36)?;
    book.save_to_buffer()
}

/// `GET /operator/report.xlsx`: the same table as a workbook, headers in the reader's language.
pub(crate) async fn report_xlsx(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let a = ask(&portal, &q).await?;
        let report = report_for(&portal, &user, &a).await?;
        let bytes = workbook(&ctx, &report).map_err(|e| PortalError::Export(e.to_string()))?;
        Ok(attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("ariza-report-{}-{}.xlsx", a.from, a.to),
        ))
    }
    .await;
    ctx.answer(Some(&user), result)
}
