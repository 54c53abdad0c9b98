//! Every validator and normalizer takes any text without panicking, and what it accepts it
//! accepts again (normalization is idempotent).
#![no_main]

use ariza_core::document::{DocumentKind, normalize_number};
use ariza_core::pinfl::Pinfl;
use ariza_core::tracking::TrackingNumber;
use ariza_core::{phone, translit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Pinfl::parse(text) {
        assert_eq!(Pinfl::parse(p.as_str()).unwrap().as_str(), p.as_str());
    }
    if let Ok(t) = TrackingNumber::parse(text) {
        assert_eq!(TrackingNumber::parse(t.as_str()).unwrap().as_str(), t.as_str());
    }
    if let Ok(n) = phone::normalize(text) {
        assert_eq!(phone::normalize(&n).unwrap(), n);
    }
    for kind in [DocumentKind::Passport, DocumentKind::IdCard, DocumentKind::BirthCertificate] {
        if let Ok(n) = normalize_number(kind, text) {
            assert_eq!(normalize_number(kind, &n).unwrap(), n);
        }
    }
    let latin = translit::normalize_latin(text);
    assert_eq!(translit::normalize_latin(&latin), latin);
    let _ = translit::latin_to_cyrillic(text);
    let _ = translit::cyrillic_to_latin(text);
    let _ = translit::search_key(text);
});
