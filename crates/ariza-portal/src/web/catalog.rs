//! Publishing a catalog version from the web: a national operator uploads the JSON file, sees
//! what it changes service by service against the version in force, and confirms. Nothing is
//! published before the confirmation, and the confirmation publishes exactly the file that was
//! shown (its SHA-256 travels with it). The catalog is the nation's: regional operators and
//! agencies are refused.

use std::collections::HashMap;

use ariza_core::catalog::Catalog;
use ariza_core::catalog_diff::{CatalogProblem, ServiceChange};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::form::WebForm;
use super::page::Ctx;
use super::session::SignedIn;
use crate::ops::catalog::{CatalogPreview, CatalogRefusal};
use crate::{Portal, PortalError, ops};

fn refusal_text(ctx: &Ctx, refusal: &CatalogRefusal) -> (String, Option<String>) {
    let code = |c: &String| vec![("code", c.clone())];
    match refusal {
        CatalogRefusal::Unreadable(detail) => {
            (ctx.t("web-catalog-unreadable"), Some(detail.clone()))
        }
        CatalogRefusal::NotNewer { version, newest } => (
            ctx.ta(
                "web-catalog-not-newer",
                &[
                    ("version", version.to_string()),
                    ("newest", newest.to_string()),
                ],
            ),
            None,
        ),
        CatalogRefusal::Problem(p) => {
            let text = match p {
                CatalogProblem::NoServices => ctx.t("web-catalog-no-services"),
                CatalogProblem::EmptyCode => ctx.t("web-catalog-empty-code"),
                CatalogProblem::DuplicateService(c) => {
                    ctx.ta("web-catalog-duplicate-service", &code(c))
                }
                CatalogProblem::DuplicateKey { service, key } => ctx.ta(
                    "web-catalog-duplicate-key",
                    &[("code", service.clone()), ("key", key.clone())],
                ),
                CatalogProblem::NoAgency(c) => ctx.ta("web-catalog-no-agency", &code(c)),
                CatalogProblem::NegativeFee(c) => ctx.ta("web-catalog-negative-fee", &code(c)),
                CatalogProblem::NoDeadline(c) => ctx.ta("web-catalog-no-deadline", &code(c)),
                CatalogProblem::NoFormat(c) => ctx.ta("web-catalog-no-format", &code(c)),
            };
            (text, None)
        }
    }
}

async fn upload_page(
    portal: &Portal,
    ctx: &Ctx,
    user: &SignedIn,
    published: Option<&str>,
    refusal: Option<&CatalogRefusal>,
) -> Result<Response, PortalError> {
    ops::catalog::national_operator(&user.user)?;
    let current = ops::catalog::in_force(portal).await?;
    let status = if refusal.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(ctx.page_with_status(
        status,
        Some(user),
        &ctx.t("web-catalog-title"),
        html! {
            // Only the version in force: a crafted link cannot claim another was published.
            @if published.is_some_and(|v| v == current.version.to_string()) {
                div.banner.ok role="status" id="catalog-done" {
                    p { (ctx.ta("web-catalog-published", &[("version", current.version.to_string())])) }
                }
            }
            @if let Some(r) = refusal {
                @let (text, detail) = refusal_text(ctx, r);
                div.banner.error role="alert" id="catalog-error" {
                    p { (text) }
                    @if let Some(d) = detail { p { code { (d) } } }
                }
            }
            p id="catalog-in-force" {
                (ctx.ta("web-catalog-in-force", &[
                    ("version", current.version.to_string()),
                    ("count", current.services.len().to_string()),
                ]))
            }
            form.stack method="post" action="/operator/catalog/preview" enctype="multipart/form-data" id="catalog-upload" {
                input type="hidden" name="csrf" value=(user.csrf);
                label for="catalog-file" { (ctx.t("web-catalog-file")) }
                input id="catalog-file" name="catalog" type="file" accept="application/json,.json" required aria-describedby="catalog-file-hint";
                p.hint id="catalog-file-hint" { (ctx.t("web-catalog-file-hint")) }
                button type="submit" id="catalog-preview" { (ctx.t("web-catalog-see-changes")) }
            }
        },
    ))
}

/// `GET /operator/catalog`.
pub(crate) async fn catalog(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let published = q.get("published").map(String::as_str);
    let result = upload_page(&portal, &ctx, &user, published, None).await;
    ctx.answer(Some(&user), result)
}

fn service_label(ctx: &Ctx, catalog: &Catalog, code: &str) -> String {
    catalog
        .service(code)
        .map(|s| format!("{} ({code})", s.name.get(ctx.locale)))
        .unwrap_or_else(|| code.to_string())
}

fn keys_changed(
    ctx: &Ctx,
    key: &str,
    added: &[String],
    removed: &[String],
    changed: &[String],
) -> String {
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.join(", ")
        }
    };
    ctx.ta(
        key,
        &[
            ("added", list(added)),
            ("removed", list(removed)),
            ("changed", list(changed)),
        ],
    )
}

fn change_text(ctx: &Ctx, change: &ServiceChange) -> String {
    match change {
        ServiceChange::Name => ctx.t("web-change-name"),
        ServiceChange::Agency => ctx.t("web-change-agency"),
        ServiceChange::Category => ctx.t("web-change-category"),
        ServiceChange::Fee { from, to } => ctx.ta(
            "web-change-fee",
            &[("from", from.to_string()), ("to", to.to_string())],
        ),
        ServiceChange::Deadline { from, to } => ctx.ta(
            "web-change-deadline",
            &[("from", from.to_string()), ("to", to.to_string())],
        ),
        ServiceChange::Fields {
            added,
            removed,
            changed,
        } => keys_changed(ctx, "web-change-fields", added, removed, changed),
        ServiceChange::Documents {
            added,
            removed,
            changed,
        } => keys_changed(ctx, "web-change-documents", added, removed, changed),
    }
}

fn diff_view(ctx: &Ctx, current: &Catalog, p: &CatalogPreview) -> Markup {
    let d = &p.diff;
    html! {
        @if d.is_empty() {
            p.empty id="catalog-no-change" { (ctx.t("web-catalog-no-change")) }
        }
        @if !d.added.is_empty() {
            section aria-labelledby="added-title" {
                h2 id="added-title" { (ctx.ta("web-catalog-added", &[("count", d.added.len().to_string())])) }
                ul id="catalog-added" { @for c in &d.added { li { (service_label(ctx, &p.catalog, c)) } } }
            }
        }
        @if !d.removed.is_empty() {
            section aria-labelledby="removed-title" {
                h2 id="removed-title" { (ctx.ta("web-catalog-removed", &[("count", d.removed.len().to_string())])) }
                ul id="catalog-removed" { @for c in &d.removed { li { (service_label(ctx, current, c)) } } }
            }
        }
        @if !d.changed.is_empty() {
            section aria-labelledby="changed-title" {
                h2 id="changed-title" { (ctx.ta("web-catalog-changed", &[("count", d.changed.len().to_string())])) }
                ul id="catalog-changed" {
                    @for (c, changes) in &d.changed {
                        li data-code=(c) {
                            (service_label(ctx, &p.catalog, c))
                            ul { @for change in changes { li { (change_text(ctx, change)) } } }
                        }
                    }
                }
            }
        }
        @if !d.holidays_added.is_empty() || !d.holidays_removed.is_empty() {
            p id="catalog-holidays" {
                (ctx.ta("web-catalog-holidays", &[
                    ("added", d.holidays_added.len().to_string()),
                    ("removed", d.holidays_removed.len().to_string()),
                ]))
            }
        }
        @if let Some((from, to)) = d.bhm_changed {
            p id="catalog-bhm" { (ctx.ta("web-catalog-bhm", &[("from", from.to_string()), ("to", to.to_string())])) }
        }
    }
}

/// `POST /operator/catalog/preview` (multipart): what the uploaded file would change.
pub(crate) async fn preview(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    form: WebForm,
) -> Response {
    let result = async {
        ops::catalog::national_operator(&user.user)?;
        user.check_csrf(&form)?;
        let text = form.get("catalog").unwrap_or_default();
        let preview = match ops::catalog::preview_catalog(&portal, &user.user, text).await? {
            Ok(p) => p,
            Err(refusal) => return upload_page(&portal, &ctx, &user, None, Some(&refusal)).await,
        };
        let current = ops::catalog::in_force(&portal).await?;
        let version = preview.catalog.version.to_string();
        // The confirmation carries the catalog as read, on one line: a browser sends a form's
        // line breaks as CR LF, which would change the file and its digest.
        let as_read = serde_json::to_string(&preview.catalog)
            .map_err(|e| PortalError::BadRequest(format!("catalog: {e}")))?;
        Ok(ctx.page(
            Some(&user),
            &ctx.ta("web-catalog-preview-title", &[("version", version.clone())]),
            html! {
                p { (ctx.ta("web-catalog-against", &[("version", preview.in_force_version.to_string())])) }
                (diff_view(&ctx, &current, &preview))
                form.stack method="post" action="/operator/catalog/publish" id="catalog-confirm" {
                    input type="hidden" name="csrf" value=(user.csrf);
                    input type="hidden" name="catalog" value=(as_read);
                    input type="hidden" name="sha256" value=(ops::sha256_hex(as_read.as_bytes()));
                    p.hint { (ctx.t("web-catalog-publish-explain")) }
                    button type="submit" id="catalog-publish" { (ctx.ta("web-catalog-publish", &[("version", version)])) }
                }
                p { a href="/operator/catalog" { (ctx.t("web-cancel")) } }
            },
        ))
    }
    .await;
    ctx.answer(Some(&user), result)
}

/// `POST /operator/catalog/publish`: publishes the file the preview showed.
pub(crate) async fn publish(
    State(portal): State<Portal>,
    ctx: Ctx,
    user: SignedIn,
    form: WebForm,
) -> Response {
    let result = async {
        ops::catalog::national_operator(&user.user)?;
        user.check_csrf(&form)?;
        let text = form.get("catalog").unwrap_or_default();
        if form.get("sha256") != Some(ops::sha256_hex(text.as_bytes()).as_str()) {
            return Err(PortalError::BadRequest(
                "the catalog is not the one previewed".into(),
            ));
        }
        // Read and checked again: the version in force may have moved since the preview.
        let preview = match ops::catalog::preview_catalog(&portal, &user.user, text).await? {
            Ok(p) => p,
            Err(refusal) => return upload_page(&portal, &ctx, &user, None, Some(&refusal)).await,
        };
        ops::catalog::publish_catalog_as(&portal, &user.user, &preview.catalog).await?;
        Ok(Redirect::to(&format!(
            "/operator/catalog?published={}",
            preview.catalog.version
        ))
        .into_response())
    }
    .await;
    ctx.answer(Some(&user), result)
}
