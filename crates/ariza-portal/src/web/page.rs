//! What every page shares: the reader's language, the layout (skip link, header, navigation
//! by role, language switcher, sign-out), error pages, and the home page.

use std::sync::LazyLock;

use ariza_core::error::PortalCode;
use ariza_core::i18n::{Locale, Localizer};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};

use super::session::SignedIn;
use crate::PortalError;

static L10N: LazyLock<Localizer> = LazyLock::new(Localizer::new);

/// The cookie that keeps the reader's language (not personal, not secret).
pub(crate) const LANG_COOKIE: &str = "ariza_lang";

/// What pages allow themselves: their own styles, scripts and images, forms posting to the
/// portal, nothing framed and nothing framing them.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A request's reader: their language and where they are.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub locale: Locale,
    /// The path and query asked for: where to come back to.
    pub here: String,
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn locale_of(parts: &Parts) -> Locale {
    if let Some(locale) = cookie(parts, LANG_COOKIE).and_then(Locale::parse) {
        return locale;
    }
    // The browser's first language we have; Uzbek Latin otherwise.
    let accepted = parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for tag in accepted.split(',') {
        let tag = tag.split(';').next().unwrap_or_default().trim();
        let locale = match tag.to_ascii_lowercase().as_str() {
            "uz-cyrl" | "uz-cyrl-uz" => Some(Locale::UzCyrl),
            "uz" | "uz-latn" | "uz-latn-uz" | "uz-uz" => Some(Locale::UzLatn),
            t if t.starts_with("ru") => Some(Locale::Ru),
            t if t.starts_with("en") => Some(Locale::En),
            _ => None,
        };
        if let Some(locale) = locale {
            return locale;
        }
    }
    Locale::UzLatn
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            locale: locale_of(parts),
            here: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
        })
    }
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        L10N.tr(self.locale, key, &[])
    }

    pub fn ta(&self, key: &str, args: &[(&str, String)]) -> String {
        L10N.tr(self.locale, key, args)
    }

    /// A region's name (by SOATO code) in the reader's language; `None` for a code that is
    /// not one of the 14.
    pub fn region_name(&self, code: &str) -> Option<String> {
        ariza_core::regions::all()
            .into_iter()
            .find(|r| r.soato == code)
            .map(|r| r.name.get(self.locale).to_string())
    }

    /// A status as agencies and citizens read it.
    pub fn status(&self, status: ariza_core::application::Status) -> String {
        self.t(&format!("status-{}", status.as_str().replace('_', "-")))
    }

    /// A full page: the layout around `main`, with the pages' security headers.
    pub fn page(&self, user: Option<&SignedIn>, title: &str, main: Markup) -> Response {
        self.page_with_status(StatusCode::OK, user, title, main)
    }

    pub fn page_with_status(
        &self,
        status: StatusCode,
        user: Option<&SignedIn>,
        title: &str,
        main: Markup,
    ) -> Response {
        let body = layout(self, user, title, main);
        let mut response = (status, body.into_string()).into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
        response
    }

    /// The page a failure shows: a sign-in for a missing session, otherwise its status and a
    /// translated message. Internal details stay in the log.
    pub fn failure(&self, user: Option<&SignedIn>, error: PortalError) -> Response {
        if matches!(error, PortalError::Unauthorized) {
            return to_sign_in(&self.here);
        }
        let status = crate::http::error::status(&error);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %error, "web page unavailable");
        }
        let key = match error.code() {
            PortalCode::NotFound => "web-err-not-found",
            PortalCode::Forbidden => "web-err-forbidden",
            PortalCode::BadRequest => "web-err-bad-request",
            PortalCode::IllegalTransition => "web-err-illegal-transition",
            PortalCode::RateLimited => "web-err-rate-limited",
            PortalCode::AccountLocked => "web-err-account-locked",
            PortalCode::TooLarge => "web-err-too-large",
            _ => "web-err-unavailable",
        };
        let title = self.t(key);
        self.page_with_status(
            status,
            user,
            &title,
            html! {
                div.banner.error role="alert" { p { (title) } }
                p { a href="/" { (self.t("web-back-home")) } }
            },
        )
    }

    /// `Ok` as the page, `Err` as [`Ctx::failure`].
    pub fn answer(
        &self,
        user: Option<&SignedIn>,
        result: Result<Response, PortalError>,
    ) -> Response {
        result.unwrap_or_else(|e| self.failure(user, e))
    }
}

/// To the sign-in page, coming back here afterwards.
pub(crate) fn to_sign_in(here: &str) -> Response {
    let next: String = url_escape(here);
    Redirect::to(&format!("/sign-in?next={next}")).into_response()
}

/// A path as a query value.
pub(crate) fn url_escape(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only a path of this portal: never another site (`//evil`, `https://…`).
pub(crate) fn local_path(path: &str) -> &str {
    if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") {
        path
    } else {
        "/"
    }
}

/// `page` for the navigation link of the page the reader is on.
fn current(ctx: &Ctx, href: &str) -> Option<&'static str> {
    (ctx.here.split('?').next() == Some(href)).then_some("page")
}

fn layout(ctx: &Ctx, user: Option<&SignedIn>, title: &str, main: Markup) -> Markup {
    let app = ctx.t("web-app-name");
    html! {
        (DOCTYPE)
        html lang=(ctx.locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (app) }
                link rel="stylesheet" href="/assets/portal.css";
                script src="/assets/portal.js" defer {}
            }
            body {
                a.skip href="#main" { (ctx.t("web-skip-to-content")) }
                header.top {
                    a.brand href="/" { (app) }
                    nav aria-label=(ctx.t("web-nav-label")) {
                        ul {
                            @if let Some(u) = user {
                                @if u.user.role == crate::ops::users::AGENCY || u.user.is_operator() {
                                    li { a href="/agency" aria-current=[current(ctx, "/agency")] { (ctx.t("web-nav-queue")) } }
                                }
                                @if u.user.is_operator() {
                                    li { a href="/operator" aria-current=[current(ctx, "/operator")] { (ctx.t("web-nav-report")) } }
                                    li { a href="/operator/centers" aria-current=[current(ctx, "/operator/centers")] { (ctx.t("web-nav-centers")) } }
                                }
                                @if u.user.is_operator() && u.user.region.is_none() {
                                    li { a href="/operator/catalog" aria-current=[current(ctx, "/operator/catalog")] { (ctx.t("web-nav-catalog")) } }
                                }
                            }
                            li { a href="/status" aria-current=[current(ctx, "/status")] { (ctx.t("web-nav-status")) } }
                        }
                    }
                    nav.langs aria-label=(ctx.t("web-lang-label")) {
                        ul {
                            @for locale in Locale::ALL {
                                li {
                                    a href=(format!("/lang?to={}&back={}", locale.tag(), url_escape(&ctx.here)))
                                        lang=(locale.tag())
                                        aria-current=[(locale == ctx.locale).then_some("true")] {
                                        (L10N.tr(locale, "web-lang-self", &[]))
                                    }
                                }
                            }
                        }
                    }
                    @if let Some(u) = user {
                        form.sign-out method="post" action="/sign-out" {
                            input type="hidden" name="csrf" value=(u.csrf);
                            span.who { (u.user.username) }
                            button type="submit" { (ctx.t("web-sign-out")) }
                        }
                    } @else {
                        a.sign-in href="/sign-in" { (ctx.t("web-sign-in")) }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (main)
                }
            }
        }
    }
}

/// `/`: where each kind of person starts.
pub(crate) async fn home(ctx: Ctx, user: Option<SignedIn>) -> Response {
    match &user {
        Some(u) if u.user.is_operator() => Redirect::to("/operator").into_response(),
        Some(_) => Redirect::to("/agency").into_response(),
        None => ctx.page(
            None,
            &ctx.t("web-home-title"),
            html! {
                p { (ctx.t("web-home-intro")) }
                ul.choices {
                    li { a.button href="/status" { (ctx.t("web-home-citizen")) } }
                    li { a.button href="/sign-in" { (ctx.t("web-home-staff")) } }
                }
            },
        ),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct LanguageChoice {
    to: String,
    back: Option<String>,
}

/// `/lang?to=ru&back=/status`: keeps the language in a cookie and goes back.
pub(crate) async fn switch_language(
    axum::extract::Query(choice): axum::extract::Query<LanguageChoice>,
) -> Response {
    let back = local_path(choice.back.as_deref().unwrap_or("/")).to_string();
    let mut response = Redirect::to(&back).into_response();
    if let Some(locale) = Locale::parse(&choice.to)
        && let Ok(cookie) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            locale.tag()
        ))
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/status?x=1"), "/status?x=1");
        for outside in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(local_path(outside), "/", "{outside}");
        }
    }
}
