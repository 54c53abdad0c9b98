//! The folded-name index (`ariza_core::name_fold`): each citizen's folded name in
//! `citizen.fold_key` (indexed by the FTS5 table `citizen_fold`), and the vocabulary of folded
//! words with their one-letter deletions, through which a mistyped word finds the stored
//! words one edit away (a SymSpell-style lookup: a handful of B-tree probes, however many
//! citizens there are, because the vocabulary holds each word once).

use ariza_core::name_fold::{self, TYPO_MIN_LEN};
use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

/// The setting that records which version of the folding rules the stored keys follow.
const VERSION_KEY: &str = "name_fold_version";

/// Adds a folded name's words to the vocabulary (inside the caller's transaction).
pub(crate) fn add_words(conn: &Connection, fold_key: &str) -> Result<()> {
    let mut word_stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO name_word (word) VALUES (?1)")?;
    let mut variant_stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO name_word_variant (variant, word) VALUES (?1, ?2)",
    )?;
    for word in fold_key.split(' ').filter(|w| !w.is_empty()) {
        let new = word_stmt.execute([word])? == 1;
        if new && word.chars().count() >= TYPO_MIN_LEN {
            for variant in name_fold::deletions(word) {
                variant_stmt.execute(params![variant, word])?;
            }
        }
    }
    Ok(())
}

/// Folds every name not folded yet — rows from before folding, rows written by a bulk loader
/// — and, when the rules changed since the keys were made, every name again. How many.
pub(crate) fn bring_up_to_date(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction()?;
    let version: Option<String> = tx
        .query_row(
            "SELECT value FROM setting WHERE key = ?1",
            [VERSION_KEY],
            |r| r.get(0),
        )
        .optional()?;
    let current = name_fold::VERSION.to_string();
    if version.as_deref() != Some(current.as_str()) {
        tx.execute_batch(
            "DELETE FROM name_word; DELETE FROM name_word_variant;
             UPDATE citizen SET fold_key = NULL WHERE fold_key IS NOT NULL;",
        )?;
        tx.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![VERSION_KEY, current],
        )?;
    }
    let mut folded = 0;
    loop {
        // In batches, so a million rows never sit in memory at once.
        let batch: Vec<(i64, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT id, surname || ' ' || given_name || ' ' || patronymic FROM citizen
                 WHERE fold_key IS NULL ORDER BY id LIMIT 10000",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        if batch.is_empty() {
            break;
        }
        let mut update = tx.prepare_cached("UPDATE citizen SET fold_key = ?1 WHERE id = ?2")?;
        for (id, name) in &batch {
            let key = name_fold::fold_key(name);
            update.execute(params![key, id])?;
            add_words(&tx, &key)?;
        }
        folded += batch.len();
    }
    tx.commit()?;
    if folded > 0 {
        tracing::info!(folded, "citizens' names folded for search");
    }
    Ok(folded)
}

/// Whether some stored name has a word that is `word` or starts with it: such a word is taken
/// as typed, and only a word that matches nothing is looked up for typos (as SymSpell corrects
/// only unknown words), which keeps a correctly typed name's search to the exact lookups.
pub(crate) fn known(conn: &Connection, word: &str) -> Result<bool> {
    let mut stmt = conn.prepare_cached(
        "SELECT 1 FROM name_word WHERE word >= ?1 AND word < ?1 || char(1114111) LIMIT 1",
    )?;
    Ok(stmt.exists([word])?)
}

/// The stored words one edit from `word` (not `word` itself), for a word of at least four
/// letters: a five-letter name with one letter missing is still found.
pub(crate) fn corrections(conn: &Connection, word: &str) -> Result<Vec<String>> {
    let len = word.chars().count();
    if len + 1 < TYPO_MIN_LEN {
        return Ok(Vec::new());
    }
    let mut found: Vec<String> = Vec::new();
    let deletions = name_fold::deletions(word);
    // Same length or one shorter than a stored word: they share a deletion, or the word is one.
    let mut by_variant =
        conn.prepare_cached("SELECT word FROM name_word_variant WHERE variant = ?1")?;
    for variant in std::iter::once(word.to_string()).chain(deletions.iter().cloned()) {
        for w in by_variant.query_map([&variant], |r| r.get::<_, String>(0))? {
            found.push(w?);
        }
    }
    // One letter longer than a stored word: one of its deletions is that word.
    if len > TYPO_MIN_LEN {
        let mut exact = conn.prepare_cached("SELECT word FROM name_word WHERE word = ?1")?;
        for d in &deletions {
            if let Some(w) = exact.query_row([d], |r| r.get::<_, String>(0)).optional()? {
                found.push(w);
            }
        }
    }
    found.retain(|w| w != word && name_fold::within_one_edit(w, word));
    found.sort();
    found.dedup();
    Ok(found)
}
