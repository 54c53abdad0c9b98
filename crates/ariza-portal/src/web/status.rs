//! `/status`: a citizen enters the tracking number and the verification code from their
//! receipt and sees where the application is — service, center, status, the day it was
//! received and its deadline, and nothing about the person. The page checks the number's
//! check character before anything is sent (`assets/portal.js`); the server checks it again.
//! A receipt's QR code opens `/status#n=…&c=…`: the fragment never reaches a server or a log.

use ariza_core::receipt_code::ReceiptCode;
use ariza_core::receipt_seal::ReceiptClaim;
use ariza_core::tracking::{TrackingError, TrackingNumber};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::form::WebForm;
use super::page::Ctx;
use crate::ops::status::{PublicStatus, Seal};
use crate::{Portal, PortalError, ops};

/// A well-formed number for the hint, its check character right.
fn example_tracking() -> String {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    TrackingNumber::new("TSH07", day, 1, 42)
        .as_str()
        .to_string()
}

fn lookup_form(ctx: &Ctx, tracking: &str, code: &str, error: Option<(&str, String)>) -> Markup {
    let (tracking_error, code_error) = match &error {
        Some(("tracking", m)) => (Some(m.as_str()), None),
        Some((_, m)) => (None, Some(m.as_str())),
        None => (None, None),
    };
    html! {
        p { (ctx.t("web-status-intro")) }
        form.stack method="post" action="/status" id="lookup-form" novalidate
            data-msg-mistyped=(ctx.t("web-status-mistyped"))
            data-msg-form=(ctx.t("web-status-not-a-number"))
            data-msg-code=(ctx.t("web-status-not-a-code")) {
            label for="tracking" { (ctx.t("web-status-tracking")) }
            span.hint id="tracking-hint" { (ctx.ta("web-status-tracking-hint", &[("example", example_tracking())])) }
            input id="tracking" name="tracking" type="text" required autocomplete="off"
                autocapitalize="characters" spellcheck="false" value=(tracking)
                aria-describedby="tracking-hint tracking-error"
                aria-invalid=[tracking_error.is_some().then_some("true")];
            span.error id="tracking-error" aria-live="polite" { @if let Some(m) = tracking_error { (m) } }
            label for="code" { (ctx.t("web-status-code")) }
            span.hint id="code-hint" { (ctx.t("web-status-code-hint")) }
            input id="code" name="code" type="text" required autocomplete="off"
                autocapitalize="characters" spellcheck="false" value=(code)
                aria-describedby="code-hint code-error"
                aria-invalid=[code_error.is_some().then_some("true")];
            span.error id="code-error" aria-live="polite" { @if let Some(m) = code_error { (m) } }
            // A scanned receipt's seal, filled in from the QR code's fragment (portal.js).
            input type="hidden" name="seal_device" id="seal-device";
            input type="hidden" name="seal" id="seal";
            input type="hidden" name="seal_url" id="seal-url";
            button type="submit" id="lookup-submit" { (ctx.t("web-status-look-up")) }
        }
    }
}

fn result(ctx: &Ctx, found: &PublicStatus, service_name: &str, seal: Option<Seal>) -> Markup {
    html! {
        section.result aria-labelledby="lookup-result-title" id="lookup-result" {
            h2 id="lookup-result-title" { (found.tracking_number) }
            @match seal {
                Some(Seal::Verified) => p.banner.ok id="receipt-verified" role="status" {
                    (ctx.ta("web-status-receipt-verified", &[("center", found.center_name.clone())]))
                },
                Some(Seal::Refused) => p.banner.error id="receipt-not-verified" role="alert" {
                    (ctx.t("web-status-receipt-not-verified"))
                },
                None => {}
            }
            dl {
                dt { (ctx.t("web-field-service")) } dd { (service_name) }
                dt { (ctx.t("web-field-center")) } dd { (found.center_name) }
                dt { (ctx.t("web-field-status")) }
                dd { span class=(format!("status status-{}", found.status.as_str())) { (ctx.status(found.status)) } }
                dt { (ctx.t("web-field-received")) } dd { (found.received_on.format("%d.%m.%Y")) }
                @if let Some(due) = found.due_date {
                    dt { (ctx.t("web-field-due")) } dd { (due.format("%d.%m.%Y")) }
                }
            }
        }
    }
}

/// `GET /status`.
pub(crate) async fn form(ctx: Ctx) -> Response {
    ctx.page(
        None,
        &ctx.t("web-status-title"),
        lookup_form(&ctx, "", "", None),
    )
}

/// `POST /status`: one answer for an unknown number and a wrong code.
pub(crate) async fn lookup(State(portal): State<Portal>, ctx: Ctx, form: WebForm) -> Response {
    let tracking_typed = form.get("tracking").unwrap_or_default().trim().to_string();
    let code_typed = form.get("code").unwrap_or_default().trim().to_string();
    let title = ctx.t("web-status-title");
    let refuse = |status: StatusCode, field: &str, message: String| {
        ctx.page_with_status(
            status,
            None,
            &title,
            lookup_form(&ctx, &tracking_typed, &code_typed, Some((field, message))),
        )
    };
    let tracking = match TrackingNumber::parse(&tracking_typed) {
        Ok(t) => t,
        Err(TrackingError::Check) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "tracking",
                ctx.t("web-status-mistyped"),
            );
        }
        Err(TrackingError::Form) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "tracking",
                ctx.t("web-status-not-a-number"),
            );
        }
    };
    let Some(code) = ReceiptCode::parse(&code_typed) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "code",
            ctx.t("web-status-not-a-code"),
        );
    };
    let sealed = form.get("seal").unwrap_or_default();
    let seal_claim = (!sealed.is_empty()).then(|| {
        ReceiptClaim::from_qr_text(&format!(
            "{}#n={}&c={}&d={}&s={}",
            form.get("seal_url").unwrap_or_default(),
            tracking.as_str(),
            code.as_str(),
            form.get("seal_device").unwrap_or_default(),
            sealed
        ))
    });
    match ops::status::lookup(&portal, &tracking, &code).await {
        Ok(found) => {
            let seal = match seal_claim {
                None => None,
                Some(None) => Some(Seal::Refused),
                Some(Some((claim, signature))) => {
                    match ops::status::verify_seal(&portal, &claim, &signature).await {
                        Ok(seal) => Some(seal),
                        Err(e) => return ctx.failure(None, e),
                    }
                }
            };
            let service_name = match ops::catalog::in_force(&portal).await {
                Ok(catalog) => catalog
                    .service(&found.service_code)
                    .map(|s| s.name.get(ctx.locale).to_string())
                    .unwrap_or_else(|| found.service_code.clone()),
                Err(e) => return ctx.failure(None, e),
            };
            ctx.page(
                None,
                &title,
                html! {
                    (result(&ctx, &found, &service_name, seal))
                    (lookup_form(&ctx, "", "", None))
                },
            )
        }
        Err(PortalError::NotFound) => ctx.page_with_status(
            StatusCode::NOT_FOUND,
            None,
            &title,
            html! {
                div.banner.error role="alert" id="lookup-not-found" { p { (ctx.t("web-status-not-found")) } }
                (lookup_form(&ctx, &tracking_typed, &code_typed, None))
            },
        ),
        Err(e) => ctx.failure(None, e),
    }
}
