//! Deadlines count working days: Monday to Friday, less the public holidays the catalog
//! carries.

use chrono::{Datelike, NaiveDate, Weekday};

pub fn is_working_day(day: NaiveDate, holidays: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&day)
}

/// The date `days` working days after `start` (the filing day itself does not count).
pub fn add_working_days(start: NaiveDate, days: u32, holidays: &[NaiveDate]) -> NaiveDate {
    let mut day = start;
    let mut left = days;
    while left > 0 {
        day = day.succ_opt().unwrap_or(day);
        if is_working_day(day, holidays) {
            left -= 1;
        }
    }
    day
}

/// Working days from `today` to `due`: how many are left (0 on the day itself), or, once
/// `due` has passed, how many it is late by, negative.
pub fn working_days_left(today: NaiveDate, due: NaiveDate, holidays: &[NaiveDate]) -> i64 {
    let (mut day, end, sign) = if due >= today {
        (today, due, 1)
    } else {
        (due, today, -1)
    };
    let mut n = 0;
    while day < end {
        day = day.succ_opt().unwrap_or(end);
        if is_working_day(day, holidays) {
            n += 1;
        }
    }
    sign * n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn skips_weekends_and_holidays() {
        // Friday 2026-11-20 + 1 working day → Monday 23rd.
        assert_eq!(add_working_days(d(2026, 11, 20), 1, &[]), d(2026, 11, 23));
        // Saturday + 1 → Monday.
        assert_eq!(add_working_days(d(2026, 11, 21), 1, &[]), d(2026, 11, 23));
        // Wednesday + 5 → next Wednesday.
        assert_eq!(add_working_days(d(2026, 11, 18), 5, &[]), d(2026, 11, 25));
        // Constitution Day 8 December 2026 is a Tuesday.
        let holidays = [d(2026, 12, 8)];
        assert_eq!(
            add_working_days(d(2026, 12, 7), 1, &holidays),
            d(2026, 12, 9)
        );
        assert_eq!(
            add_working_days(d(2026, 12, 7), 0, &holidays),
            d(2026, 12, 7)
        );
    }

    #[test]
    fn working_days_left_count_both_ways() {
        // Friday 20th to Monday 23rd: one working day; back the other way: one late.
        assert_eq!(working_days_left(d(2026, 11, 20), d(2026, 11, 23), &[]), 1);
        assert_eq!(working_days_left(d(2026, 11, 23), d(2026, 11, 20), &[]), -1);
        assert_eq!(working_days_left(d(2026, 11, 18), d(2026, 11, 18), &[]), 0);
        assert_eq!(
            working_days_left(d(2026, 12, 7), d(2026, 12, 9), &[d(2026, 12, 8)]),
            1
        );
        assert_eq!(
            working_days_left(
                d(2026, 11, 18),
                add_working_days(d(2026, 11, 18), 7, &[]),
                &[]
            ),
            7
        );
    }
}
