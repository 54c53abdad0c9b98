//! Name search, ranked: the same spelling first, then the other script (or the marks left
//! out), then folded spellings (a Russian keyboard, Russian-style Latin: `name_fold`), then
//! one mistyped, missing or extra letter in a word of five letters or more; within each, by
//! how many typed words match a whole word of the name. Each line says why it matched and
//! which words of the name did, for the desk to highlight.
//!
//! Candidates come from three index lookups, never a scan: the search key (`citizen_name`),
//! the folded key (`citizen_fold`), and the folded key with each typed word widened to the
//! stored words one edit away (`name_index::corrections`) — only a word that starts no stored
//! word is widened (every word when nothing else was found), so a correctly typed name costs
//! two lookups. Every typed word must match
//! (as the start of a word, as typed so far), in any order.

use ariza_core::name_fold;
use ariza_core::translit;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::citizens::{CitizenMatch, MATCH_COLUMNS, match_from_row};

/// Why a line matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MatchTier {
    /// As typed, in the script it was typed in.
    SameSpelling,
    /// In the other script, or with the ʻ/ʼ marks left out.
    OtherScript,
    /// Spelled another way: a Russian keyboard, Russian-style Latin.
    Folded,
    /// One letter wrong, missing or extra in a word.
    Typo,
}

/// A part of `full_name` that matched, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NameSpan {
    pub start: u32,
    pub len: u32,
}

/// Builds an FTS5 query: each group must match (AND); in a group, any alternative (OR). The
/// first alternative of a group is what was typed, matched as a prefix; the others are whole
/// stored words.
fn fts_query(groups: &[Vec<String>]) -> Option<String> {
    let parts: Vec<String> = groups
        .iter()
        .filter(|g| !g.is_empty())
        .map(|g| {
            let alternatives: Vec<String> = g
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i == 0 {
                        format!("\"{w}\"*")
                    } else {
                        format!("\"{w}\"")
                    }
                })
                .collect();
            if alternatives.len() == 1 {
                alternatives[0].clone()
            } else {
                format!("({})", alternatives.join(" OR "))
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

fn words(key: &str) -> Vec<String> {
    key.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The ids an FTS5 table answers for `query`, in index order.
fn lookup(
    conn: &Connection,
    table: &str,
    query: &str,
    limit: i64,
    ids: &mut Vec<i64>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT rowid FROM {table} WHERE {table} MATCH ?1 LIMIT ?2"
    ))?;
    for id in stmt.query_map(rusqlite::params![query, limit], |r| r.get::<_, i64>(0))? {
        let id = id?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(())
}

/// One word of a stored name, at each level of likeness, with where it sits in the name.
struct StoredWord {
    start: u32,
    len: u32,
    spelling: String,
    key: String,
    fold: String,
}

fn stored_words(full_name: &str) -> Vec<StoredWord> {
    let mut out = Vec::new();
    let mut start = 0u32;
    for word in full_name.split(' ') {
        let len = word.chars().count() as u32;
        if len > 0 {
            out.push(StoredWord {
                start,
                len,
                spelling: name_fold::spelling_words(word).concat(),
                key: translit::search_key(word).replace(' ', ""),
                fold: name_fold::fold_key(word).replace(' ', ""),
            });
        }
        start += len + 1;
    }
    out
}

/// What was typed, at each level.
struct Typed {
    spelling: Vec<String>,
    key: Vec<String>,
    fold: Vec<String>,
}

/// Whether every typed word starts a stored word (`typo`: or is one edit from one, for words
/// of five letters or more), with how many equal a whole word and which stored words matched.
fn matches(
    typed: &[String],
    stored: &[StoredWord],
    level: impl Fn(&StoredWord) -> &str,
    typo: bool,
) -> Option<(usize, Vec<usize>)> {
    let mut whole = 0;
    let mut hit = Vec::new();
    for t in typed {
        let found = stored.iter().position(|s| {
            let s = level(s);
            s.starts_with(t.as_str())
                || (typo
                    && s.chars().count().max(t.chars().count()) >= name_fold::TYPO_MIN_LEN
                    && name_fold::within_one_edit(s, t))
        })?;
        if level(&stored[found]) == t.as_str() {
            whole += 1;
        }
        hit.push(found);
    }
    Some((whole, hit))
}

/// A level of likeness: how a stored word is read at that tier.
type Level = fn(&StoredWord) -> &str;

fn rank(typed: &Typed, full_name: &str) -> Option<(MatchTier, usize, Vec<NameSpan>)> {
    let stored = stored_words(full_name);
    let tiers: [(MatchTier, &[String], Level, bool); 4] = [
        (
            MatchTier::SameSpelling,
            &typed.spelling,
            |s| &s.spelling,
            false,
        ),
        (MatchTier::OtherScript, &typed.key, |s| &s.key, false),
        (MatchTier::Folded, &typed.fold, |s| &s.fold, false),
        (MatchTier::Typo, &typed.fold, |s| &s.fold, true),
    ];
    tiers.into_iter().find_map(|(tier, words, level, typo)| {
        let (whole, hit) = matches(words, &stored, level, typo)?;
        let mut spans: Vec<NameSpan> = hit
            .into_iter()
            .map(|i| NameSpan {
                start: stored[i].start,
                len: stored[i].len,
            })
            .collect();
        spans.sort_by_key(|s| s.start);
        spans.dedup();
        Some((tier, whole, spans))
    })
}

/// Citizens whose name matches `query` however it was typed, best first, at most `limit`.
pub(crate) fn by_name(conn: &Connection, query: &str, limit: usize) -> Result<Vec<CitizenMatch>> {
    let typed = Typed {
        spelling: name_fold::spelling_words(query),
        key: words(&translit::search_key(query)),
        fold: words(&name_fold::fold_key(query)),
    };
    if typed.key.is_empty() {
        return Ok(Vec::new());
    }
    // Enough candidates from each path that the best of them fill the page.
    let per_path = (limit as i64 * 3).max(30);
    let mut ids = Vec::new();
    let single = |w: &[String]| w.iter().map(|x| vec![x.clone()]).collect::<Vec<_>>();
    if let Some(q) = fts_query(&single(&typed.key)) {
        lookup(conn, "citizen_name", &q, per_path, &mut ids)?;
    }
    if let Some(q) = fts_query(&single(&typed.fold)) {
        lookup(conn, "citizen_fold", &q, per_path, &mut ids)?;
    }
    let mut widened = false;
    let mut groups = Vec::with_capacity(typed.fold.len());
    for w in &typed.fold {
        let mut group = vec![w.clone()];
        // A word that starts a stored word is taken as typed, unless nothing was found at all.
        if ids.is_empty() || !crate::name_index::known(conn, w)? {
            let corrections = crate::name_index::corrections(conn, w)?;
            widened |= !corrections.is_empty();
            group.extend(corrections);
        }
        groups.push(group);
    }
    if widened && let Some(q) = fts_query(&groups) {
        lookup(conn, "citizen_fold", &q, per_path, &mut ids)?;
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MATCH_COLUMNS} FROM citizen c WHERE c.id = ?1"
    ))?;
    let mut found: Vec<(MatchTier, usize, CitizenMatch)> = Vec::new();
    for id in ids {
        let Some(mut m) = stmt.query_row([id], match_from_row).optional()? else {
            continue;
        };
        let Some((tier, whole, spans)) = rank(&typed, &m.full_name) else {
            continue;
        };
        m.tier = tier;
        m.highlight = spans;
        found.push((tier, whole, m));
    }
    found.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.cmp(&a.1))
            .then(
                a.2.full_name
                    .chars()
                    .count()
                    .cmp(&b.2.full_name.chars().count()),
            )
            .then(a.2.id.cmp(&b.2.id))
    });
    Ok(found.into_iter().take(limit).map(|(_, _, m)| m).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(q: &str) -> Typed {
        Typed {
            spelling: name_fold::spelling_words(q),
            key: words(&translit::search_key(q)),
            fold: words(&name_fold::fold_key(q)),
        }
    }

    #[test]
    fn the_query_groups_alternatives_and_keeps_the_typed_word_a_prefix() {
        assert_eq!(
            fts_query(&[
                vec!["karimov".into(), "karimova".into()],
                vec!["sher".into()]
            ])
            .as_deref(),
            Some("(\"karimov\"* OR \"karimova\") AND \"sher\"*")
        );
        assert_eq!(fts_query(&[]), None);
    }

    #[test]
    fn tiers_run_from_the_same_spelling_to_a_typo() {
        let stored = "Gʻulomov Oʻtkir Hasanovich";
        let tier = |q: &str| rank(&typed(q), stored).map(|r| r.0);
        assert_eq!(tier("Gʻulomov Oʻtkir"), Some(MatchTier::SameSpelling));
        assert_eq!(tier("gʻulomov oʻtk"), Some(MatchTier::SameSpelling));
        assert_eq!(tier("Ғуломов Ўткир"), Some(MatchTier::OtherScript));
        assert_eq!(tier("Gulomov Otkir"), Some(MatchTier::OtherScript));
        assert_eq!(tier("Гуломов Уткир"), Some(MatchTier::Folded));
        assert_eq!(tier("Gulomov Utkir Khasanovich"), Some(MatchTier::Folded));
        assert_eq!(tier("Gulomvo Utkir"), Some(MatchTier::Typo));
        assert_eq!(tier("Karimov"), None);
        // A short word is not forgiven a typo.
        assert_eq!(rank(&typed("Ali"), "Alo Valiyev").map(|r| r.0), None);
    }

    #[test]
    fn whole_words_count_and_the_matched_words_are_marked() {
        let (_, whole, spans) = rank(&typed("Karimov Sher"), "Karimov Sherzod Aliyevich").unwrap();
        assert_eq!(whole, 1);
        assert_eq!(
            spans,
            [NameSpan { start: 0, len: 7 }, NameSpan { start: 8, len: 7 }]
        );
    }
}
