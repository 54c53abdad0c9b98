//! Finding a citizen however the clerk typed the name, ranked, and never registering one
//! twice: on a real (encrypted) SQLite file.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::FixedClock;
use ariza_core::error::Describe;
use ariza_core::staff::Actor;
use ariza_store::{MatchTier, NameSpan, Store};
use chrono::NaiveDate;

fn clock() -> FixedClock {
    FixedClock::at_tashkent(2026, 11, 20, 10, 0)
}

fn setup(dir: &tempfile::TempDir) -> (Store, Actor) {
    support::set_up(&dir.path().join("desk.db"), "tsh07", &clock())
}

fn person(surname: &str, given: &str, patronymic: &str, seq: u32) -> CitizenInput {
    let birth = NaiveDate::from_ymd_opt(1990, 5, 12).unwrap();
    let mut c = support::citizen(
        Sex::Male,
        birth,
        seq,
        surname,
        given,
        &format!("AB{:07}", seq),
    );
    c.patronymic = patronymic.into();
    c
}

fn ids(store: &Store, q: &str) -> Vec<i64> {
    store
        .find_citizens(q, 10)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
}

#[test]
fn a_name_is_found_however_it_was_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let gulom = store
        .register_citizen(&admin, &person("Gʻulomov", "Oʻtkir", "Hasanovich", 1), &c)
        .unwrap()
        .id;
    let jasur = store
        .register_citizen(&admin, &person("Қодиров", "Жасур", "Алиевич", 2), &c)
        .unwrap()
        .id;
    let xurshid = store
        .register_citizen(&admin, &person("Xolmatov", "Xurshid", "", 3), &c)
        .unwrap()
        .id;
    let yelena = store
        .register_citizen(&admin, &person("Цой", "Елена", "", 4), &c)
        .unwrap()
        .id;
    let cases: &[(&str, i64, &str)] = &[
        // Uzbek Latin and Cyrillic, as before.
        ("Ғуломов Ўткир", gulom, "Uzbek Cyrillic"),
        ("Qodirov Jasur", jasur, "Uzbek Latin"),
        // A Russian keyboard: у for ў, г for ғ, к for қ, х for ҳ.
        ("Гуломов Уткир", gulom, "Russian keyboard"),
        ("Кодиров Жасур", jasur, "Russian keyboard"),
        ("Уткир Хасанович", gulom, "Russian keyboard, х for ҳ"),
        ("Холматов Хуршид", xurshid, "х is x"),
        // Russian-style Latin (ICAO 9303, older documents) and informal typing.
        ("Gulomov Utkir Khasanovich", gulom, "ICAO"),
        ("Kodirov Dzhasur", jasur, "dzh for ж"),
        ("Кодиров Джасур", jasur, "дж for ж"),
        ("Zhasur", jasur, "zh for ж"),
        ("Kholmatov Khurshid", xurshid, "kh for x"),
        ("Hurshid", xurshid, "h for x"),
        ("Tsoi Elena", yelena, "ts, -oi, e for ye"),
        // One letter wrong, missing, extra or swapped in a word of five letters or more.
        ("Gulomvo Utkir", gulom, "two letters swapped"),
        ("Kodirv Jasur", jasur, "a letter missing"),
        ("Qodirovv", jasur, "a letter extra"),
        ("Xolmatof", xurshid, "a letter wrong"),
        ("Гуломав", gulom, "a letter wrong, Russian keyboard"),
    ];
    for (q, want, why) in cases {
        assert_eq!(ids(&store, q), [*want], "{q} ({why})");
    }
    // Not overmatching: a short word is forgiven nothing, two letters are too many.
    assert!(
        ids(&store, "Tsoi Alina").is_empty(),
        "two letters from Elena"
    );
    assert!(ids(&store, "Karimov").is_empty());
    assert!(ids(&store, "Gulmova").is_empty(), "two edits from Gʻulomov");
}

#[test]
fn the_same_spelling_comes_first_then_the_other_script_then_folded_then_typos() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let reg = |s: &str, g: &str, seq: u32| {
        store
            .register_citizen(&admin, &person(s, g, "", seq), &c)
            .unwrap()
            .id
    };
    // Registered in the reverse of the order they must come in.
    let typo = reg("Karimav", "Sherzod", 1);
    let folded = reg("Qarimov", "Sherzod", 2);
    let cyrillic = reg("Каримов", "Шерзод", 3);
    let prefix = reg("Karimova", "Sherzoda", 4);
    let same = reg("Karimov", "Sherzod", 5);
    let found = store.find_citizens("Karimov Sherzod", 10).unwrap();
    let order: Vec<i64> = found.iter().map(|m| m.id).collect();
    // Every word was typed as a stored name has it: taken as typed, no typo looked for.
    assert_eq!(order, [same, prefix, cyrillic, folded]);
    let tiers: Vec<MatchTier> = found.iter().map(|m| m.tier).collect();
    assert_eq!(
        tiers,
        [
            MatchTier::SameSpelling,
            MatchTier::SameSpelling,
            MatchTier::OtherScript,
            MatchTier::Folded,
        ]
    );
    // A word that matches nothing is looked up for typos: every name one letter away, in
    // either script, and not the one two letters away (Karimova).
    let found = store.find_citizens("Karimiv Sherzod", 10).unwrap();
    let mut typos: Vec<i64> = found.iter().map(|m| m.id).collect();
    typos.sort();
    assert_eq!(typos, [typo, folded, cyrillic, same], "{found:?}");
    assert!(found.iter().all(|m| m.tier == MatchTier::Typo), "{found:?}");
    let found = store.find_citizens("Karimov Sherzod", 10).unwrap();
    // The words that matched are marked for the desk to highlight.
    assert_eq!(
        found[0].highlight,
        [NameSpan { start: 0, len: 7 }, NameSpan { start: 8, len: 7 }]
    );
    // What tells two namesakes apart travels with each line.
    assert_eq!(found[0].birth_date, "1990-05-12");
    assert_eq!(found[0].pinfl.len(), 14);
}

#[test]
fn a_document_number_already_on_file_is_refused_and_offers_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let first = store
        .register_citizen(&admin, &person("Karimov", "Sherzod", "", 1), &c)
        .unwrap();
    let mut again = person("Karimov", "Sherzod", "", 2);
    again.document_number = first.data.document_number.clone();
    let e = store.register_citizen(&admin, &again, &c).unwrap_err();
    let f = &e.field_errors()[0];
    assert_eq!(
        (f.field.as_str(), f.key),
        ("document_number", "err-duplicate-document")
    );
    assert_eq!(f.args, [("citizen", first.id.to_string())]);
    // The same PINFL says which record holds it too.
    let e = store
        .register_citizen(&admin, &person("Other", "Name", "", 1), &c)
        .unwrap_err();
    assert_eq!(
        e.field_errors()[0].args,
        [("citizen", first.id.to_string())]
    );
    assert_eq!(
        ids(&store, "Karimov Sherzod"),
        [first.id],
        "nothing more stored"
    );
}

#[test]
fn a_likely_duplicate_is_the_same_folded_name_and_birth_date() {
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = setup(&dir);
    let c = clock();
    let on_file = store
        .register_citizen(&admin, &person("Gʻulomov", "Oʻtkir", "", 1), &c)
        .unwrap();
    // Typed on a Russian keyboard, with another PINFL and document: still likely them.
    let typed = person("Гуломов", "Уткир", "", 2);
    let candidates = store.likely_duplicates(&typed).unwrap();
    assert_eq!(
        candidates.iter().map(|m| m.id).collect::<Vec<_>>(),
        [on_file.id]
    );
    // Another birth date, or another given name: not them.
    let mut other_day = typed.clone();
    other_day.birth_date = "1991-05-12".into();
    assert!(store.likely_duplicates(&other_day).unwrap().is_empty());
    let mut other_name = typed;
    other_name.given_name = "Sardor".into();
    assert!(store.likely_duplicates(&other_name).unwrap().is_empty());
}

#[test]
fn names_stored_before_folding_are_folded_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (store, admin) = setup(&dir);
    let id = store
        .register_citizen(&admin, &person("Қодиров", "Жасур", "", 1), &clock())
        .unwrap()
        .id;
    drop(store);
    // As a desk from before folding left it: no folded keys, no vocabulary, no version.
    {
        let conn = ariza_store::open_keyed_connection(&path).unwrap();
        conn.execute_batch(
            "UPDATE citizen SET fold_key = NULL; DELETE FROM name_word; DELETE FROM name_word_variant;
             DELETE FROM setting WHERE key = 'name_fold_version';",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(ids(&store, "Kodirov Dzhasur"), [id]);
    assert_eq!(ids(&store, "Kodirv"), [id], "the vocabulary is back");
    // New rules (another version) fold every name again.
    drop(store);
    {
        let conn = ariza_store::open_keyed_connection(&path).unwrap();
        conn.execute_batch(
            "UPDATE citizen SET fold_key = 'stale'; UPDATE setting SET value = '0' WHERE key = 'name_fold_version';",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(ids(&store, "Kodirov Dzhasur"), [id]);
    assert_eq!(
        store.refresh_name_index().unwrap(),
        0,
        "nothing left to fold"
    );
}

#[test]
fn folded_and_typo_lookups_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = setup(&dir);
    drop(store);
    let conn = ariza_store::open_keyed_connection(&dir.path().join("desk.db")).unwrap();
    let plan = |sql: &str| support::query_plan(&conn, sql);
    let p = plan("SELECT rowid FROM citizen_fold WHERE citizen_fold MATCH '\"sher\"*'");
    assert!(p.contains("VIRTUAL TABLE INDEX"), "{p}");
    let p = plan("SELECT word FROM name_word_variant WHERE variant = 'karmov'");
    assert!(p.contains("PRIMARY KEY"), "{p}");
    let p = plan("SELECT word FROM name_word WHERE word = 'karimov'");
    assert!(p.contains("PRIMARY KEY"), "{p}");
    let p = plan("SELECT id FROM citizen WHERE fold_key IS NULL ORDER BY id LIMIT 10");
    assert!(p.contains("citizen_unfolded"), "{p}");
}
