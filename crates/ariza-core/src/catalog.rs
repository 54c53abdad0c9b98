//! The service catalog: versioned, each service with its fee, deadline, form and documents.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::i18n::LocalizedText;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChoiceOption {
    pub value: String,
    pub label: LocalizedText,
}

/// What a form field holds, with its constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum FieldKind {
    Text {
        #[serde(default = "default_max_len")]
        max_len: u32,
    },
    Number {
        #[ts(type = "number | null")]
        min: Option<i64>,
        #[ts(type = "number | null")]
        max: Option<i64>,
    },
    /// A date; `past_only` refuses dates after today (a birth date), `future_only` refuses
    /// dates before today (a wished start date).
    Date {
        #[serde(default)]
        past_only: bool,
        #[serde(default)]
        future_only: bool,
    },
    Choice {
        options: Vec<ChoiceOption>,
    },
    Pinfl,
    DocumentNumber,
    Phone,
    /// STIR (TIN): 9 digits.
    Stir,
}

fn default_max_len() -> u32 {
    200
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldSpec {
    pub key: String,
    pub label: LocalizedText,
    pub kind: FieldKind,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Service {
    pub code: String,
    pub name: LocalizedText,
    pub agency: LocalizedText,
    /// The deciding agency's code: what an agency's portal users are scoped to.
    #[serde(default)]
    pub agency_code: String,
    pub category: String,
    /// Fee in sums (UZS).
    #[ts(type = "number")]
    pub fee_uzs: i64,
    pub deadline_working_days: u32,
    pub fields: Vec<FieldSpec>,
    /// The documents the citizen brings, each scanned and attached to the application.
    #[serde(deserialize_with = "documents_any_version")]
    pub documents: Vec<DocumentRequirement>,
}

/// What a scan of a document may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DocumentFormat {
    /// A photo or a scan as an image (JPEG, PNG, WebP, TIFF on input; stored as JPEG).
    Image,
    Pdf,
}

/// One document of a service's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DocumentRequirement {
    /// Stable within the service: what an attached scan is filed under.
    pub key: String,
    pub name: LocalizedText,
    /// A required document must be attached before filing, unless the supervisor allows
    /// "documents to follow" for the service.
    pub required: bool,
    pub accepts: Vec<DocumentFormat>,
}

impl DocumentRequirement {
    pub fn accepts(&self, format: DocumentFormat) -> bool {
        self.accepts.contains(&format)
    }
}

/// Catalogs before version 2 listed documents as names only ("documents to bring"). Desks
/// and portals hold such versions, so they still read: each becomes an optional document
/// that accepts both formats, keyed by its place in the list.
fn documents_any_version<'de, D>(d: D) -> Result<Vec<DocumentRequirement>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum AnyVersion {
        Requirement(DocumentRequirement),
        NameOnly(LocalizedText),
    }
    let listed = Vec::<AnyVersion>::deserialize(d)?;
    Ok(listed
        .into_iter()
        .enumerate()
        .map(|(i, entry)| match entry {
            AnyVersion::Requirement(r) => r,
            AnyVersion::NameOnly(name) => DocumentRequirement {
                key: format!("document-{}", i + 1),
                name,
                required: false,
                accepts: vec![DocumentFormat::Image, DocumentFormat::Pdf],
            },
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Catalog {
    pub version: u32,
    /// The base calculation amount (BHM) this version's fees were set from.
    #[ts(type = "number")]
    pub bhm_uzs: i64,
    #[ts(type = "string[]")]
    pub holidays: Vec<NaiveDate>,
    pub services: Vec<Service>,
}

impl Catalog {
    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }
}

const DEFAULT_CATALOG: &str = include_str!("../data/catalog.json");

/// The catalog shipped with the desk, used until the portal sends a newer version.
pub fn default_catalog() -> Result<Catalog, serde_json::Error> {
    let mut catalog: Catalog = serde_json::from_str(DEFAULT_CATALOG)?;
    catalog.fill_cyrillic();
    Ok(catalog)
}

impl Catalog {
    /// Fills every Uzbek Cyrillic text the data left out from its Latin form.
    pub fn fill_cyrillic(&mut self) {
        for s in &mut self.services {
            s.name.fill_cyrillic();
            s.agency.fill_cyrillic();
            s.documents.iter_mut().for_each(|d| d.name.fill_cyrillic());
            for f in &mut s.fields {
                f.label.fill_cyrillic();
                if let FieldKind::Choice { options } = &mut f.kind {
                    options.iter_mut().for_each(|o| o.label.fill_cyrillic());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_catalog_from_before_version_2_still_reads() {
        let json = r#"{"code":"x","name":{"uz_latn":"a","ru":"a","en":"a"},
            "agency":{"uz_latn":"a","ru":"a","en":"a"},"category":"c","fee_uzs":0,
            "deadline_working_days":1,"fields":[],
            "documents":[{"uz_latn":"Pasport","ru":"Паспорт","en":"Passport"}]}"#;
        let s: Service = serde_json::from_str(json).unwrap();
        assert_eq!(s.documents.len(), 1);
        assert_eq!(s.documents[0].key, "document-1");
        assert!(!s.documents[0].required);
        assert!(s.documents[0].accepts(DocumentFormat::Pdf));
        // And a version 2 entry keeps what it says.
        let back: Service = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn the_shipped_catalog_requires_documents() {
        let c = default_catalog().unwrap();
        assert!(c.version >= 2);
        let eri = c.service("eri-key").unwrap();
        let passport = eri.documents.iter().find(|d| d.key == "identity").unwrap();
        assert!(passport.required);
        assert!(passport.accepts(DocumentFormat::Image));
        assert!(
            c.services
                .iter()
                .any(|s| s.documents.iter().any(|d| !d.required))
        );
    }

    #[test]
    fn default_catalog_is_complete() {
        let c = default_catalog().unwrap();
        assert!(c.services.len() >= 15, "{} services", c.services.len());
        let codes: HashSet<_> = c.services.iter().map(|s| &s.code).collect();
        assert_eq!(codes.len(), c.services.len(), "service codes are unique");
        assert!(c.service("eri-key").is_some());
        assert!(c.service("preschool-place").is_some());
        for s in &c.services {
            for text in std::iter::once(&s.name)
                .chain(std::iter::once(&s.agency))
                .chain(s.documents.iter().map(|d| &d.name))
                .chain(s.fields.iter().map(|f| &f.label))
            {
                for v in [&text.uz_latn, &text.uz_cyrl, &text.ru, &text.en] {
                    assert!(!v.trim().is_empty(), "{}: empty text in {text:?}", s.code);
                }
                assert!(
                    !text.uz_latn.contains('\''),
                    "{}: ASCII apostrophe in {}",
                    s.code,
                    text.uz_latn
                );
            }
            let document_keys: HashSet<_> = s.documents.iter().map(|d| &d.key).collect();
            assert_eq!(document_keys.len(), s.documents.len(), "{}", s.code);
            assert!(
                s.documents.iter().all(|d| !d.accepts.is_empty()),
                "{}: a document that accepts nothing",
                s.code
            );
            assert!(s.fee_uzs >= 0);
            assert!(s.deadline_working_days > 0);
            let keys: HashSet<_> = s.fields.iter().map(|f| &f.key).collect();
            assert_eq!(
                keys.len(),
                s.fields.len(),
                "{}: field keys are unique",
                s.code
            );
        }
    }
}
