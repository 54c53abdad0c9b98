//! The portal on the web, in the same binary as the API: server-rendered pages (maud) with
//! a few lines of script where a page is better for them (the status page checks a tracking
//! number's check character before sending it). Every text comes from the shared Fluent files
//! (`web-…` keys). Three kinds of people use it: agency staff (`agency`), operators
//! (`operator`) and citizens (`status`, no sign-in). Every page checks the role on the server.
//!
//! Why server-rendered (docs/architecture.md, "The portal on the web"): a citizen's phone on a
//! slow link gets a few kilobytes of HTML that work without script, forms and links are
//! accessible by default, and there is no second build to embed.

mod agency;
mod assets;
mod catalog;
mod centers;
mod form;
mod operator;
mod page;
mod session;
mod status;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::Portal;
use crate::http::address_limit;

pub(crate) use page::Ctx;

/// The web pages' routes, merged into the API's router. What anyone may open counts against
/// the per-address limit of the API's public routes; signing in against its own, stricter one.
pub(crate) fn routes(portal: &Portal) -> Router<Portal> {
    let public = from_fn_with_state(portal.clone(), address_limit::public);
    let sign_in = from_fn_with_state(portal.clone(), address_limit::sign_in);
    let open_to_all = Router::new()
        .route("/", get(page::home))
        .route("/lang", get(page::switch_language))
        .route("/status", get(status::form).post(status::lookup))
        .route(
            "/sign-in",
            post(session::sign_in)
                .route_layer(sign_in)
                .get(session::sign_in_form),
        )
        .route("/assets/{name}", get(assets::asset))
        .route_layer(public);
    Router::new()
        .merge(open_to_all)
        .route("/sign-out", post(session::sign_out))
        .route("/agency", get(agency::queue))
        .route("/agency/review", post(agency::take_into_review))
        .route("/agency/applications/{id}", get(agency::application))
        .route("/agency/applications/{id}/decide", post(agency::decide))
        .route(
            "/agency/applications/{id}/documents/{sha256}",
            get(agency::document),
        )
        .route("/operator", get(operator::report))
        .route("/operator/report.csv", get(operator::report_csv))
        .route("/operator/report.xlsx", get(operator::report_xlsx))
        .route("/operator/centers", get(centers::centers))
        .route("/operator/devices/{id}/revoke", post(centers::revoke))
        .route("/operator/enrollment-codes", post(centers::issue_code))
        .route("/operator/catalog", get(catalog::catalog))
        .route("/operator/catalog/preview", post(catalog::preview))
        .route("/operator/catalog/publish", post(catalog::publish))
}

#[cfg(test)]
mod tests {
    use ariza_core::application::Status;
    use ariza_core::i18n::{Locale, Localizer};

    use crate::ops::agency::StatusGroup;

    /// The keys the pages make at run time (the locale test finds only quoted ones).
    #[test]
    fn every_key_the_pages_compose_is_in_every_locale() {
        let l = Localizer::new();
        let mut keys: Vec<String> = StatusGroup::ALL
            .iter()
            .map(|g| format!("web-group-{}", g.as_str().replace('_', "-")))
            .collect();
        keys.extend(
            super::operator::FIGURES
                .iter()
                .map(|f| format!("web-figure-{}", f.replace('_', "-"))),
        );
        keys.extend(
            [
                Status::Delivered,
                Status::InReview,
                Status::Completed,
                Status::Rejected,
                Status::Returned,
            ]
            .iter()
            .map(|s| format!("status-{}", s.as_str().replace('_', "-"))),
        );
        for locale in Locale::ALL {
            for key in &keys {
                assert!(l.has(locale, key), "{key} ({})", locale.tag());
            }
        }
    }
}
