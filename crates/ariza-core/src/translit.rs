//! Uzbek Cyrillic ↔ Latin transliteration and the search key used to match names across
//! scripts.
//!
//! Latin text is stored with the letter-class marks: ʻ (U+02BB) in oʻ/gʻ and ʼ (U+02BC) for
//! the tutuq belgisi, because word tokenizers treat those as letters and keep "Gʻulom" whole.

/// The mark after o and g (oʻ, gʻ).
pub const OKINA: char = '\u{02BB}';
/// The tutuq belgisi (glottal stop), also used for Cyrillic ъ.
pub const TUTUQ: char = '\u{02BC}';

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`' | '\u{2018}' | '\u{2019}' | '\u{02BB}' | '\u{02BC}' | '\u{00B4}' | '\u{02B9}'
    )
}

/// Normalizes every apostrophe variant in Uzbek Latin text: after o/g (either case) it becomes
/// ʻ, anywhere else ʼ. Also trims and folds runs of white space to one space.
pub fn normalize_latin(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut prev: Option<char> = None;
    let mut pending_space = false;
    for c in input.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        let c = if is_apostrophe(c) {
            match prev {
                Some('o' | 'O' | 'g' | 'G') => OKINA,
                _ => TUTUQ,
            }
        } else {
            c
        };
        out.push(c);
        prev = Some(c);
    }
    out
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// True when the text has any Cyrillic letter.
pub fn has_cyrillic(text: &str) -> bool {
    text.chars().any(is_cyrillic)
}

fn is_cyr_vowel(c: char) -> bool {
    matches!(
        c.to_lowercase().next().unwrap_or(c),
        'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ў' | 'э' | 'ю' | 'я' | 'ы'
    )
}

/// Applies the case of `model` to a Latin digraph: "Ш" at word start of "Шерзод" → "Sh",
/// inside an all-caps word "ШЕРЗОД" → "SH".
fn with_case(latin: &str, upper: bool, whole_word_upper: bool) -> String {
    if !upper {
        return latin.to_string();
    }
    if whole_word_upper {
        return latin.to_uppercase();
    }
    let mut chars = latin.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Uzbek Cyrillic → Latin (the 1995 alphabet, with ʻ and ʼ). Non-Cyrillic characters pass
/// through unchanged.
pub fn cyrillic_to_latin(input: &str) -> String {
    let chars: Vec<char> = input.chars().collect();
    let mut out = String::with_capacity(input.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if !is_cyrillic(c) {
            out.push(c);
            continue;
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c != lower;
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let word_start = prev.is_none_or(|p| !p.is_alphabetic());
        // An all-caps word keeps digraphs all caps: ШАРОФ → SHAROF.
        let whole_word_upper = upper
            && (next.is_some_and(|n| n.is_alphabetic() && n.is_uppercase())
                || prev.is_some_and(|p| p.is_alphabetic() && p.is_uppercase()));
        let latin: &str = match lower {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' => {
                let after_vowel_or_sign = prev.is_some_and(|p| {
                    is_cyr_vowel(p) || matches!(p.to_lowercase().next(), Some('ъ' | 'ь'))
                });
                if word_start || after_vowel_or_sign {
                    "ye"
                } else {
                    "e"
                }
            }
            'ё' => "yo",
            'ж' => "j",
            'з' => "z",
            'и' => "i",
            'й' => "y",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => {
                // сҳ is two sounds, written sʼh so it is not read as the digraph sh.
                if next.is_some_and(|n| matches!(n.to_lowercase().next(), Some('ҳ'))) {
                    "sʼ"
                } else {
                    "s"
                }
            }
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "x",
            // ц is "s" after a consonant-free start and inside words, "ts" between vowels;
            // the common official rule: ts after a vowel, s otherwise.
            'ц' => {
                if prev.is_some_and(is_cyr_vowel) {
                    "ts"
                } else {
                    "s"
                }
            }
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sh",
            'ъ' => "ʼ",
            'ы' => "i",
            'ь' => "",
            'э' => "e",
            'ю' => "yu",
            'я' => "ya",
            'ў' => "oʻ",
            'қ' => "q",
            'ғ' => "gʻ",
            'ҳ' => "h",
            'і' => "i",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(&with_case(latin, upper, whole_word_upper));
    }
    out
}

/// Uzbek Latin → Cyrillic. The input is normalized first, so any apostrophe variant works.
pub fn latin_to_cyrillic(input: &str) -> String {
    let normalized = normalize_latin(input);
    let chars: Vec<char> = normalized.chars().collect();
    let mut out = String::with_capacity(normalized.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c != lower;
        let next = chars
            .get(i + 1)
            .map(|n| n.to_lowercase().next().unwrap_or(*n));
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let word_start = prev.is_none_or(|p| !p.is_alphabetic() && p != OKINA && p != TUTUQ);
        let (cyr, used): (&str, usize) = match (lower, next) {
            ('s', Some('h')) => ("ш", 2),
            ('c', Some('h')) => ("ч", 2),
            ('o', Some(OKINA)) => ("ў", 2),
            ('g', Some(OKINA)) => ("ғ", 2),
            // yoʻ is й + ў (yoʻq → йўқ), not ё + a stray mark.
            ('y', Some('o')) if chars.get(i + 2) != Some(&OKINA) => ("ё", 2),
            ('y', Some('u')) => ("ю", 2),
            ('y', Some('a')) => ("я", 2),
            ('y', Some('e')) => ("е", 2),
            ('e', _) if word_start => ("э", 1),
            ('a', _) => ("а", 1),
            ('b', _) => ("б", 1),
            ('d', _) => ("д", 1),
            ('e', _) => ("е", 1),
            ('f', _) => ("ф", 1),
            ('g', _) => ("г", 1),
            ('h', _) => ("ҳ", 1),
            ('i', _) => ("и", 1),
            ('j', _) => ("ж", 1),
            ('k', _) => ("к", 1),
            ('l', _) => ("л", 1),
            ('m', _) => ("м", 1),
            ('n', _) => ("н", 1),
            ('o', _) => ("о", 1),
            ('p', _) => ("п", 1),
            ('q', _) => ("қ", 1),
            ('r', _) => ("р", 1),
            ('s', _) => ("с", 1),
            ('t', _) => ("т", 1),
            ('u', _) => ("у", 1),
            ('v', _) => ("в", 1),
            ('x', _) => ("х", 1),
            ('y', _) => ("й", 1),
            ('z', _) => ("з", 1),
            (TUTUQ, _) => ("ъ", 1),
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        if upper {
            out.extend(cyr.chars().flat_map(char::to_uppercase));
        } else {
            out.push_str(cyr);
        }
        i += used;
    }
    out
}

/// The script-free form of a name used for search: Latin, lower case, with the ʻ/ʼ marks
/// dropped (clerks often omit them) and every non-letter a separator. "Ғулом", "Gʻulom",
/// "G'ulom" and "GULOM" all give "gulom".
pub fn search_key(input: &str) -> String {
    let latin = if has_cyrillic(input) {
        cyrillic_to_latin(input)
    } else {
        normalize_latin(input)
    };
    let mut out = String::with_capacity(latin.len());
    let mut pending_space = false;
    for c in latin.chars().flat_map(char::to_lowercase) {
        if c == OKINA || c == TUTUQ || is_apostrophe(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_letters() {
        let cases = [
            ("Шерзод", "Sherzod"),
            ("Ғулом", "Gʻulom"),
            ("Ўткир", "Oʻtkir"),
            ("Чори", "Chori"),
            ("Қодир", "Qodir"),
            ("Ҳасан", "Hasan"),
            ("Хуршид", "Xurshid"),
            ("Ёқуб", "Yoqub"),
            ("Юсуф", "Yusuf"),
            ("Яхё", "Yaxyo"),
            ("Жасур", "Jasur"),
            ("Эркин", "Erkin"),
            ("Елена", "Yelena"),
            ("Сергей", "Sergey"),
            ("Мўъжиза", "Moʻʼjiza"),
            ("Исҳоқ", "Isʼhoq"),
            ("Цех", "Sex"),
            ("Акция", "Aksiya"),
            ("Поезд", "Poyezd"),
            ("Оила", "Oila"),
            ("Маъно", "Maʼno"),
            ("Съезд", "Sʼyezd"),
        ];
        for (cyr, lat) in cases {
            assert_eq!(cyrillic_to_latin(cyr), lat, "{cyr}");
        }
    }

    #[test]
    fn all_caps_words_keep_digraphs_upper() {
        assert_eq!(cyrillic_to_latin("ШАРОФ"), "SHAROF");
        assert_eq!(cyrillic_to_latin("ЧОРИЕВ Шерзод"), "CHORIYEV Sherzod");
    }

    #[test]
    fn latin_to_cyrillic_round_trips_names() {
        for name in [
            "Sherzod", "Gʻulom", "Oʻtkir", "Chori", "Yoqub", "Yusuf", "Qodir", "Erkin",
        ] {
            let cyr = latin_to_cyrillic(name);
            assert_eq!(cyrillic_to_latin(&cyr), name, "{name} via {cyr}");
        }
        assert_eq!(latin_to_cyrillic("G'ulom"), "Ғулом");
        assert_eq!(latin_to_cyrillic("O`tkir"), "Ўткир");
        assert_eq!(latin_to_cyrillic("Maʼno"), "Маъно");
        assert_eq!(latin_to_cyrillic("yoʻq"), "йўқ");
        assert_eq!(latin_to_cyrillic("Yoʻldosh"), "Йўлдош");
    }

    #[test]
    fn every_apostrophe_variant_normalizes() {
        for v in ["G'ulom", "G`ulom", "G‘ulom", "G’ulom", "Gʻulom", "Gʼulom"] {
            assert_eq!(normalize_latin(v), "Gʻulom", "{v}");
        }
        assert_eq!(normalize_latin("ma'no"), "maʼno");
        assert_eq!(normalize_latin("  Oʻtkir   Karimov "), "Oʻtkir Karimov");
    }

    #[test]
    fn search_key_matches_across_scripts() {
        assert_eq!(search_key("Шерзод"), search_key("Sherzod"));
        assert_eq!(search_key("Ғулом"), search_key("G'ulom"));
        assert_eq!(search_key("Gʻulom"), search_key("G‘ulom"));
        assert_eq!(search_key("Ўткир"), "otkir");
        assert_eq!(search_key("  KARIMOV,  Ali-Vali "), "karimov ali vali");
        assert_eq!(search_key(""), "");
    }
}
