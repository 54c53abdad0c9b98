//! Agency staff's pages: the queue (tabs by status, overdue first and marked, filters, a
//! tracking-number search, many taken into review at once), one application with its record,
//! documents and history, and the decisions it can take. Operators may open them too; an
//! agency sees only its own services.

use std::collections::HashMap;

use ariza_core::application::{Status, check_transition};
use ariza_core::catalog::Catalog;
use ariza_core::i18n::Locale;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use uuid::Uuid;

use super::form::WebForm;
use super::page::Ctx;
use super::session::SignedIn;
use crate::ops::agency::{ApplicationView, QueueItem, QueueQuery, StatusGroup};
use crate::ops::users::{AGENCY, OPERATOR};
use crate::{Portal, PortalError, ops};

fn service_name(catalog: &Catalog, code: &str, locale: Locale) -> String {
    catalog
        .service(code)
        .map(|s| s.name.get(locale).to_string())
        .unwrap_or_else(|| code.to_string())
}

fn date(text: Option<&String>) -> Result<Option<NaiveDate>, PortalError> {
    match text.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| PortalError::BadRequest("a date is YYYY-MM-DD".into())),
    }
}

fn parse_query(user: &SignedIn, q: &HashMap<String, String>) -> Result<QueueQuery, PortalError> {
    let text = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Ok(QueueQuery {
        group: match q.get("status") {
            None => StatusGroup::default(),
            Some(s) => StatusGroup::parse(s)
                .ok_or_else(|| PortalError::BadRequest("unknown status group".into()))?,
        },
        service: text("service"),
        // A regional operator sees their region's centers only, whatever the filter says.
        region: user.user.region.clone().or_else(|| text("region")),
        center: text("center").map(|c| c.to_uppercase()),
        from: date(q.get("from"))?,
        to: date(q.get("to"))?,
        tracking: text("tracking"),
    })
}

fn days_left_text(ctx: &Ctx, days: Option<i64>, overdue: bool) -> String {
    match days {
        None => String::new(),
        Some(d) if overdue || d < 0 => ctx.ta("web-days-late", &[("days", d.abs().to_string())]),
        Some(d) => ctx.ta("web-days-left", &[("days", d.to_string())]),
    }
}

fn filters(
    ctx: &Ctx,
    user: &SignedIn,
    catalog: &Catalog,
    services: &[String],
    q: &QueueQuery,
) -> Markup {
    let selected = |a: Option<&str>, b: &str| a == Some(b);
    html! {
        nav.tabs aria-label=(ctx.t("web-queue-tabs")) {
            ul {
                @for g in StatusGroup::ALL {
                    li {
                        a href=(format!("/agency?status={}", g.as_str()))
                            aria-current=[(g == q.group).then_some("page")] {
                            (ctx.t(&format!("web-group-{}", g.as_str().replace('_', "-"))))
                        }
                    }
                }
            }
        }
        form.filters method="get" action="/agency" id="queue-filters" {
            input type="hidden" name="status" value=(q.group.as_str());
            div.field {
                label for="f-tracking" { (ctx.t("web-field-tracking")) }
                input id="f-tracking" name="tracking" type="search" value=(q.tracking.as_deref().unwrap_or(""));
            }
            div.field {
                label for="f-service" { (ctx.t("web-field-service")) }
                select id="f-service" name="service" {
                    option value="" { (ctx.t("web-any")) }
                    @for code in services {
                        option value=(code) selected[selected(q.service.as_deref(), code)] {
                            (service_name(catalog, code, ctx.locale))
                        }
                    }
                }
            }
            @if user.user.region.is_none() {
                div.field {
                    label for="f-region" { (ctx.t("web-field-region")) }
                    select id="f-region" name="region" {
                        option value="" { (ctx.t("web-any")) }
                        @for r in ariza_core::regions::all() {
                            option value=(r.soato) selected[selected(q.region.as_deref(), &r.soato)] {
                                (r.name.get(ctx.locale))
                            }
                        }
                    }
                }
            }
            div.field {
                label for="f-center" { (ctx.t("web-field-center-code")) }
                input id="f-center" name="center" type="text" value=(q.center.as_deref().unwrap_or(""));
            }
            div.field {
                label for="f-from" { (ctx.t("web-field-from")) }
                input id="f-from" name="from" type="date" value=(q.from.map(|d| d.to_string()).unwrap_or_default());
            }
            div.field {
                label for="f-to" { (ctx.t("web-field-to")) }
                input id="f-to" name="to" type="date" value=(q.to.map(|d| d.to_string()).unwrap_or_default());
            }
            button type="submit" id="queue-filter" { (ctx.t("web-filter")) }
        }
    }
}

fn queue_table(ctx: &Ctx, user: &SignedIn, catalog: &Catalog, items: &[QueueItem]) -> Markup {
    html! {
        form method="post" action="/agency/review" id="bulk-review" {
            input type="hidden" name="csrf" value=(user.csrf);
            div.table-wrap {
                table.queue {
                    caption { (ctx.ta("web-queue-count", &[("count", items.len().to_string())])) }
                    thead {
                        tr {
                            th scope="col" { span.visually-hidden { (ctx.t("web-select")) } }
                            th scope="col" { (ctx.t("web-field-tracking")) }
                            th scope="col" { (ctx.t("web-field-service")) }
                            th scope="col" { (ctx.t("web-field-center")) }
                            th scope="col" { (ctx.t("web-field-received")) }
                            th scope="col" { (ctx.t("web-field-due")) }
                            th scope="col" { (ctx.t("web-field-status")) }
                            th scope="col" { (ctx.t("web-field-documents")) }
                        }
                    }
                    tbody {
                        @for item in items {
                            tr.overdue[item.overdue] data-id=(item.id) {
                                td {
                                    @if item.status == Status::Delivered {
                                        input type="checkbox" name="id" value=(item.id)
                                            aria-label=(ctx.ta("web-select-one", &[("tracking", item.tracking_number.clone())]));
                                    }
                                }
                                td { a href=(format!("/agency/applications/{}", item.id)) { (item.tracking_number) } }
                                td { (service_name(catalog, &item.service_code, ctx.locale)) }
                                td { (item.center_name) br; small { (ctx.region_name(&item.region).unwrap_or_else(|| item.region.clone())) } }
                                td { (item.received_at.with_timezone(&ariza_core::clock::tashkent()).format("%d.%m.%Y")) }
                                td {
                                    @if let Some(due) = item.due_date { (due.format("%d.%m.%Y")) br; }
                                    small.days { (days_left_text(ctx, item.days_left, item.overdue)) }
                                }
                                td { span class=(format!("status status-{}", item.status.as_str())) { (ctx.status(item.status)) } }
                                td {
                                    @match (item.documents_complete, item.documents_pending) {
                                        (_, n) if n > 0 => { (ctx.ta("web-documents-pending", &[("count", n.to_string())])) }
                                        (Some(true), _) => { (ctx.t("web-documents-complete")) }
                                        (Some(false), _) => { (ctx.t("web-documents-missing")) }
                                        (None, _) => { "—" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if items.is_empty() {
                p.empty { (ctx.t("web-queue-empty")) }
            } @else {
                button type="submit" id="bulk-review-submit" { (ctx.t("web-take-selected")) }
            }
        }
    }
}

async fn queue_page(
    portal: &Portal,
    ctx: &Ctx,
    user: &SignedIn,
    q: &HashMap<String, String>,
) -> Result<Response, PortalError> {
    user.require(&[AGENCY, OPERATOR])?;
    let query = parse_query(user, q)?;
    let only = ops::users::scope(portal, &user.user).await?;
    let catalog = ops::catalog::in_force(portal).await?;
    let services: Vec<String> = match &only {
        Some(s) => s.clone(),
        None => catalog.services.iter().map(|s| s.code.clone()).collect(),
    };
    let items = ops::agency::queue(portal, only.as_deref(), &query).await?;
    let moved = q.get("taken").and_then(|n| n.parse::<usize>().ok());
    Ok(ctx.page(
        Some(user),
        &ctx.t("web-queue-title"),
        html! {
            @if let Some(n) = moved {
                div.banner.ok role="status" id="queue-done" { p { (ctx.ta("web-taken-into-review", &[("count", n.to_string())])) } }
            }
            (filters(ctx, user, &catalog, &services, &query))
            (queue_table(ctx, user, &catalog, &items))
        },
    ))
}

/// `GET /agency`.
pub(crate) async fn queue(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = queue_page(&portal, &ctx, &user, &q).await;
    ctx.answer(Some(&user), result)
}

/// `POST /agency/review`: takes the ticked applications into review.
pub(crate) async fn take_into_review(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    form: WebForm,
) -> Response {
    let result = async {
        user.require(&[AGENCY, OPERATOR])?;
        user.check_csrf(&form)?;
        let ids = form
            .all("id")
            .into_iter()
            .map(|id| Uuid::parse_str(id).map_err(|_| PortalError::BadRequest("not an id".into())))
            .collect::<Result<Vec<_>, _>>()?;
        let only = ops::users::scope(&portal, &user.user).await?;
        let moved =
            ops::agency::take_into_review(&portal, only.as_deref(), &ids, &user.user.username)
                .await?;
        Ok(Redirect::to(&format!("/agency?status=in_review&taken={moved}")).into_response())
    }
    .await;
    ctx.answer(Some(&user), result)
}

fn record(ctx: &Ctx, catalog: &Catalog, view: &ApplicationView) -> Markup {
    let c = &view.record.citizen;
    let service = catalog.service(&view.record.service_code);
    let label = |key: &str| {
        service
            .and_then(|s| s.fields.iter().find(|f| f.key == key))
            .map(|f| f.label.get(ctx.locale).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    html! {
        section aria-labelledby="citizen-title" {
            h2 id="citizen-title" { (ctx.t("web-citizen")) }
            dl.facts {
                dt { (ctx.t("web-field-name")) }
                dd { (format!("{} {} {}", c.surname, c.given_name, c.patronymic).trim()) }
                dt { (ctx.t("web-field-pinfl")) } dd { (c.pinfl) }
                dt { (ctx.t("web-field-document")) }
                dd { (ctx.t(&format!("doc-{}", c.document_kind.as_str().replace('_', "-")))) " " (c.document_number) }
                dt { (ctx.t("web-field-birth-date")) } dd { (c.birth_date.format("%d.%m.%Y")) }
                dt { (ctx.t("web-field-sex")) } dd { (ctx.t(&format!("sex-{}", c.sex.as_str()))) }
            }
        }
        section aria-labelledby="form-title" {
            h2 id="form-title" { (ctx.t("web-form")) }
            @if view.record.form.is_empty() {
                p { "—" }
            } @else {
                dl.facts {
                    @for (key, value) in &view.record.form {
                        dt { (label(key)) } dd { (value) }
                    }
                }
            }
        }
    }
}

fn documents(ctx: &Ctx, catalog: &Catalog, view: &ApplicationView) -> Markup {
    let name = |key: &str| {
        catalog
            .service(&view.record.service_code)
            .and_then(|s| s.documents.iter().find(|d| d.key == key))
            .map(|d| d.name.get(ctx.locale).to_string())
            .unwrap_or_else(|| key.to_string())
    };
    html! {
        section aria-labelledby="documents-title" {
            h2 id="documents-title" { (ctx.t("web-field-documents")) }
            @if view.documents.is_empty() {
                p { (ctx.t("web-documents-none")) }
            }
            ul.documents {
                @for d in &view.documents {
                    @let href = format!("/agency/applications/{}/documents/{}", view.id, d.sha256);
                    li {
                        h3 { (name(&d.requirement_key)) }
                        @if d.arrived_at.is_none() {
                            p { (ctx.ta("web-document-on-its-way", &[("received", (d.received / 1024).to_string()), ("size", (d.size / 1024).max(1).to_string())])) }
                        } @else if d.media_type.starts_with("image/") {
                            a href=(href) target="_blank" rel="noopener" {
                                img src=(href) alt=(name(&d.requirement_key)) loading="lazy";
                            }
                        } @else {
                            a.button href=(href) target="_blank" rel="noopener" { (ctx.t("web-document-open-pdf")) }
                        }
                    }
                }
            }
        }
    }
}

fn history(ctx: &Ctx, view: &ApplicationView) -> Markup {
    let at = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&ariza_core::clock::tashkent())
            .format("%d.%m.%Y %H:%M")
            .to_string()
    };
    html! {
        section aria-labelledby="hist-title" {
            h2 id="hist-title" { (ctx.t("web-history")) }
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (ctx.t("web-field-when")) }
                        th scope="col" { (ctx.t("web-field-where")) }
                        th scope="col" { (ctx.t("web-field-status")) }
                        th scope="col" { (ctx.t("web-field-who")) }
                        th scope="col" { (ctx.t("web-field-reason")) }
                    } }
                    tbody {
                        @for h in &view.desk_history {
                            tr {
                                td { (at(h.at)) }
                                td { (ctx.t("web-history-desk")) }
                                td { (ctx.status(h.to)) }
                                td { (h.actor_name) }
                                td { (h.reason.as_deref().unwrap_or("")) }
                            }
                        }
                        tr {
                            td { (at(view.received_at)) }
                            td { (ctx.t("web-history-portal")) }
                            td { (ctx.status(Status::Delivered)) }
                            td { "—" }
                            td {}
                        }
                        @for h in &view.portal_history {
                            tr {
                                td { (at(h.at)) }
                                td { (ctx.t("web-history-portal")) }
                                td { (ctx.status(h.status)) }
                                td { (h.actor) }
                                td { (h.reason.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn actions(ctx: &Ctx, user: &SignedIn, view: &ApplicationView) -> Markup {
    // Whether the move is open from here; a reason, where one is needed, is asked for below.
    let can = |to: Status| check_transition(view.status, to, Some("any reason")).is_ok();
    let action = format!("/agency/applications/{}/decide", view.id);
    html! {
        section.actions aria-labelledby="actions-title" {
            h2 id="actions-title" { (ctx.t("web-actions")) }
            @if ![Status::InReview, Status::Completed, Status::Rejected, Status::Returned].into_iter().any(can) {
                p { (ctx.t("web-no-actions")) }
            }
            @if can(Status::InReview) {
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="status" value="in_review";
                    button type="submit" id="take-into-review" { (ctx.t("web-take-into-review")) }
                }
            }
            @if can(Status::Completed) {
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="status" value="completed";
                    button type="submit" id="complete" { (ctx.t("web-complete")) }
                }
            }
            @for (to, id, label, field) in [
                (Status::Rejected, "reject", "web-reject", "web-reject-reason"),
                (Status::Returned, "return", "web-return", "web-return-note"),
            ] {
                @if can(to) {
                    form.stack method="post" action=(action) {
                        input type="hidden" name="csrf" value=(user.csrf);
                        input type="hidden" name="status" value=(to.as_str());
                        label for=(format!("{id}-reason")) { (ctx.t(field)) }
                        textarea id=(format!("{id}-reason")) name="reason" required rows="2" minlength="3" maxlength="1000" {}
                        button type="submit" id=(id) { (ctx.t(label)) }
                    }
                }
            }
        }
    }
}

async fn application_page(
    portal: &Portal,
    ctx: &Ctx,
    user: &SignedIn,
    id: &str,
    done: Option<&String>,
) -> Result<Response, PortalError> {
    user.require(&[AGENCY, OPERATOR])?;
    let id = Uuid::parse_str(id).map_err(|_| PortalError::NotFound)?;
    let only = ops::users::scope(portal, &user.user).await?;
    let view = ops::agency::application(portal, only.as_deref(), id).await?;
    let catalog = ops::catalog::in_force(portal).await?;
    let title = view.tracking_number.clone();
    let late = view.days_left.is_some_and(|d| d < 0)
        && matches!(view.status, Status::Delivered | Status::InReview);
    Ok(ctx.page(
        Some(user),
        &title,
        html! {
            @if let Some(status) = done.and_then(|s| Status::parse(s)) {
                div.banner.ok role="status" id="decision-done" {
                    p { (ctx.ta("web-decision-recorded", &[("status", ctx.status(status))])) }
                }
            }
            p { a href="/agency" { (ctx.t("web-back-to-queue")) } }
            dl.facts.summary {
                dt { (ctx.t("web-field-service")) } dd { (service_name(&catalog, &view.record.service_code, ctx.locale)) }
                dt { (ctx.t("web-field-center")) } dd { (view.center_name) " (" (view.center_code) ")" }
                dt { (ctx.t("web-field-channel")) }
                dd { (ctx.t(if view.online { "web-channel-online" } else { "web-channel-in-person" })) }
                dt { (ctx.t("web-field-status")) }
                dd { span id="application-status" class=(format!("status status-{}", view.status.as_str())) { (ctx.status(view.status)) } }
                dt { (ctx.t("web-field-received")) }
                dd { (view.received_at.with_timezone(&ariza_core::clock::tashkent()).format("%d.%m.%Y %H:%M")) }
                @if let Some(due) = view.due_date {
                    dt { (ctx.t("web-field-due")) }
                    dd.overdue[late] { (due.format("%d.%m.%Y")) " · " (days_left_text(ctx, view.days_left, late)) }
                }
            }
            (actions(ctx, user, &view))
            (record(ctx, &catalog, &view))
            (documents(ctx, &catalog, &view))
            (history(ctx, &view))
        },
    ))
}

/// `GET /agency/applications/{id}`.
pub(crate) async fn application(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = application_page(&portal, &ctx, &user, &id, q.get("done")).await;
    ctx.answer(Some(&user), result)
}

/// `POST /agency/applications/{id}/decide`: one decision, audited, on the center's feed.
pub(crate) async fn decide(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Path(id): Path<String>,
    form: WebForm,
) -> Response {
    let result = async {
        user.require(&[AGENCY, OPERATOR])?;
        user.check_csrf(&form)?;
        let id = Uuid::parse_str(&id).map_err(|_| PortalError::NotFound)?;
        let to = form
            .get("status")
            .and_then(Status::parse)
            .ok_or_else(|| PortalError::BadRequest("unknown status".into()))?;
        let reason = form.get("reason").map(str::trim).filter(|r| !r.is_empty());
        let only = ops::users::scope(&portal, &user.user).await?;
        ops::decisions::decide_within(
            &portal,
            &id.to_string(),
            to,
            reason,
            &user.user.username,
            only.as_deref(),
        )
        .await?;
        Ok(
            Redirect::to(&format!("/agency/applications/{id}?done={}", to.as_str()))
                .into_response(),
        )
    }
    .await;
    ctx.answer(Some(&user), result)
}

/// `GET /agency/applications/{id}/documents/{sha256}`: the scan itself, shown by the browser.
pub(crate) async fn document(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Path((id, sha256)): Path<(String, String)>,
) -> Response {
    let result = async {
        user.require(&[AGENCY, OPERATOR])?;
        let id = Uuid::parse_str(&id).map_err(|_| PortalError::NotFound)?;
        let only = ops::users::scope(&portal, &user.user).await?;
        let (media_type, bytes) =
            ops::agency::document(&portal, only.as_deref(), id, &sha256).await?;
        let mut response = bytes.into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&media_type)
                .map_err(|_| PortalError::Corrupt("document.media_type"))?,
        );
        h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        // Shown by the browser's own viewer, never run: no script, nothing loaded from it.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; sandbox"),
        );
        Ok(response)
    }
    .await;
    ctx.answer(Some(&user), result)
}
