//! Tracking numbers, made offline and unique across the country without coordination:
//! `CENTER-YYMMDD-DD-SSSSS-C` — the center's code, the filing date (Tashkent), the device's
//! number within its center, the device's sequence for that day, and a check character.
//!
//! The check character is Luhn mod 36 over every letter and digit before it, so any single
//! mistyped character and any swap of two neighbours that differ is caught when a citizen
//! reads the number back over the phone.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn code_point(c: char) -> Option<u32> {
    c.to_digit(36)
}

/// Luhn mod 36 check character for the alphanumeric characters of `body`.
pub fn check_char(body: &str) -> char {
    let n = 36;
    let mut factor = 2;
    let mut sum = 0;
    for c in body.chars().rev().filter(char::is_ascii_alphanumeric) {
        let Some(cp) = code_point(c.to_ascii_uppercase()) else {
            continue;
        };
        let addend = factor * cp;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / n + addend % n;
    }
    let check = (n - sum % n) % n;
    char::from(ALPHABET[check as usize])
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(export, type = "string")]
pub struct TrackingNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackingError {
    #[error("not the form of a tracking number")]
    Form,
    #[error("the check character does not match: a character was mistyped")]
    Check,
}

impl TrackingNumber {
    pub fn new(center: &str, date: NaiveDate, device: u32, sequence: u32) -> TrackingNumber {
        let body = format!(
            "{}{sequence:05}",
            TrackingNumber::day_prefix(center, date, device)
        );
        let check = check_char(&body);
        TrackingNumber(format!("{body}-{check}"))
    }

    /// What every number a device gives out on a day starts with (`CENTER-YYMMDD-DD-`): the
    /// zero-padded sequence follows, so the day's numbers sort in the order they were given.
    pub fn day_prefix(center: &str, date: NaiveDate, device: u32) -> String {
        format!(
            "{}-{}-{device:02}-",
            center.to_uppercase(),
            date.format("%y%m%d")
        )
    }

    /// The device's sequence number for the day (the fourth part).
    pub fn sequence(&self) -> Option<u32> {
        self.0.split('-').nth(3)?.parse().ok()
    }

    /// Parses a number a person typed (any case, spaces ignored) and verifies its check char.
    pub fn parse(input: &str) -> Result<TrackingNumber, TrackingError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        let parts: Vec<&str> = s.split('-').collect();
        let [center, date, device, seq, check] = parts.as_slice() else {
            return Err(TrackingError::Form);
        };
        let well_formed = (2..=8).contains(&center.len())
            && center.chars().all(|c| c.is_ascii_alphanumeric())
            && date.len() == 6
            && NaiveDate::parse_from_str(date, "%y%m%d").is_ok()
            && device.len() == 2
            && seq.len() == 5
            && [date, device, seq]
                .iter()
                .all(|p| p.chars().all(|c| c.is_ascii_digit()))
            && check.len() == 1;
        if !well_formed {
            return Err(TrackingError::Form);
        }
        let body = &s[..s.len() - 2];
        if !check.starts_with(check_char(body)) {
            return Err(TrackingError::Check);
        }
        Ok(TrackingNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a value read back from storage, where it was made by [`TrackingNumber::new`].
    pub fn from_stored(stored: String) -> TrackingNumber {
        TrackingNumber(stored)
    }
}

impl std::fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TrackingNumber {
        TrackingNumber::new(
            "tsh07",
            NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            1,
            42,
        )
    }

    #[test]
    fn form_and_round_trip() {
        let t = sample();
        assert!(t.as_str().starts_with("TSH07-261122-01-00042-"), "{t}");
        assert_eq!(TrackingNumber::parse(t.as_str()).unwrap(), t);
        assert_eq!(
            TrackingNumber::parse(&t.as_str().to_lowercase().replace('-', " - ")).unwrap(),
            t
        );
        assert_eq!(TrackingNumber::parse("hello"), Err(TrackingError::Form));
        assert_eq!(
            TrackingNumber::parse("TSH07-261322-01-00042-A"),
            Err(TrackingError::Form)
        );
    }

    #[test]
    fn every_single_mistyped_character_is_caught() {
        let t = sample();
        let chars: Vec<char> = t.as_str().chars().collect();
        for i in 0..chars.len() {
            if chars[i] == '-' {
                continue;
            }
            for &b in ALPHABET.iter() {
                let c = char::from(b);
                if c == chars[i] {
                    continue;
                }
                let mut typo = chars.clone();
                typo[i] = c;
                let typo: String = typo.into_iter().collect();
                assert!(TrackingNumber::parse(&typo).is_err(), "{typo} accepted");
            }
        }
    }

    #[test]
    fn adjacent_digit_swaps_are_caught() {
        let t = TrackingNumber::new(
            "AB1",
            NaiveDate::from_ymd_opt(2026, 1, 9).unwrap(),
            3,
            12345,
        );
        let s = t.as_str();
        let chars: Vec<char> = s.chars().collect();
        for i in 0..chars.len() - 3 {
            let (a, b) = (chars[i], chars[i + 1]);
            if a == b || !a.is_ascii_digit() || !b.is_ascii_digit() {
                continue;
            }
            let mut swapped = chars.clone();
            swapped.swap(i, i + 1);
            let swapped: String = swapped.into_iter().collect();
            assert!(
                TrackingNumber::parse(&swapped).is_err(),
                "{swapped} accepted"
            );
        }
    }
}
