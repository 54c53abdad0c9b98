//! Checks an application's form values against its service's fields.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::catalog::{FieldKind, Service};
use crate::document::{self, DocumentKind};
use crate::error::{DomainError, FieldError, Validation};
use crate::pinfl::Pinfl;
use crate::{phone, translit};

/// Normalized form values: field key → value as text (numbers and dates in their canonical
/// text form), so they store and print the same everywhere.
pub type FormValues = BTreeMap<String, String>;

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Checks `values` against `service`'s fields. Unknown keys are refused so a typo in a
/// script's JSON is not silently dropped. Field errors are reported as `form.<key>`.
pub fn validate(
    service: &Service,
    values: &BTreeMap<String, Value>,
    today: NaiveDate,
) -> Result<FormValues, DomainError> {
    let mut v = Validation::default();
    let mut out = FormValues::new();
    for key in values.keys() {
        if !service.fields.iter().any(|f| &f.key == key) {
            v.push(FieldError::new(format!("form.{key}"), "err-unknown-field"));
        }
    }
    for field in &service.fields {
        let name = format!("form.{}", field.key);
        let raw = values
            .get(&field.key)
            .and_then(as_text)
            .filter(|s| !s.is_empty());
        let Some(raw) = raw else {
            if field.required {
                v.push(FieldError::new(name, "err-required"));
            }
            continue;
        };
        let normalized = match &field.kind {
            FieldKind::Text { max_len } => {
                let t = translit::normalize_latin(&raw);
                if t.chars().count() > *max_len as usize {
                    v.push(FieldError::new(name, "err-field-too-long").with("max", max_len));
                    None
                } else {
                    Some(t)
                }
            }
            FieldKind::Number { min, max } => match raw.replace([' ', '\u{a0}'], "").parse::<i64>()
            {
                Ok(n) if min.is_some_and(|m| n < m) => {
                    v.push(
                        FieldError::new(name, "err-number-min")
                            .with("min", min.unwrap_or_default()),
                    );
                    None
                }
                Ok(n) if max.is_some_and(|m| n > m) => {
                    v.push(
                        FieldError::new(name, "err-number-max")
                            .with("max", max.unwrap_or_default()),
                    );
                    None
                }
                Ok(n) => Some(n.to_string()),
                Err(_) => {
                    v.push(FieldError::new(name, "err-number"));
                    None
                }
            },
            FieldKind::Date {
                past_only,
                future_only,
            } => match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
                Ok(d) if *past_only && d > today => {
                    v.push(FieldError::new(name, "err-date-future"));
                    None
                }
                Ok(d) if *future_only && d < today => {
                    v.push(FieldError::new(name, "err-date-past"));
                    None
                }
                Ok(d) => Some(d.format("%Y-%m-%d").to_string()),
                Err(_) => {
                    v.push(FieldError::new(name, "err-date"));
                    None
                }
            },
            FieldKind::Choice { options } => {
                if options.iter().any(|o| o.value == raw) {
                    Some(raw)
                } else {
                    v.push(FieldError::new(name, "err-choice"));
                    None
                }
            }
            FieldKind::Pinfl => v
                .check(Pinfl::parse(&raw), |e| {
                    FieldError::new(name, e.message_key())
                })
                .map(|p| p.as_str().to_string()),
            FieldKind::DocumentNumber => {
                let any = document::normalize_number(DocumentKind::Passport, &raw)
                    .or_else(|_| document::normalize_number(DocumentKind::BirthCertificate, &raw));
                v.check(any, |_| FieldError::new(name, "err-document-number"))
            }
            FieldKind::Phone => v.check(phone::normalize(&raw), |_| {
                FieldError::new(name, "err-phone")
            }),
            FieldKind::Stir => {
                let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                if digits.len() == 9 && digits.chars().all(|c| c.is_ascii_digit()) {
                    Some(digits)
                } else {
                    v.push(FieldError::new(name, "err-stir"));
                    None
                }
            }
        };
        if let Some(n) = normalized {
            out.insert(field.key.clone(), n);
        }
    }
    v.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::default_catalog;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn values(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn preschool_form() {
        let catalog = default_catalog().unwrap();
        let service = catalog.service("preschool-place").unwrap();
        let ok = validate(
            service,
            &values(json!({
                "child_pinfl": "52801150260018",
                "child_birth_certificate": "i-tn 1234567",
                "preferred_language": "uz",
                "wished_start": "2027-09-01"
            })),
            today(),
        );
        let Err(DomainError::Invalid(errs)) = &ok else {
            // The check digit above is deliberately wrong: see the next assertion.
            panic!("expected a check-digit error, got {ok:?}");
        };
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "form.child_pinfl");
        let good_pinfl = Pinfl::compose(
            crate::citizen::Sex::Female,
            NaiveDate::from_ymd_opt(2015, 1, 28).unwrap(),
            26,
            1,
        );
        let ok = validate(
            service,
            &values(json!({
                "child_pinfl": good_pinfl.as_str(),
                "child_birth_certificate": "i-tn 1234567",
                "preferred_language": "uz",
                "wished_start": "2027-09-01"
            })),
            today(),
        )
        .unwrap();
        assert_eq!(ok["child_birth_certificate"], "I-TN1234567");
    }

    #[test]
    fn missing_unknown_and_bad_values() {
        let catalog = default_catalog().unwrap();
        let service = catalog.service("preschool-place").unwrap();
        let Err(DomainError::Invalid(errs)) = validate(
            service,
            &values(
                json!({ "preferred_language": "fr", "wished_start": "2020-01-01", "colour": "red" }),
            ),
            today(),
        ) else {
            panic!()
        };
        let got: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.key)).collect();
        assert!(
            got.contains(&("form.colour", "err-unknown-field")),
            "{got:?}"
        );
        assert!(
            got.contains(&("form.child_pinfl", "err-required")),
            "{got:?}"
        );
        assert!(
            got.contains(&("form.preferred_language", "err-choice")),
            "{got:?}"
        );
        assert!(
            got.contains(&("form.wished_start", "err-date-past")),
            "{got:?}"
        );
    }
}
