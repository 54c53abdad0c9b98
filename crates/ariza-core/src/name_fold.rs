//! Folding a name however it was typed to one key, so the citizen is found:
//!
//! - in Uzbek Cyrillic or Uzbek Latin (the search key already matches those);
//! - in Cyrillic typed with Russian letters only, on a Russian keyboard layout that has no
//!   ў, қ, ғ, ҳ (у, к, г, х instead);
//! - in Russian-style Latin, as older passports and foreign documents write Uzbek names: the
//!   ICAO Doc 9303 (part 3, section 6) table for Cyrillic — ж ZH, х KH, ц TS, ю IU, я IA,
//!   й I, ў U — and the Soviet-era Russian spelling of Uzbek names (дж for ж, у for ў, к for қ,
//!   х for ҳ), and common informal typing (h for x, e for ye).
//!
//! The folding is data ([`RULES`]): each rule says what it replaces, where in a word, why,
//! and an example pair it makes equal, and a test checks every pair (and that without its rule
//! the pair would differ). Both the stored name and the query are folded the same way, so a
//! rule only has to bring the variants of one letter together, never to find the "right" one.
//! Folding loses distinctions (q and k, x and h), which is why search ranks a folded match
//! below one in the same spelling or the other script.

use crate::translit;

/// Where in a word a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Anywhere,
    WordStart,
    WordEnd,
}

/// What a rule is for, and so what its example proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aim {
    /// Two spellings of one name fold to the same key.
    SameKey,
    /// One Cyrillic letter written as two Latin ones becomes one symbol again, so a slip of
    /// one Cyrillic letter stays one edit (and a typo is forgiven) in either script.
    OneLetter,
}

/// One folding rule: `from` (lower-case Latin, ʻ kept) becomes `to`.
#[derive(Debug, Clone, Copy)]
pub struct FoldRule {
    pub from: &'static str,
    pub to: &'static str,
    pub place: Place,
    pub aim: Aim,
    pub why: &'static str,
    /// [`Aim::SameKey`]: a spelling a clerk may type and the name as stored, which fold alike.
    /// [`Aim::OneLetter`]: a slip of one letter and the name as stored, one edit apart.
    pub example: (&'static str, &'static str),
}

const fn rule(
    from: &'static str,
    to: &'static str,
    place: Place,
    why: &'static str,
    example: (&'static str, &'static str),
) -> FoldRule {
    FoldRule {
        from,
        to,
        place,
        aim: Aim::SameKey,
        why,
        example,
    }
}

const fn one_letter(
    from: &'static str,
    to: &'static str,
    why: &'static str,
    example: (&'static str, &'static str),
) -> FoldRule {
    FoldRule {
        from,
        to,
        place: Place::Anywhere,
        aim: Aim::OneLetter,
        why,
        example,
    }
}

/// Bump when [`RULES`] change: the desk folds every stored name again.
pub const VERSION: u32 = 1;

/// The rules, tried in this order at each position (the first that matches wins, so longer
/// spellings come before their parts). The stored name and the query have first been made
/// Latin (Cyrillic by [`translit::cyrillic_to_latin`]) and lower case.
pub const RULES: &[FoldRule] = &[
    rule(
        "dzh",
        "j",
        Place::Anywhere,
        "Russian-style Latin of дж, the Russian spelling of Uzbek ж",
        ("Dzhasur", "Jasur"),
    ),
    rule(
        "dj",
        "j",
        Place::Anywhere,
        "дж typed in Cyrillic (Джасур) for Uzbek ж; also informal Latin",
        ("Джасур", "Жасур"),
    ),
    rule(
        "zh",
        "j",
        Place::Anywhere,
        "ICAO 9303: ж is ZH; Uzbek Latin writes j",
        ("Zhasur", "Жасур"),
    ),
    rule(
        "kh",
        "h",
        Place::Anywhere,
        "ICAO 9303: х is KH; Uzbek Latin writes x (х) or h (ҳ)",
        ("Khurshid", "Хуршид"),
    ),
    rule(
        "ts",
        "s",
        Place::Anywhere,
        "ICAO 9303: ц is TS; Uzbek Latin writes s",
        ("Tsoy", "Цой"),
    ),
    rule(
        "iu",
        "ʉ",
        Place::Anywhere,
        "ICAO 9303: ю is IU; Uzbek Latin writes yu (one symbol, as ю is one letter)",
        ("Iusuf", "Юсуф"),
    ),
    rule(
        "ia",
        "ɑ",
        Place::Anywhere,
        "ICAO 9303: я is IA; Uzbek Latin writes ya (one symbol, as я is one letter)",
        ("Mariia", "Мария"),
    ),
    rule(
        "ye",
        "e",
        Place::Anywhere,
        "е: Uzbek Latin ye after a vowel or at a word's start, ICAO and Russian-style Latin e",
        ("Aliev", "Алиев"),
    ),
    one_letter(
        "yu",
        "ʉ",
        "ю is one letter, Uzbek Latin yu two",
        ("Асупов", "Юсупов"),
    ),
    one_letter(
        "ya",
        "ɑ",
        "я is one letter, Uzbek Latin ya two",
        ("Эхё", "Яхё"),
    ),
    one_letter(
        "yo",
        "ɵ",
        "ё is one letter, Uzbek Latin yo two",
        ("Ақубов", "Ёқубов"),
    ),
    one_letter(
        "sh",
        "ʃ",
        "ш is one letter, Latin sh two",
        ("Ерзодбек", "Шерзодбек"),
    ),
    one_letter(
        "ch",
        "ʧ",
        "ч is one letter, Latin ch two",
        ("Оримов", "Чоримов"),
    ),
    rule(
        "ai",
        "ay",
        Place::Anywhere,
        "ICAO 9303: й is I; Uzbek Latin writes y (Айбек)",
        ("Aibek", "Айбек"),
    ),
    rule(
        "ei",
        "ey",
        Place::Anywhere,
        "ICAO 9303: й is I (Сергей)",
        ("Sergei", "Сергей"),
    ),
    rule(
        "oi",
        "oy",
        Place::WordEnd,
        "ICAO 9303: й is I at a word's end (Цой)",
        ("Tsoi", "Цой"),
    ),
    rule(
        "ii",
        "iy",
        Place::WordEnd,
        "ICAO 9303: -ий is II (Дмитрий)",
        ("Dmitrii", "Дмитрий"),
    ),
    rule(
        "oʻ",
        "u",
        Place::Anywhere,
        "ў: у on a Russian keyboard, U in ICAO 9303 and in Soviet-era documents",
        ("Уткир", "Ўткир"),
    ),
    rule(
        "x",
        "h",
        Place::Anywhere,
        "ҳ typed as х on a Russian keyboard; h and x confused in informal Latin",
        ("Хасан", "Ҳасан"),
    ),
    rule(
        "q",
        "k",
        Place::Anywhere,
        "қ typed as к on a Russian keyboard, K in Russian-style Latin",
        ("Кодир", "Қодир"),
    ),
];

/// The Latin, lower-case words of a name with the marks kept (the first step of folding).
fn latin_words(input: &str) -> Vec<String> {
    let latin = if translit::has_cyrillic(input) {
        translit::cyrillic_to_latin(input)
    } else {
        translit::normalize_latin(input)
    };
    latin
        .to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == translit::OKINA || c == translit::TUTUQ))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(str::to_string)
        .collect()
}

fn fold_word(word: &str, rules: &[FoldRule]) -> String {
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < word.len() {
        let rest = &word[i..];
        let found = rules.iter().find(|r| {
            rest.starts_with(r.from)
                && match r.place {
                    Place::Anywhere => true,
                    Place::WordStart => i == 0,
                    Place::WordEnd => rest.len() == r.from.len(),
                }
        });
        match found {
            Some(r) => {
                out.push_str(r.to);
                i += r.from.len();
            }
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                // The marks a clerk may leave out go once the rules have seen them.
                if c != translit::OKINA && c != translit::TUTUQ {
                    out.push(c);
                }
                i += c.len_utf8();
            }
        }
    }
    out
}

fn fold_with(input: &str, rules: &[FoldRule]) -> String {
    latin_words(input)
        .iter()
        .map(|w| fold_word(w, rules))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The folded key of a name: words separated by one space.
pub fn fold_key(input: &str) -> String {
    fold_with(input, RULES)
}

/// The words of a name as typed, for "the same spelling": lower case, apostrophes made the
/// Uzbek marks, in the script it was typed in.
pub fn spelling_words(input: &str) -> Vec<String> {
    let text = if translit::has_cyrillic(input) {
        input.to_string()
    } else {
        translit::normalize_latin(input)
    };
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == translit::OKINA || c == translit::TUTUQ))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The shortest word a typo is forgiven in: one letter wrong, missing or extra.
pub const TYPO_MIN_LEN: usize = 5;

/// Whether `a` and `b` are at most one edit apart: a letter changed, missing, extra, or two
/// neighbours swapped (optimal string alignment distance ≤ 1).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diff.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let first = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[first..] == long[first + 1..]
        }
        _ => false,
    }
}

/// Every word one letter shorter than `word` (the deletion neighbourhood: two words within
/// one edit share a member of `{word} ∪ deletions(word)`).
pub fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = (0..chars.len())
        .map(|skip| {
            chars
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, c)| c)
                .collect()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the pair is what the rule's aim asks, under `rules`.
    fn holds(r: &FoldRule, rules: &[FoldRule]) -> bool {
        let (typed, stored) = r.example;
        let (a, b) = (fold_with(typed, rules), fold_with(stored, rules));
        match r.aim {
            Aim::SameKey => a == b,
            Aim::OneLetter => a != b && within_one_edit(&a, &b),
        }
    }

    #[test]
    fn every_rule_does_what_its_example_says_and_is_needed_for_it() {
        for (i, r) in RULES.iter().enumerate() {
            assert!(
                holds(r, RULES),
                "rule {:?} → {:?} ({}): {:?} gives {:?} and {:?}",
                r.from,
                r.to,
                r.why,
                r.example,
                fold_key(r.example.0),
                fold_key(r.example.1)
            );
            let without: Vec<FoldRule> = RULES
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, r)| *r)
                .collect();
            assert!(
                !holds(r, &without),
                "rule {:?} → {:?} is not what makes {:?} hold",
                r.from,
                r.to,
                r.example
            );
        }
    }

    #[test]
    fn the_forms_a_counter_meets_fold_to_one_key() {
        // Uzbek Latin, Uzbek Cyrillic, Russian keyboard, ICAO, informal.
        let forms = [
            "Gʻulomov Oʻtkir Xasanovich",
            "Ғуломов Ўткир Ҳасанович",
            "Гуломов Уткир Хасанович",
            "Gulomov Utkir Khasanovich",
            "G'ulomov O'tkir Hasanovich",
        ];
        let keys: Vec<String> = forms.iter().map(|f| fold_key(f)).collect();
        assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
        assert_eq!(keys[0], "gulomov utkir hasanoviʧ");
        assert_eq!(fold_key("Қодиров Жасур"), fold_key("Kodirov Dzhasur"));
        assert_eq!(fold_key(""), "");
    }

    #[test]
    fn folding_keeps_names_apart_that_differ_in_more_than_a_letter() {
        assert_ne!(fold_key("Karimov"), fold_key("Rahimov"));
        assert_ne!(fold_key("Sherzod"), fold_key("Sardor"));
    }

    #[test]
    fn one_edit_is_a_letter_changed_missing_extra_or_two_swapped() {
        assert!(within_one_edit("karimov", "karimov"));
        assert!(within_one_edit("karimov", "karinov"));
        assert!(within_one_edit("karimov", "karmov"));
        assert!(within_one_edit("karimov", "karimmov"));
        assert!(within_one_edit("karimov", "kraimov"));
        assert!(!within_one_edit("karimov", "kramiov"));
        assert!(!within_one_edit("karimov", "karimovaa"));
        assert!(!within_one_edit("karimov", "rahimov"));
    }

    #[test]
    fn words_one_edit_apart_share_a_deletion() {
        for (a, b) in [
            ("sherzod", "sherzot"),
            ("sherzod", "sherzd"),
            ("sherzod", "sherzood"),
            ("sherzod", "shrezod"),
        ] {
            let mut na = deletions(a);
            na.push(a.to_string());
            let mut nb = deletions(b);
            nb.push(b.to_string());
            assert!(na.iter().any(|x| nb.contains(x)), "{a} {b}");
        }
    }

    #[test]
    fn spelling_words_keep_the_script_and_the_marks() {
        assert_eq!(spelling_words("G'ulom  SHERZOD"), ["gʻulom", "sherzod"]);
        assert_eq!(spelling_words("Ғулом"), ["ғулом"]);
    }
}
