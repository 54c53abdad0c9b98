//! Operators' centers' health: every device the operator may see, with its center, when it
//! was last heard from, what it last delivered and what it said was still waiting — devices
//! silent for the chosen number of days first — and the operator's tools for the field:
//! revoke a device, issue an enrollment code for a center. A regional operator sees and acts
//! on their region only; elsewhere is "not found".

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use uuid::Uuid;

use super::form::WebForm;
use super::page::Ctx;
use super::session::SignedIn;
use crate::ops::devices::DeviceHealth;
use crate::ops::enrollment::MAX_CODE_HOURS;
use crate::ops::users::OPERATOR;
use crate::{Portal, PortalError, db, ops};

/// Devices not heard from for this many days are listed first unless the page asks otherwise.
const DEFAULT_SILENT_DAYS: i64 = 3;

pub(crate) fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&ariza_core::clock::tashkent())
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

fn silent_days(q: &HashMap<String, String>) -> Result<i64, PortalError> {
    match q.get("silent").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(DEFAULT_SILENT_DAYS),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| PortalError::BadRequest("silent days are 1 to 365".into())),
    }
}

fn device_row(ctx: &Ctx, user: &SignedIn, h: &DeviceHealth, silent: i64) -> Markup {
    let d = &h.device;
    let label = d.label();
    html! {
        tr.overdue[h.silent] data-id=(d.id) data-device=(label) {
            td { (d.center_name) " " small { "(" (d.center_code) ")" } br; small { (ctx.region_name(&d.region).unwrap_or_else(|| d.region.clone())) } }
            td { (label) br; small { (d.name) } }
            td {
                @match d.last_seen_at {
                    Some(at) => {
                        (local_time(at)) br;
                        small.days {
                            @if h.days_silent == 0 { (ctx.t("web-today")) }
                            @else { (ctx.ta("web-days-ago", &[("days", h.days_silent.to_string())])) }
                        }
                    }
                    None => { (ctx.t("web-never")) br; small.days { (ctx.ta("web-enrolled-on", &[("date", local_time(d.enrolled_at))])) } }
                }
            }
            td {
                @match (d.last_delivered_at, d.last_delivered_count) {
                    (Some(at), Some(n)) => { (local_time(at)) br; small { (ctx.ta("web-delivered-count", &[("count", n.to_string())])) } }
                    _ => { (ctx.t("web-nothing-yet")) }
                }
            }
            td.backlog {
                @match (d.reported_backlog, d.backlog_reported_at) {
                    (Some(n), Some(at)) => { (n) br; small { (local_time(at)) } }
                    _ => { "—" }
                }
            }
            td {
                @if d.revoked_at.is_some() {
                    span.status.status-rejected { (ctx.t("web-device-revoked")) }
                } @else if h.silent {
                    span.status.status-returned { (ctx.ta("web-device-silent", &[("days", silent.to_string())])) }
                } @else {
                    span.status.status-completed { (ctx.t("web-device-active")) }
                }
            }
            td {
                @if d.revoked_at.is_none() {
                    details.revoke {
                        summary { (ctx.t("web-revoke")) span.visually-hidden { " " (label) } }
                        form.stack method="post" action=(format!("/operator/devices/{}/revoke", d.id)) {
                            input type="hidden" name="csrf" value=(user.csrf);
                            p.hint { (ctx.ta("web-revoke-explain", &[("device", label.clone())])) }
                            button.danger type="submit" id=(format!("revoke-{label}")) { (ctx.ta("web-revoke-device", &[("device", label.clone())])) }
                        }
                    }
                }
            }
        }
    }
}

async fn centers_page(
    portal: &Portal,
    ctx: &Ctx,
    user: &SignedIn,
    q: &HashMap<String, String>,
) -> Result<Response, PortalError> {
    user.require(&[OPERATOR])?;
    let silent = silent_days(q)?;
    let devices = ops::devices::health(portal, &user.user, silent).await?;
    let centers = db::centers::list(&portal.pool.get().await?, user.user.region.as_deref()).await?;
    let active = devices
        .iter()
        .filter(|d| d.device.revoked_at.is_none())
        .count();
    let silent_count = devices.iter().filter(|d| d.silent).count();
    let waiting: i64 = devices
        .iter()
        .filter(|d| d.device.revoked_at.is_none())
        .filter_map(|d| d.device.reported_backlog)
        .map(i64::from)
        .sum();
    // Only a device on this page that is revoked: a crafted link cannot put words here.
    let revoked = q.get("revoked").filter(|label| {
        devices
            .iter()
            .any(|d| d.device.revoked_at.is_some() && d.device.label() == **label)
    });
    Ok(ctx.page(
        Some(user),
        &ctx.t("web-centers-title"),
        html! {
            @if let Some(device) = revoked {
                div.banner.ok role="status" id="centers-done" { p { (ctx.ta("web-revoked-done", &[("device", device.clone())])) } }
            }
            dl.figures id="centers-summary" {
                div { dt { (ctx.t("web-devices-active")) } dd { (active) } }
                div { dt { (ctx.ta("web-devices-silent", &[("days", silent.to_string())])) } dd #silent-count { (silent_count) } }
                div { dt { (ctx.t("web-devices-waiting")) } dd { (waiting) } }
            }
            form.filters method="get" action="/operator/centers" id="centers-filters" {
                div.field {
                    label for="c-silent" { (ctx.t("web-field-silent-days")) }
                    input id="c-silent" name="silent" type="number" min="1" max="365" value=(silent);
                }
                button type="submit" id="centers-show" { (ctx.t("web-show")) }
            }
            div.table-wrap {
                table.queue id="devices" {
                    caption { (ctx.ta("web-devices-count", &[("count", devices.len().to_string())])) }
                    thead { tr {
                        th scope="col" { (ctx.t("web-field-center")) }
                        th scope="col" { (ctx.t("web-field-device")) }
                        th scope="col" { (ctx.t("web-field-last-contact")) }
                        th scope="col" { (ctx.t("web-field-last-delivered")) }
                        th scope="col" { (ctx.t("web-field-backlog")) }
                        th scope="col" { (ctx.t("web-field-state")) }
                        th scope="col" { span.visually-hidden { (ctx.t("web-field-actions")) } }
                    } }
                    tbody {
                        @for h in &devices { (device_row(ctx, user, h, silent)) }
                    }
                }
            }
            @if devices.is_empty() { p.empty { (ctx.t("web-devices-none")) } }
            p.hint { (ctx.t("web-backlog-explain")) }
            section aria-labelledby="enroll-title" {
                h2 id="enroll-title" { (ctx.t("web-enroll-title")) }
                form.filters method="post" action="/operator/enrollment-codes" id="enroll-form" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    div.field {
                        label for="e-center" { (ctx.t("web-field-center")) }
                        select id="e-center" name="center" required {
                            @for c in &centers {
                                option value=(c.code) { (c.code) " — " (c.name) }
                            }
                        }
                    }
                    div.field {
                        label for="e-hours" { (ctx.t("web-field-valid-hours")) }
                        input id="e-hours" name="hours" type="number" min="1" max=(MAX_CODE_HOURS) value="24" required;
                    }
                    button type="submit" id="enroll-issue" { (ctx.t("web-enroll-issue")) }
                }
            }
        },
    ))
}

/// `GET /operator/centers?silent=N`.
pub(crate) async fn centers(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = centers_page(&portal, &ctx, &user, &q).await;
    ctx.answer(Some(&user), result)
}

/// `POST /operator/devices/{id}/revoke`.
pub(crate) async fn revoke(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Path(id): Path<String>,
    form: WebForm,
) -> Response {
    let result = async {
        user.require(&[OPERATOR])?;
        user.check_csrf(&form)?;
        let id = Uuid::parse_str(&id).map_err(|_| PortalError::NotFound)?;
        Ok(
            match ops::devices::revoke_device_as(&portal, &user.user, id).await? {
                Some(label) => Redirect::to(&format!(
                    "/operator/centers?revoked={}",
                    super::page::url_escape(&label)
                )),
                // Revoked already (a second click): nothing more to do.
                None => Redirect::to("/operator/centers"),
            }
            .into_response(),
        )
    }
    .await;
    ctx.answer(Some(&user), result)
}

/// `POST /operator/enrollment-codes`: the code, shown this once and never stored or cached.
pub(crate) async fn issue_code(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    form: WebForm,
) -> Response {
    let result = async {
        user.require(&[OPERATOR])?;
        user.check_csrf(&form)?;
        let center = form.get("center").unwrap_or_default();
        let hours = form
            .get("hours")
            .and_then(|h| h.trim().parse::<i64>().ok())
            .ok_or_else(|| PortalError::BadRequest("hours is a number".into()))?;
        let issued = ops::enrollment::issue_enroll_code_as(&portal, &user.user, center, hours).await?;
        let mut page = ctx.page(
            Some(&user),
            &ctx.t("web-enroll-code-title"),
            html! {
                div.banner.ok role="status" {
                    p { (ctx.ta("web-enroll-code-for", &[("center", format!("{} — {}", issued.center.code, issued.center.name))])) }
                    p.code { output id="enroll-code" { (issued.code) } }
                    p { (ctx.ta("web-enroll-code-expires", &[("at", local_time(issued.expires_at))])) }
                }
                p.hint { (ctx.t("web-enroll-code-once")) }
                p { a href="/operator/centers" { (ctx.t("web-back-to-centers")) } }
            },
        );
        page.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok(page)
    }
    .await;
    ctx.answer(Some(&user), result)
}
