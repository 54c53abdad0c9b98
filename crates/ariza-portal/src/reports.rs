//! The regional table — total, in person, online, completed, rejected, in review — for any
//! period, nationally, by region and by center. Read from `report_rollup`, which the ingest
//! and decision transactions keep current; the same figures from the raw rows
//! ([`regional_from_rows`]) are there for the benchmark and the tests to compare.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, Transaction};

use crate::{Portal, PortalError};

/// One line of the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Region SOATO code, center code, or `UZ` for the nation.
    pub code: String,
    pub name: String,
    /// The region a center belongs to (center rows only).
    pub region: Option<String>,
    pub total: i64,
    pub in_person: i64,
    pub online: i64,
    pub completed: i64,
    pub rejected: i64,
    /// Received and not yet completed or rejected (delivered, in review, returned).
    pub in_review: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegionalReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub national: ReportRow,
    pub regions: Vec<ReportRow>,
    /// Filled when asked for by center.
    pub centers: Vec<ReportRow>,
}

/// Adds `n` applications received on `day` to the roll-up, in the receiving transaction.
pub(crate) async fn add(
    tx: &mut Transaction<'_, Postgres>,
    day: NaiveDate,
    center: &str,
    channel: &str,
    status: &str,
    n: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_rollup (day, center_code, channel, status, n) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (day, center_code, channel, status) DO UPDATE SET n = report_rollup.n + excluded.n",
    )
    .bind(day)
    .bind(center)
    .bind(channel)
    .bind(status)
    .bind(n)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves one application from one status to another in the roll-up (a decision).
pub(crate) async fn moved(
    tx: &mut Transaction<'_, Postgres>,
    received_at: chrono::DateTime<chrono::Utc>,
    center: &str,
    channel: &str,
    from: &str,
    to: &str,
) -> Result<(), sqlx::Error> {
    let day = received_at
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive();
    add(tx, day, center, channel, from, -1).await?;
    add(tx, day, center, channel, to, 1).await
}

fn region_names() -> BTreeMap<String, String> {
    ariza_core::regions::all()
        .into_iter()
        .map(|r| {
            (
                r.soato.clone(),
                r.name.get(ariza_core::i18n::Locale::UzLatn).to_string(),
            )
        })
        .collect()
}

/// (region, center, center name, channel, status, n)
type Cell = (String, String, String, String, String, i64);

fn fold(cells: Vec<Cell>, from: NaiveDate, to: NaiveDate, by_center: bool) -> RegionalReport {
    let names = region_names();
    let mut national = ReportRow {
        code: "UZ".into(),
        name: "Oʻzbekiston".into(),
        ..ReportRow::default()
    };
    let mut regions: BTreeMap<String, ReportRow> = BTreeMap::new();
    let mut centers: BTreeMap<String, ReportRow> = BTreeMap::new();
    for (region, center, center_name, channel, status, n) in cells {
        let apply = |row: &mut ReportRow| {
            row.total += n;
            if channel == "online" {
                row.online += n;
            } else {
                row.in_person += n;
            }
            match status.as_str() {
                "completed" => row.completed += n,
                "rejected" => row.rejected += n,
                "cancelled" => {}
                _ => row.in_review += n,
            }
        };
        apply(&mut national);
        apply(regions.entry(region.clone()).or_insert_with(|| ReportRow {
            code: region.clone(),
            name: names.get(&region).cloned().unwrap_or_default(),
            ..ReportRow::default()
        }));
        if by_center {
            apply(centers.entry(center.clone()).or_insert_with(|| ReportRow {
                code: center.clone(),
                name: center_name.clone(),
                region: Some(region.clone()),
                ..ReportRow::default()
            }));
        }
    }
    RegionalReport {
        from,
        to,
        national,
        regions: regions.into_values().collect(),
        centers: centers.into_values().collect(),
    }
}

fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), PortalError> {
    if to < from {
        return Err(PortalError::BadRequest("`to` is before `from`".into()));
    }
    if (to - from).num_days() > 3660 {
        return Err(PortalError::BadRequest(
            "a period is at most ten years".into(),
        ));
    }
    Ok(())
}

/// The table for `from`..=`to` (Tashkent receive days), from the roll-up.
pub async fn regional(
    portal: &Portal,
    from: NaiveDate,
    to: NaiveDate,
    by_center: bool,
) -> Result<RegionalReport, PortalError> {
    check_period(from, to)?;
    let cells: Vec<Cell> = sqlx::query_as(
        "SELECT c.region, r.center_code, c.name, r.channel, r.status, sum(r.n)::bigint
         FROM report_rollup r JOIN center c ON c.code = r.center_code
         WHERE r.day BETWEEN $1 AND $2
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&portal.pool)
    .await?;
    Ok(fold(cells, from, to, by_center))
}

/// The same table by a plain GROUP BY over every application row: the baseline the roll-up is
/// measured against, and the tests' cross-check.
pub async fn regional_from_rows(
    portal: &Portal,
    from: NaiveDate,
    to: NaiveDate,
    by_center: bool,
) -> Result<RegionalReport, PortalError> {
    check_period(from, to)?;
    let (start, end) = ariza_core::clock::tashkent_days(from, to);
    let cells: Vec<Cell> = sqlx::query_as(
        "SELECT c.region, a.center_code, c.name, a.channel, a.status, count(*)::bigint
         FROM application a JOIN center c ON c.code = a.center_code
         WHERE a.received_at >= $1 AND a.received_at < $2
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&portal.pool)
    .await?;
    Ok(fold(cells, from, to, by_center))
}

/// The table as CSV: one header line, the nation, the regions, then the centers if asked.
pub fn to_csv(report: &RegionalReport) -> String {
    let mut out = String::from(
        "level,code,name,region,total,in_person,online,completed,rejected,in_review\n",
    );
    let quote = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut line = |level: &str, r: &ReportRow| {
        out.push_str(&format!(
            "{level},{},{},{},{},{},{},{},{},{}\n",
            quote(&r.code),
            quote(&r.name),
            quote(r.region.as_deref().unwrap_or("")),
            r.total,
            r.in_person,
            r.online,
            r.completed,
            r.rejected,
            r.in_review
        ));
    };
    line("national", &report.national);
    for r in &report.regions {
        line("region", r);
    }
    for r in &report.centers {
        line("center", r);
    }
    out
}
