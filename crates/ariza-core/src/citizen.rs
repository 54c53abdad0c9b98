//! A citizen as the clerk records them from their identity document.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::document::{self, DocumentKind};
use crate::error::{DomainError, FieldError, Validation};
use crate::pinfl::Pinfl;
use crate::translit;
use crate::{phone, regions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn parse(s: &str) -> Option<Sex> {
        match s {
            "male" | "m" | "M" => Some(Sex::Male),
            "female" | "f" | "F" => Some(Sex::Female),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Address {
    /// SOATO code of the region (4 digits).
    pub region: String,
    /// SOATO code of the district (7 digits).
    pub district: String,
    pub street: String,
}

/// What the clerk typed; every field is checked by [`CitizenInput::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CitizenInput {
    pub pinfl: String,
    pub document_kind: Option<DocumentKind>,
    pub document_number: String,
    pub surname: String,
    pub given_name: String,
    #[serde(default)]
    pub patronymic: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    pub sex: Option<Sex>,
    #[serde(default)]
    pub phone: String,
    pub region: String,
    pub district: String,
    #[serde(default)]
    pub street: String,
}

/// A checked, normalized citizen ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewCitizen {
    pub pinfl: Pinfl,
    pub document_kind: DocumentKind,
    pub document_number: String,
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    #[ts(type = "string")]
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub phone: Option<String>,
    pub address: Address,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Citizen {
    #[ts(type = "number")]
    pub id: i64,
    #[serde(flatten)]
    pub data: NewCitizen,
}

impl NewCitizen {
    pub fn full_name(&self) -> String {
        [&self.surname, &self.given_name, &self.patronymic]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The script-free key that name search matches against.
    pub fn name_search_key(&self) -> String {
        translit::search_key(&self.full_name())
    }
}

fn normalize_name(input: &str) -> String {
    if translit::has_cyrillic(input) {
        input.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        translit::normalize_latin(input)
    }
}

fn valid_name(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | translit::OKINA | translit::TUTUQ))
        && name.chars().any(char::is_alphabetic)
}

impl CitizenInput {
    /// Checks every field against the domain rules; `today` bounds the birth date.
    pub fn validate(&self, today: NaiveDate) -> Result<NewCitizen, DomainError> {
        let mut v = Validation::default();
        let surname = normalize_name(&self.surname);
        let given_name = normalize_name(&self.given_name);
        let patronymic = normalize_name(&self.patronymic);
        for (field, value, required) in [
            ("surname", &surname, true),
            ("given_name", &given_name, true),
            ("patronymic", &patronymic, false),
        ] {
            if value.is_empty() {
                if required {
                    v.push(FieldError::new(field, "err-required"));
                }
            } else if !valid_name(value) {
                v.push(FieldError::new(field, "err-name-chars"));
            } else if value.chars().count() > 60 {
                v.push(FieldError::new(field, "err-field-too-long").with("max", 60));
            }
        }

        let birth_date = match NaiveDate::parse_from_str(self.birth_date.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                v.push(FieldError::new("birth_date", "err-date-future"));
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                v.push(FieldError::new("birth_date", "err-date"));
                None
            }
        };
        if self.sex.is_none() {
            v.push(FieldError::new("sex", "err-required"));
        }

        let pinfl = match (birth_date, self.sex) {
            (Some(bd), Some(sex)) => v.check(Pinfl::parse_for(&self.pinfl, bd, sex), |e| {
                FieldError::new("pinfl", e.message_key())
            }),
            _ => v.check(Pinfl::parse(&self.pinfl), |e| {
                FieldError::new("pinfl", e.message_key())
            }),
        };

        let document_number = match self.document_kind {
            None => {
                v.push(FieldError::new("document_kind", "err-required"));
                None
            }
            Some(kind) => v.check(
                document::normalize_number(kind, &self.document_number),
                |_| {
                    FieldError::new(
                        "document_number",
                        match kind {
                            DocumentKind::BirthCertificate => "err-birth-certificate-number",
                            _ => "err-document-number",
                        },
                    )
                },
            ),
        };

        let phone = if self.phone.trim().is_empty() {
            None
        } else {
            v.check(phone::normalize(&self.phone), |_| {
                FieldError::new("phone", "err-phone")
            })
        };

        if !regions::district_in_region(self.region.trim(), self.district.trim()) {
            let field = if regions::all().iter().any(|r| r.soato == self.region.trim()) {
                "district"
            } else {
                "region"
            };
            v.push(FieldError::new(field, "err-district"));
        }
        let street = translit::normalize_latin(&self.street);
        if street.chars().count() > 200 {
            v.push(FieldError::new("street", "err-field-too-long").with("max", 200));
        }

        let errors = v.0;
        match (
            pinfl,
            document_number,
            birth_date,
            self.sex,
            self.document_kind,
        ) {
            (
                Some(pinfl),
                Some(document_number),
                Some(birth_date),
                Some(sex),
                Some(document_kind),
            ) if errors.is_empty() => Ok(NewCitizen {
                pinfl,
                document_kind,
                document_number,
                surname,
                given_name,
                patronymic,
                birth_date,
                sex,
                phone,
                address: Address {
                    region: self.region.trim().to_string(),
                    district: self.district.trim().to_string(),
                    street,
                },
            }),
            _ => Err(DomainError::Invalid(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> CitizenInput {
        CitizenInput {
            pinfl: "31205900260129".into(),
            document_kind: Some(DocumentKind::Passport),
            document_number: "aa 1234567".into(),
            surname: "G'ulomov".into(),
            given_name: "Sherzod".into(),
            patronymic: "".into(),
            birth_date: "1990-05-12".into(),
            sex: Some(Sex::Male),
            phone: "90 123 45 67".into(),
            region: "1726".into(),
            district: "1726294".into(),
            street: "Bunyodkor ko`chasi 5".into(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn valid_citizen_is_normalized() {
        let c = sample().validate(today()).unwrap();
        assert_eq!(c.surname, "Gʻulomov");
        assert_eq!(c.document_number, "AA1234567");
        assert_eq!(c.phone.as_deref(), Some("+998901234567"));
        assert_eq!(c.address.street, "Bunyodkor koʻchasi 5");
        assert_eq!(c.name_search_key(), "gulomov sherzod");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut input = sample();
        input.pinfl = "31205900260128".into();
        input.document_number = "1234".into();
        input.surname = "".into();
        input.phone = "12".into();
        input.district = "1703202".into();
        let Err(DomainError::Invalid(errors)) = input.validate(today()) else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.key)).collect();
        assert_eq!(
            fields,
            [
                ("surname", "err-required"),
                ("pinfl", "err-pinfl-check-digit"),
                ("document_number", "err-document-number"),
                ("phone", "err-phone"),
                ("district", "err-district"),
            ]
        );
    }

    #[test]
    fn birth_date_must_agree_with_pinfl() {
        let mut input = sample();
        input.birth_date = "1990-05-13".into();
        let Err(DomainError::Invalid(errors)) = input.validate(today()) else {
            panic!()
        };
        assert_eq!(errors[0].key, "err-pinfl-birth-date-mismatch");
        input.birth_date = "2027-01-01".into();
        let Err(DomainError::Invalid(errors)) = input.validate(today()) else {
            panic!()
        };
        assert_eq!(errors[0].key, "err-date-future");
    }

    #[test]
    fn cyrillic_names_are_kept_as_entered() {
        let mut input = sample();
        input.surname = "Ғуломов".into();
        input.given_name = " Шерзод ".into();
        let c = input.validate(today()).unwrap();
        assert_eq!(c.full_name(), "Ғуломов Шерзод");
        assert_eq!(c.name_search_key(), "gulomov sherzod");
    }
}
