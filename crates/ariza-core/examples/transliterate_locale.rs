//! Writes `locales/uz-Cyrl/ariza.ftl` from `locales/uz-Latn/ariza.ftl` by transliterating each
//! message's text, leaving ids, comments' markers and `{ $placeables }` untouched.
//! Run: `cargo run -p ariza-core --example transliterate_locale`; then review the diff.

use ariza_core::translit::latin_to_cyrillic;

/// Words that stay as they are: key names, product names, sample numbers.
const KEEP: &[&str] = &["Enter", "Esc", "Alt", "JSON", "Ariza", "Desk"];

/// Transliterates running text word by word, keeping white space, words with digits and the
/// words in [`KEEP`].
fn transliterate_text(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().any(|c| c.is_ascii_digit()) || KEEP.iter().any(|k| word.starts_with(k)) {
            out.push_str(word);
        } else {
            out.push_str(&latin_to_cyrillic(word));
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn transliterate_value(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(open) = rest.find('{') {
        out.push_str(&transliterate_text(&rest[..open]));
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&rest[open..close]);
        rest = &rest[close..];
    }
    out.push_str(&transliterate_text(rest));
    out
}

fn main() -> std::io::Result<()> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../locales");
    let latin = std::fs::read_to_string(format!("{root}/uz-Latn/ariza.ftl"))?;
    let mut out = String::new();
    for line in latin.lines() {
        match line.split_once(" = ") {
            Some((id, value)) if !line.starts_with('#') => {
                out.push_str(id);
                out.push_str(" = ");
                out.push_str(&transliterate_value(value));
            }
            _ if line.starts_with("## ") => {
                out.push_str(&format!("## {}", latin_to_cyrillic(&line[3..])))
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    std::fs::write(format!("{root}/uz-Cyrl/ariza.ftl"), out)
}
