//! The regional table for operators, as JSON or CSV.

use ariza_core::wire::ApiError;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::OperatorCaller;
use super::decode::ApiQuery;
use crate::ops::reports::RegionalReport;
use crate::{Portal, PortalError, ops};

/// Lines by region only, or by center as well.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReportBy {
    #[default]
    Region,
    Center,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReportFormat {
    #[default]
    Json,
    Csv,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
// A misspelt parameter is refused, not silently ignored: a script asking for `stauts=` must
// not get every application back as if it had asked for them.
#[serde(deny_unknown_fields)]
pub(crate) struct ReportQuery {
    /// First Tashkent receive day, YYYY-MM-DD.
    from: chrono::NaiveDate,
    /// Last Tashkent receive day, YYYY-MM-DD (inclusive; at most ten years after `from`).
    to: chrono::NaiveDate,
    /// `region` (default) or `center` for a line per center as well.
    #[param(inline)]
    by: Option<ReportBy>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    format: Option<ReportFormat>,
}

/// The regional table for a period: total, in person, online, completed, rejected, in review,
/// nationally, by region and optionally by center. Operators only.
#[utoipa::path(
    get,
    path = "/api/v1/reports/regional",
    params(ReportQuery),
    responses(
        (status = 200, content(
            (RegionalReport = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "a parameter that does not parse, `to` before `from`, or more than ten years", body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "not an operator", body = ApiError),
        (status = 503, body = ApiError)
    ),
    security(("portal_user" = []))
)]
pub(crate) async fn regional(
    State(portal): State<Portal>,
    OperatorCaller(operator): OperatorCaller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, PortalError> {
    let by_center = matches!(q.by.unwrap_or_default(), ReportBy::Center);
    let report = ops::reports::regional(&portal, q.from, q.to, by_center).await?;
    // A regional operator sees their region only.
    let report = ops::reports::within(report, operator.region.as_deref());
    Ok(match q.format.unwrap_or_default() {
        ReportFormat::Json => Json(report).into_response(),
        ReportFormat::Csv => (
            [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            ops::reports::to_csv(&report),
        )
            .into_response(),
    })
}
