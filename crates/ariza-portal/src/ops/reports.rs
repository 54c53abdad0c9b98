//! The regional table — total, in person, online, completed, rejected, in review — for any
//! period, nationally, by region and by center. Read from `report_rollup`, which the ingest
//! and decision transactions keep current; the same figures from the raw rows
//! ([`regional_from_rows`]) are there for the benchmark and the tests to compare.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::reports::Cell;
use crate::{Portal, PortalError, db};

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

fn fold(cells: Vec<Cell>, from: NaiveDate, to: NaiveDate, by_center: bool) -> RegionalReport {
    let names = region_names();
    let mut national = ReportRow {
        code: "UZ".into(),
        name: "Oʻzbekiston".into(),
        ..ReportRow::default()
    };
    let mut regions: BTreeMap<String, ReportRow> = BTreeMap::new();
    let mut centers: BTreeMap<String, ReportRow> = BTreeMap::new();
    for Cell {
        region,
        center,
        center_name,
        channel,
        status,
        n,
    } in cells
    {
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
    let cells = db::reports::rollup_cells(&portal.pool.get().await?, from, to).await?;
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
    let cells = db::reports::row_cells(&portal.pool.get().await?, start, end).await?;
    Ok(fold(cells, from, to, by_center))
}

/// The report as an operator limited to `region` may see it (`None`: the nation): that
/// region alone, its centers, and the region's figures where the nation's would be.
pub fn within(report: RegionalReport, region: Option<&str>) -> RegionalReport {
    let Some(region) = region else {
        return report;
    };
    let regions: Vec<ReportRow> = report
        .regions
        .into_iter()
        .filter(|r| r.code == region)
        .collect();
    let national = regions.first().cloned().unwrap_or_else(|| ReportRow {
        code: region.to_string(),
        name: region_names().get(region).cloned().unwrap_or_default(),
        ..ReportRow::default()
    });
    RegionalReport {
        from: report.from,
        to: report.to,
        national,
        regions,
        centers: report
            .centers
            .into_iter()
            .filter(|c| c.region.as_deref() == Some(region))
            .collect(),
    }
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
