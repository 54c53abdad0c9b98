//! Identity documents: passport or ID card (2 Latin letters + 7 digits), and the birth
//! certificate for children (a series such as "I-TN" + 7 digits).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DocumentKind {
    Passport,
    IdCard,
    BirthCertificate,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Passport => "passport",
            DocumentKind::IdCard => "id_card",
            DocumentKind::BirthCertificate => "birth_certificate",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        match s {
            "passport" => Some(DocumentKind::Passport),
            "id_card" => Some(DocumentKind::IdCard),
            "birth_certificate" => Some(DocumentKind::BirthCertificate),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the document number does not have the form of this kind of document")]
pub struct DocumentNumberError;

/// Normalizes a document number (upper case, no spaces) and checks its form.
/// Passport and ID card: "AB1234567". Birth certificate: a series of Roman numerals, a
/// hyphen and two Latin letters, then 7 digits, e.g. "I-TN1234567".
pub fn normalize_number(kind: DocumentKind, input: &str) -> Result<String, DocumentNumberError> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    // Only ASCII can be valid; checking first also keeps the byte slicing below on character
    // boundaries whatever was pasted in (found by the property tests).
    let ok = compact.is_ascii()
        && match kind {
            DocumentKind::Passport | DocumentKind::IdCard => {
                compact.len() == 9
                    && compact[..2].chars().all(|c| c.is_ascii_uppercase())
                    && compact[2..].chars().all(|c| c.is_ascii_digit())
            }
            DocumentKind::BirthCertificate => match compact.split_once('-') {
                Some((roman, rest)) => {
                    !roman.is_empty()
                        && roman.len() <= 4
                        && roman.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
                        && rest.len() == 9
                        && rest[..2].chars().all(|c| c.is_ascii_uppercase())
                        && rest[2..].chars().all(|c| c.is_ascii_digit())
                }
                None => false,
            },
        };
    if ok {
        Ok(compact)
    } else {
        Err(DocumentNumberError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport_and_id_card() {
        assert_eq!(
            normalize_number(DocumentKind::Passport, "ab 1234567").unwrap(),
            "AB1234567"
        );
        assert!(normalize_number(DocumentKind::IdCard, "AD1234567").is_ok());
        assert!(normalize_number(DocumentKind::Passport, "A12345678").is_err());
        assert!(normalize_number(DocumentKind::Passport, "AB123456").is_err());
        assert!(
            normalize_number(DocumentKind::Passport, "АВ1234567").is_err(),
            "Cyrillic letters"
        );
    }

    #[test]
    fn birth_certificate() {
        assert_eq!(
            normalize_number(DocumentKind::BirthCertificate, "i-tn 1234567").unwrap(),
            "I-TN1234567"
        );
        assert!(normalize_number(DocumentKind::BirthCertificate, "TN1234567").is_err());
        assert!(normalize_number(DocumentKind::BirthCertificate, "I-TN123").is_err());
    }
}
