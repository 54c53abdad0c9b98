//! Time, passed in rather than read, so logic can be tested at any instant.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeZone, Utc};

/// Asia/Tashkent: UTC+5 all year (no daylight saving since 1992).
pub fn tashkent() -> FixedOffset {
    // 5 hours is always a valid offset; the UTC fallback is unreachable.
    FixedOffset::east_opt(5 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The instants bounding the Tashkent days `from` to `to` (both included), as a half-open UTC
/// range `[start, end)`: what a query over stored UTC timestamps needs for "these days".
pub fn tashkent_days(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = tashkent()
        .from_local_datetime(&from.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    (
        start,
        start + chrono::Duration::days((to - from).num_days() + 1),
    )
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Tashkent.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&tashkent()).date_naive()
    }
}

/// The real clock; used only at the edges (binaries).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it is told; for tests and reproducible demo data.
#[derive(Debug)]
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> FixedClock {
        FixedClock(std::sync::Mutex::new(at))
    }

    pub fn at_tashkent(y: i32, m: u32, d: u32, h: u32, min: u32) -> FixedClock {
        let local = tashkent()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        FixedClock::new(local)
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|t| *t).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tashkent_days_are_a_half_open_utc_range() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert_eq!(
            tashkent_days(d(16), d(22)),
            (
                Utc.with_ymd_and_hms(2026, 11, 15, 19, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 11, 22, 19, 0, 0).unwrap()
            )
        );
    }

    #[test]
    fn tashkent_day_starts_five_hours_before_utc() {
        let c = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 21, 19, 30, 0).unwrap());
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        let c = FixedClock::at_tashkent(2026, 11, 22, 9, 0);
        assert_eq!(
            c.now(),
            Utc.with_ymd_and_hms(2026, 11, 22, 4, 0, 0).unwrap()
        );
    }
}
