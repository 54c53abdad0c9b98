//! Every string a person sees goes through Fluent. The .ftl files in `locales/` are shared by
//! Rust (embedded here at compile time) and the UI.

use std::collections::HashMap;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub enum Locale {
    #[default]
    #[serde(rename = "uz-Latn")]
    UzLatn,
    #[serde(rename = "uz-Cyrl")]
    UzCyrl,
    #[serde(rename = "ru")]
    Ru,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::UzLatn, Locale::UzCyrl, Locale::Ru, Locale::En];

    pub fn tag(self) -> &'static str {
        match self {
            Locale::UzLatn => "uz-Latn",
            Locale::UzCyrl => "uz-Cyrl",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    /// Accepts the tags above and common spellings ("uz", "uz_Latn", "ru-RU", "en_US.UTF-8").
    pub fn parse(tag: &str) -> Option<Locale> {
        let t = tag
            .split('.')
            .next()
            .unwrap_or(tag)
            .replace('_', "-")
            .to_lowercase();
        match t.as_str() {
            "uz" | "uz-latn" | "uz-latn-uz" | "uz-uz" => Some(Locale::UzLatn),
            "uz-cyrl" | "uz-cyrl-uz" => Some(Locale::UzCyrl),
            _ if t == "ru" || t.starts_with("ru-") => Some(Locale::Ru),
            _ if t == "en" || t.starts_with("en-") => Some(Locale::En),
            _ => None,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Locale::UzLatn => include_str!("../../../locales/uz-Latn/ariza.ftl"),
            Locale::UzCyrl => include_str!("../../../locales/uz-Cyrl/ariza.ftl"),
            Locale::Ru => include_str!("../../../locales/ru/ariza.ftl"),
            Locale::En => include_str!("../../../locales/en/ariza.ftl"),
        }
    }
}

/// A name given in all four locales (services, agencies, regions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LocalizedText {
    pub uz_latn: String,
    /// Shipped data may leave this out: it is then transliterated from `uz_latn`.
    #[serde(default)]
    pub uz_cyrl: String,
    pub ru: String,
    pub en: String,
}

impl LocalizedText {
    pub fn fill_cyrillic(&mut self) {
        if self.uz_cyrl.is_empty() {
            self.uz_cyrl = crate::translit::latin_to_cyrillic(&self.uz_latn);
        }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::UzLatn => &self.uz_latn,
            Locale::UzCyrl => &self.uz_cyrl,
            Locale::Ru => &self.ru,
            Locale::En => &self.en,
        }
    }
}

/// Arguments of a message: name → value (numbers are passed as strings, formatted by the
/// caller, so that fees print the same in every front end).
pub type MessageArgs = Vec<(&'static str, String)>;

pub struct Localizer {
    bundles: HashMap<Locale, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Localizer")
    }
}

impl Localizer {
    /// Loads all four locales. A syntax error in a shipped .ftl file is a build defect that
    /// the locale tests catch; at run time the parts that did parse are still used.
    pub fn new() -> Localizer {
        let mut bundles = HashMap::new();
        for locale in Locale::ALL {
            let resource = match FluentResource::try_new(locale.source().to_string()) {
                Ok(r) => r,
                Err((partial, _errors)) => partial,
            };
            let lang = locale.tag().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // Isolation marks would show up as stray characters in the terminal and in
            // printed receipts.
            bundle.set_use_isolating(false);
            // Duplicate ids are caught by the locale tests; keep the first definition.
            let _ = bundle.add_resource(resource);
            bundles.insert(locale, bundle);
        }
        Localizer { bundles }
    }

    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.bundles
            .get(&locale)
            .is_some_and(|b| b.has_message(key))
    }

    /// The message in `locale`, falling back to Uzbek Latin, then to the key itself so a
    /// missing translation is visible rather than blank.
    pub fn tr(&self, locale: Locale, key: &str, args: &[(&str, String)]) -> String {
        for candidate in [locale, Locale::UzLatn] {
            if let Some(text) = self.format(candidate, key, args) {
                return text;
            }
        }
        key.to_string()
    }

    fn format(&self, locale: Locale, key: &str, args: &[(&str, String)]) -> Option<String> {
        let bundle = self.bundles.get(&locale)?;
        let msg = bundle.get_message(key)?;
        let pattern = msg.value()?;
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            // Numbers stay numbers so Fluent's plural rules work on them.
            match v.parse::<i64>() {
                Ok(n) => fargs.set(*k, FluentValue::from(n)),
                Err(_) => fargs.set(*k, FluentValue::from(v.as_str())),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
        Some(text.into_owned())
    }

    /// Every message id in a locale's file, for the completeness test.
    pub fn message_ids(locale: Locale) -> Vec<String> {
        locale
            .source()
            .lines()
            .filter_map(|line| {
                let (id, _) = line.split_once('=')?;
                let id = id.trim_end();
                let first = id.chars().next()?;
                (first.is_ascii_alphabetic()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .then(|| id.to_string())
            })
            .collect()
    }
}

impl Default for Localizer {
    fn default() -> Self {
        Localizer::new()
    }
}

/// Formats an amount of sums with thin grouping: 340000 → "340 000".
pub fn format_uzs(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{00A0}');
        }
        out.push(c);
    }
    if amount < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_locale_has_every_key_and_parses() {
        let reference: BTreeSet<String> =
            Localizer::message_ids(Locale::UzLatn).into_iter().collect();
        assert!(
            reference.len() > 50,
            "uz-Latn has only {} keys",
            reference.len()
        );
        for locale in Locale::ALL {
            let ids: Vec<String> = Localizer::message_ids(locale);
            let set: BTreeSet<String> = ids.iter().cloned().collect();
            assert_eq!(ids.len(), set.len(), "{} has a duplicate key", locale.tag());
            let missing: Vec<_> = reference.difference(&set).collect();
            let extra: Vec<_> = set.difference(&reference).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", locale.tag());
            assert!(
                extra.is_empty(),
                "{} has keys uz-Latn lacks: {extra:?}",
                locale.tag()
            );
            if let Err((_, errors)) = FluentResource::try_new(locale.source().to_string()) {
                panic!("{} does not parse: {errors:?}", locale.tag());
            }
        }
    }

    #[test]
    fn formats_with_arguments_and_falls_back() {
        let l = Localizer::new();
        let text = l.tr(Locale::En, "err-field-too-long", &[("max", "10".into())]);
        assert!(text.contains("10"), "{text}");
        assert_eq!(l.tr(Locale::Ru, "no-such-key", &[]), "no-such-key");
        assert_eq!(format_uzs(340000), "340\u{a0}000");
        assert_eq!(format_uzs(1_234_567), "1\u{a0}234\u{a0}567");
        assert_eq!(format_uzs(0), "0");
        assert_eq!(Locale::parse("ru_RU.UTF-8"), Some(Locale::Ru));
        assert_eq!(Locale::parse("uz-Cyrl"), Some(Locale::UzCyrl));
        assert_eq!(Locale::parse("de"), None);
    }
}
