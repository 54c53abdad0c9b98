//! Property tests: the wire decoding and every validator take any input without panicking,
//! accept what they produce, and refuse what was altered. Run longer with
//! `PROPTEST_CASES=100000 cargo test -p ariza-core --test properties`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use ariza_core::audit::{AuditEntry, GENESIS, entry_hash, verify_chain};
use ariza_core::catalog::default_catalog;
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::document::{DocumentKind, normalize_number};
use ariza_core::pinfl::Pinfl;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::{ChangesResponse, EnrollRequest, PushBatch, PushBatchV2, PushResponse};
use ariza_core::{phone, translit};
use chrono::NaiveDate;
use proptest::prelude::*;

fn date() -> impl Strategy<Value = NaiveDate> {
    (1930i32..2025, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// Text that looks like what people and scripts send: Latin and Cyrillic Uzbek, digits,
/// apostrophes of every kind, punctuation, control characters.
fn messy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range('a', 'z'),
            prop::char::range('A', 'Z'),
            prop::char::range('а', 'я'),
            prop::char::range('0', '9'),
            prop::sample::select(vec![
                'ʻ', 'ʼ', '\'', '`', '‘', '’', 'ў', 'қ', 'ғ', 'ҳ', 'ё', ' ', '-', '\u{0}', '\n',
                '😀'
            ]),
            any::<char>(),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(512)
    ))]

    /// Arbitrary bytes never crash the decoders the portal runs on every request.
    #[test]
    fn wire_decoding_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = serde_json::from_slice::<PushBatch>(&bytes);
        if let Ok(batch) = serde_json::from_slice::<PushBatchV2>(&bytes) {
            let _ = batch.applications.into_rows();
            let _ = batch.audit.entries.into_lines();
        }
        let _ = serde_json::from_slice::<PushResponse>(&bytes);
        let _ = serde_json::from_slice::<ChangesResponse>(&bytes);
        let _ = serde_json::from_slice::<EnrollRequest>(&bytes);
    }

    /// Structurally valid JSON with wrong shapes or types is refused, never a panic.
    #[test]
    fn wire_decoding_of_wrong_shapes(text in messy_text(), n in any::<i64>()) {
        for candidate in [
            serde_json::json!({"applications": [{"id": text, "tracking_number": n}]}),
            serde_json::json!({"applications": text, "audit": [n]}),
            serde_json::json!({"applications": [], "audit": [{"seq": n, "at": text}]}),
        ] {
            let _ = serde_json::from_value::<PushBatch>(candidate);
        }
        // Format 2: columns of the wrong kind or of different lengths, steps that overflow.
        for candidate in [
            serde_json::json!({"applications": {"id": [text], "filed_at": [n, n]}, "audit": {}}),
            serde_json::json!({"applications": {}, "audit": {"after_seq": n, "after_hash": text,
                "newest_seq": n, "entries": {"at": [n, i64::MAX, n], "actor": [text]}, "head_signature": text}}),
        ] {
            if let Ok(batch) = serde_json::from_value::<PushBatchV2>(candidate) {
                let _ = batch.applications.into_rows();
                let _ = batch.audit.entries.into_lines();
            }
        }
    }

    #[test]
    fn pinfl_round_trips_and_any_single_digit_change_is_caught(
        male in any::<bool>(), birth in date(), district in 0u32..1000, seq in 0u32..1000, pos in 0usize..14, delta in 1u32..10
    ) {
        let sex = if male { Sex::Male } else { Sex::Female };
        let p = Pinfl::compose(sex, birth, district, seq);
        let parsed = Pinfl::parse(p.as_str()).unwrap();
        prop_assert_eq!(parsed.as_str(), p.as_str());
        prop_assert_eq!(parsed.birth_date(), Some(birth));
        let mut digits: Vec<u32> = p.as_str().chars().map(|c| c.to_digit(10).unwrap()).collect();
        digits[pos] = (digits[pos] + delta) % 10;
        let altered: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
        // The check digit catches every single-digit typo.
        prop_assert!(Pinfl::parse(&altered).is_err(), "{} accepted for {}", altered, p.as_str());
    }

    #[test]
    fn validators_take_any_text(text in messy_text()) {
        let _ = Pinfl::parse(&text);
        let _ = TrackingNumber::parse(&text);
        let _ = phone::normalize(&text);
        for kind in [DocumentKind::Passport, DocumentKind::IdCard, DocumentKind::BirthCertificate] {
            let _ = normalize_number(kind, &text);
        }
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let input = CitizenInput {
            pinfl: text.clone(),
            document_kind: Some(DocumentKind::Passport),
            document_number: text.clone(),
            surname: text.clone(),
            given_name: text.clone(),
            patronymic: text.clone(),
            birth_date: text.clone(),
            sex: Some(Sex::Female),
            phone: text.clone(),
            region: text.clone(),
            district: text.clone(),
            street: text.clone(),
        };
        let _ = input.validate(today);
        let catalog = default_catalog().unwrap();
        let mut values = BTreeMap::new();
        for service in &catalog.services {
            for f in &service.fields {
                values.insert(f.key.clone(), serde_json::Value::String(text.clone()));
            }
            let _ = ariza_core::form::validate(service, &values, today);
            values.clear();
        }
    }

    #[test]
    fn tracking_numbers_round_trip_and_typos_are_caught(
        center in "[A-Z]{3}[0-9]{2}", birth in date(), device in 1u32..99, seq in 1u32..99_999, pos in 0usize..22, c in prop::char::range('A', 'Z')
    ) {
        let t = TrackingNumber::new(&center, birth, device, seq);
        let again = TrackingNumber::parse(t.as_str()).unwrap();
        prop_assert_eq!(again.as_str(), t.as_str());
        let lower = TrackingNumber::parse(&t.as_str().to_lowercase()).unwrap();
        prop_assert_eq!(lower.as_str(), t.as_str());
        let mut chars: Vec<char> = t.as_str().chars().collect();
        if chars[pos] != '-' && chars[pos] != c {
            chars[pos] = c;
            let typo: String = chars.into_iter().collect();
            prop_assert!(TrackingNumber::parse(&typo).is_err(), "{} accepted for {}", typo, t.as_str());
        }
    }

    /// Apostrophe variants all normalize to the same letters, and normalizing twice changes
    /// nothing.
    #[test]
    fn apostrophes_normalize(word in "[a-z]{1,8}(o'|g'|sh|ch)?[a-z]{0,6}") {
        let once = translit::normalize_latin(&word);
        prop_assert_eq!(translit::normalize_latin(&once), once.clone());
        for apostrophe in ['`', '‘', '’', 'ʻ', 'ʼ'] {
            prop_assert_eq!(translit::normalize_latin(&word.replace('\'', &apostrophe.to_string())), once.clone());
        }
    }

    /// A name stored in Cyrillic is found by its Latin spelling (and the other way round):
    /// both give the same search key.
    #[test]
    fn a_name_has_one_search_key_in_both_scripts(word in "[абвгдеёжзийклмнопрстуфхцчшъэюяўқғҳ]{1,12}") {
        let latin = translit::cyrillic_to_latin(&word);
        prop_assert_eq!(translit::search_key(&latin), translit::search_key(&word), "{} / {}", word, latin);
        let _ = translit::latin_to_cyrillic(&latin);
    }

    /// Any change to any entry of an audit chain is found.
    #[test]
    fn audit_chain_finds_any_edit(n in 2i64..20, victim in 0usize..20, field in 0usize..4, text in "[a-z]{1,5}") {
        let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let mut prev = GENESIS.to_string();
        let mut chain = Vec::new();
        for seq in 1..=n {
            let hash = entry_hash(&prev, seq, &at, "u", "a.b", &seq.to_string(), "");
            chain.push(AuditEntry { seq, at, actor: "u".into(), action: "a.b".into(), subject: seq.to_string(), detail: String::new(), prev_hash: prev.clone(), hash: hash.clone() });
            prev = hash;
        }
        prop_assert!(verify_chain(&chain).ok());
        let i = victim % chain.len();
        let e = &mut chain[i];
        match field {
            0 => e.actor.push_str(&text),
            1 => e.action.push_str(&text),
            2 => e.subject.push_str(&text),
            _ => e.detail.push_str(&text),
        }
        prop_assert!(!verify_chain(&chain).ok());
    }
}
