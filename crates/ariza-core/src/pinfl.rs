//! PINFL (JShShIR): the 14-digit personal identification number.
//!
//! Digit 1 encodes sex and century (odd male, even female; 1–2: 1800s, 3–4: 1900s,
//! 5–6: 2000s), digits 2–7 are the birth date as DDMMYY, digits 8–13 the issuing district and
//! a sequence, digit 14 a check digit: weights 7, 3, 1 repeating over digits 1–13, sum mod 10.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::citizen::Sex;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(export, type = "string")]
pub struct Pinfl(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinflError {
    #[error("a PINFL has 14 digits")]
    Length,
    #[error("a PINFL has only digits")]
    NotDigits,
    #[error("the first digit of a PINFL is 1 to 6")]
    FirstDigit,
    #[error("digits 2 to 7 of a PINFL are not a date")]
    BirthDate,
    #[error("the check digit does not match")]
    CheckDigit,
    #[error("the PINFL's birth date differs from the birth date entered")]
    BirthDateMismatch,
    #[error("the PINFL's sex digit differs from the sex entered")]
    SexMismatch,
}

impl PinflError {
    pub fn message_key(self) -> &'static str {
        match self {
            PinflError::Length => "err-pinfl-length",
            PinflError::NotDigits => "err-pinfl-digits",
            PinflError::FirstDigit => "err-pinfl-first-digit",
            PinflError::BirthDate => "err-pinfl-birth-date",
            PinflError::CheckDigit => "err-pinfl-check-digit",
            PinflError::BirthDateMismatch => "err-pinfl-birth-date-mismatch",
            PinflError::SexMismatch => "err-pinfl-sex-mismatch",
        }
    }
}

const WEIGHTS: [u32; 3] = [7, 3, 1];

/// The check digit for the first 13 digits.
pub fn check_digit(first13: &[u32]) -> u32 {
    first13
        .iter()
        .enumerate()
        .map(|(i, d)| d * WEIGHTS[i % 3])
        .sum::<u32>()
        % 10
}

impl Pinfl {
    /// Parses a PINFL, accepting spaces a clerk may type between groups.
    pub fn parse(input: &str) -> Result<Pinfl, PinflError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(PinflError::NotDigits);
        }
        if compact.len() != 14 {
            return Err(PinflError::Length);
        }
        let digits: Vec<u32> = compact.bytes().map(|b| u32::from(b - b'0')).collect();
        if !(1..=6).contains(&digits[0]) {
            return Err(PinflError::FirstDigit);
        }
        let pinfl = Pinfl(compact);
        pinfl.birth_date().ok_or(PinflError::BirthDate)?;
        if check_digit(&digits[..13]) != digits[13] {
            return Err(PinflError::CheckDigit);
        }
        Ok(pinfl)
    }

    /// Parses and checks agreement with what the clerk entered from the document.
    pub fn parse_for(input: &str, birth_date: NaiveDate, sex: Sex) -> Result<Pinfl, PinflError> {
        let pinfl = Pinfl::parse(input)?;
        if pinfl.birth_date() != Some(birth_date) {
            return Err(PinflError::BirthDateMismatch);
        }
        if pinfl.sex() != sex {
            return Err(PinflError::SexMismatch);
        }
        Ok(pinfl)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a value read back from storage, where it was validated on the way in.
    pub fn from_stored(stored: String) -> Pinfl {
        Pinfl(stored)
    }

    fn digit(&self, i: usize) -> u32 {
        u32::from(self.0.as_bytes()[i] - b'0')
    }

    pub fn sex(&self) -> Sex {
        if self.digit(0) % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        let century = match self.digit(0) {
            1 | 2 => 1800,
            3 | 4 => 1900,
            _ => 2000,
        };
        let day = self.digit(1) * 10 + self.digit(2);
        let month = self.digit(3) * 10 + self.digit(4);
        let year = century + (self.digit(5) * 10 + self.digit(6)) as i32;
        NaiveDate::from_ymd_opt(year, month, day)
    }

    /// Builds a valid PINFL from its parts; for demo data and tests.
    pub fn compose(sex: Sex, birth_date: NaiveDate, district: u32, sequence: u32) -> Pinfl {
        use chrono::Datelike;
        let century_base = match birth_date.year() {
            ..=1899 => 1,
            1900..=1999 => 3,
            _ => 5,
        };
        let first = if sex == Sex::Male {
            century_base
        } else {
            century_base + 1
        };
        let body = format!(
            "{first}{:02}{:02}{:02}{:03}{:03}",
            birth_date.day(),
            birth_date.month(),
            birth_date.year() % 100,
            district % 1000,
            sequence % 1000
        );
        let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
        let check = check_digit(&digits);
        Pinfl(format!("{body}{check}"))
    }
}

impl std::fmt::Display for Pinfl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn check_digit_by_hand() {
        // 3 120590 026 012 → weights 7 3 1 7 3 1 7 3 1 7 3 1 7:
        // 21+3+2+0+15+9+0+0+2+42+0+1+14 = 109 → 9
        let digits = [3, 1, 2, 0, 5, 9, 0, 0, 2, 6, 0, 1, 2];
        assert_eq!(check_digit(&digits), 9);
        let p = Pinfl::parse("31205900260129").unwrap();
        assert_eq!(p.birth_date(), Some(date(1990, 5, 12)));
        assert_eq!(p.sex(), Sex::Male);
        assert_eq!(Pinfl::parse("3120 5900 2601 29").unwrap(), p);
    }

    #[test]
    fn each_reason() {
        assert_eq!(Pinfl::parse("3120590026012"), Err(PinflError::Length));
        assert_eq!(Pinfl::parse("312059002601299"), Err(PinflError::Length));
        assert_eq!(Pinfl::parse("3120590026012a"), Err(PinflError::NotDigits));
        assert_eq!(Pinfl::parse("71205900260129"), Err(PinflError::FirstDigit));
        assert_eq!(Pinfl::parse("01205900260129"), Err(PinflError::FirstDigit));
        assert_eq!(Pinfl::parse("33205900260129"), Err(PinflError::BirthDate));
        assert_eq!(Pinfl::parse("31213900260129"), Err(PinflError::BirthDate));
        assert_eq!(Pinfl::parse("31205900260128"), Err(PinflError::CheckDigit));
        assert_eq!(
            Pinfl::parse_for("31205900260129", date(1990, 5, 13), Sex::Male),
            Err(PinflError::BirthDateMismatch)
        );
        assert_eq!(
            Pinfl::parse_for("31205900260129", date(1990, 5, 12), Sex::Female),
            Err(PinflError::SexMismatch)
        );
        assert!(Pinfl::parse_for("31205900260129", date(1990, 5, 12), Sex::Male).is_ok());
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        let good = "31205900260129";
        for pos in 0..14 {
            for d in b'0'..=b'9' {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[pos] == d {
                    continue;
                }
                bytes[pos] = d;
                let typo = String::from_utf8(bytes).unwrap();
                assert!(Pinfl::parse(&typo).is_err(), "{typo} passed");
            }
        }
    }

    #[test]
    fn compose_gives_valid_numbers() {
        for (sex, d) in [
            (Sex::Female, date(2015, 2, 28)),
            (Sex::Male, date(1961, 12, 1)),
            (Sex::Female, date(1899, 1, 31)),
        ] {
            let p = Pinfl::compose(sex, d, 26, 77);
            let parsed = Pinfl::parse_for(p.as_str(), d, sex).unwrap();
            assert_eq!(parsed, p);
        }
    }
}
