//! Every message key the code uses exists in every locale (the per-locale completeness check
//! against uz-Latn lives in ariza-core's i18n tests).

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use ariza_core::i18n::{Locale, Localizer};

fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !matches!(
                name,
                "node_modules" | "dist" | "target" | "bindings" | "gen"
            ) {
                sources(&p, out);
            }
        } else if name.ends_with(".rs") || name.ends_with(".ts") || name.ends_with(".tsx") {
            out.push(p);
        }
    }
}

/// Quoted literals that look like message keys: "err-…", "ui-…", "cli-…", "field-…", …
fn keys_in(text: &str) -> BTreeSet<String> {
    const PREFIXES: &[&str] = &[
        "err-", "ui-", "cli-", "field-", "status-", "role-", "sex-", "doc-", "app-", "dash-",
        "doctor-", "history-", "web-",
    ];
    let mut keys = BTreeSet::new();
    for quote in ['"', '`'] {
        for part in text.split(quote).skip(1).step_by(2) {
            let candidate = part.trim();
            if PREFIXES.iter().any(|p| candidate.starts_with(p))
                && candidate.len() > 4
                && candidate
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !candidate.ends_with('-')
            {
                keys.insert(candidate.to_string());
            }
        }
    }
    keys
}

#[test]
fn every_key_used_in_code_exists_in_every_locale() {
    let root = ariza_e2e::workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri/src", "ui/src"] {
        sources(&root.join(dir), &mut files);
    }
    let mut used = BTreeSet::new();
    for f in &files {
        used.extend(keys_in(&std::fs::read_to_string(f).unwrap()));
    }
    assert!(
        used.len() > 80,
        "found only {} keys: is the scan broken?",
        used.len()
    );
    let l = Localizer::new();
    let mut missing = Vec::new();
    for key in &used {
        for locale in Locale::ALL {
            if !l.has(locale, key) {
                missing.push(format!("{key} ({})", locale.tag()));
            }
        }
    }
    assert!(missing.is_empty(), "missing: {missing:#?}");
}

#[test]
fn every_status_role_sex_document_event_queue_and_period_has_a_name() {
    let l = Localizer::new();
    let mut keys: Vec<String> = ariza_core::application::Status::ALL
        .iter()
        .map(|s| s.message_key())
        .collect();
    keys.extend(
        ariza_core::staff::Role::ALL
            .iter()
            .map(|r| format!("role-{}", r.as_str())),
    );
    // Keys the UI builds from a value: history events, queue tiles, dashboard periods.
    keys.extend(
        ariza_core::application::HistoryEvent::ALL
            .iter()
            .map(|e| e.message_key()),
    );
    keys.extend(
        ariza_store::QueueKind::ALL
            .iter()
            .map(|k| format!("ui-queue-{}", k.as_str().replace('_', "-"))),
    );
    keys.extend(
        [
            "ui-queue-drafts",
            "ui-period-day",
            "ui-period-week",
            "ui-period-month",
        ]
        .map(String::from),
    );
    keys.extend(
        [
            "sex-male",
            "sex-female",
            "doc-passport",
            "doc-id-card",
            "doc-birth-certificate",
        ]
        .map(String::from),
    );
    for key in keys {
        for locale in Locale::ALL {
            assert!(l.has(locale, &key), "{key} missing in {}", locale.tag());
        }
    }
}
