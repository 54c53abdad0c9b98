//! The supervisor's dashboard for a day, a week or a month: what was filed, delivered,
//! completed, rejected and returned, by service and by clerk; the median time from filing to
//! decision; the share decided within the deadline. The files made of it (CSV, XLSX, the
//! printable report) are ariza-export's.

use std::collections::BTreeMap;

use ariza_core::application::{HistoryEvent, Status};
use ariza_core::clock::{Clock, tashkent, tashkent_days};
use ariza_core::staff::{Action, Actor};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::stored::StoredRow;
use crate::{Result, Store, ts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Period {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

/// One line of the dashboard: events that happened in the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DashboardRow {
    /// A service code or a username (empty for the total).
    pub key: String,
    #[ts(type = "number")]
    pub filed: i64,
    #[ts(type = "number")]
    pub delivered: i64,
    #[ts(type = "number")]
    pub completed: i64,
    #[ts(type = "number")]
    pub rejected: i64,
    #[ts(type = "number")]
    pub returned: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Dashboard {
    pub period: Period,
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    pub total: DashboardRow,
    pub by_service: Vec<DashboardRow>,
    pub by_clerk: Vec<DashboardRow>,
    /// Median days from filing to a decision, for decisions made in the period.
    pub median_days_to_decision: Option<f64>,
    /// Decisions made in the period on or before their deadline, as a fraction.
    pub decided_within_deadline: Option<f64>,
    pub sync: crate::SyncStatus,
}

/// The first and last Tashkent day of the period that holds `day`.
pub fn period_bounds(period: Period, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    match period {
        Period::Day => (day, day),
        Period::Week => {
            let from = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            (from, from + Duration::days(6))
        }
        Period::Month => {
            let from = day.with_day(1).unwrap_or(day);
            let next = if from.month() == 12 {
                NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
            };
            (from, next.map_or(from, |n| n - Duration::days(1)))
        }
    }
}

fn bump(row: &mut DashboardRow, status: Status) {
    match status {
        Status::Filed => row.filed += 1,
        Status::Delivered => row.delivered += 1,
        Status::Completed => row.completed += 1,
        Status::Rejected => row.rejected += 1,
        Status::Returned => row.returned += 1,
        // Not columns of the dashboard: steps on the way (a draft, the agency's review) and
        // applications withdrawn.
        Status::Draft | Status::InReview | Status::Cancelled => {}
    }
}

impl Store {
    /// The dashboard for the period holding `day` (today when `None`). Supervisors and
    /// admins see the center; a clerk sees their own work.
    pub fn dashboard(
        &self,
        actor: &Actor,
        period: Period,
        day: Option<NaiveDate>,
        clock: &dyn Clock,
    ) -> Result<Dashboard> {
        actor.role.require(Action::ViewApplications)?;
        let only = (!actor.role.may(Action::Supervise)).then(|| actor.username.clone());
        let (from, to) = period_bounds(period, day.unwrap_or_else(|| clock.today()));
        let tz = tashkent();
        let (start, end) = tashkent_days(from, to);
        let mut total = DashboardRow::default();
        let mut by_service: BTreeMap<String, DashboardRow> = BTreeMap::new();
        let mut by_clerk: BTreeMap<String, DashboardRow> = BTreeMap::new();
        let mut days_to_decision = Vec::new();
        let (mut decided, mut in_time) = (0u32, 0u32);
        {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                // Filing is the application row itself (migration 0008); every later status
                // change is a history row.
                "SELECT ?4, a.filed_at, a.service_code, s.username, a.filed_at, a.due_date
                 FROM application a
                 JOIN staff s ON s.id = a.clerk_id
                 WHERE a.filed_at >= ?1 AND a.filed_at < ?2 AND (?3 IS NULL OR s.username = ?3)
                 UNION ALL
                 SELECT h.to_status, h.at, a.service_code, s.username, a.filed_at, a.due_date
                 FROM application_history h
                 JOIN application a ON a.id = h.application_id
                 JOIN staff s ON s.id = a.clerk_id
                 WHERE h.at >= ?1 AND h.at < ?2 AND h.event = ?5 AND (?3 IS NULL OR s.username = ?3)",
            )?;
            let args = rusqlite::params![
                ts(start),
                ts(end),
                only,
                Status::Filed.as_str(),
                HistoryEvent::Status.as_str()
            ];
            let rows = stmt.query_map(args, |r| {
                Ok((
                    r.stored::<Status>(0, "application_history", "to_status")?,
                    r.stored::<DateTime<Utc>>(1, "application_history", "at")?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.stored::<DateTime<Utc>>(4, "application", "filed_at")?,
                    r.stored::<NaiveDate>(5, "application", "due_date")?,
                ))
            })?;
            for row in rows {
                let (status, at, service, clerk, filed_at, due) = row?;
                bump(&mut total, status);
                bump(
                    by_service
                        .entry(service.clone())
                        .or_insert_with(|| DashboardRow {
                            key: service,
                            ..DashboardRow::default()
                        }),
                    status,
                );
                bump(
                    by_clerk
                        .entry(clerk.clone())
                        .or_insert_with(|| DashboardRow {
                            key: clerk,
                            ..DashboardRow::default()
                        }),
                    status,
                );
                if status.is_decided() {
                    let days = (at - filed_at).num_minutes() as f64 / (60.0 * 24.0);
                    days_to_decision.push(days);
                    decided += 1;
                    if at.with_timezone(&tz).date_naive() <= due {
                        in_time += 1;
                    }
                }
            }
        }
        days_to_decision.sort_by(f64::total_cmp);
        let median = match days_to_decision.len() {
            0 => None,
            n if n % 2 == 1 => Some(days_to_decision[n / 2]),
            n => Some((days_to_decision[n / 2 - 1] + days_to_decision[n / 2]) / 2.0),
        };
        Ok(Dashboard {
            period,
            from,
            to,
            total,
            by_service: by_service.into_values().collect(),
            by_clerk: by_clerk.into_values().collect(),
            median_days_to_decision: median,
            decided_within_deadline: (decided > 0).then(|| f64::from(in_time) / f64::from(decided)),
            sync: self.sync_status()?,
        })
    }
}
