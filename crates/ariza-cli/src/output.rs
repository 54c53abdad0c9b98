//! Everything the CLI prints: localized text for people, JSON for scripts (`--json`), pages
//! of long lists with their "more" line, and failures on standard error.

use ariza_core::clock::tashkent;
use ariza_core::error::{Code, Fault};
use ariza_core::i18n::{Locale, Localizer};
use ariza_store::Page;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::failure::Failure;

pub struct Output {
    pub json: bool,
    pub locale: Locale,
    l: Localizer,
}

impl Output {
    pub fn new(json: bool, locale: Locale) -> Output {
        Output {
            json,
            locale,
            l: Localizer::new(),
        }
    }

    pub fn localizer(&self) -> &Localizer {
        &self.l
    }

    pub fn tr(&self, key: &str, args: &[(&str, String)]) -> String {
        self.l.tr(self.locale, key, args)
    }

    /// Prints `value` as JSON for scripts, or the localized message `key` for people.
    pub fn report(
        &self,
        value: &impl Serialize,
        key: &str,
        args: &[(&str, String)],
    ) -> Result<(), Failure> {
        if self.json {
            self.print_json(value)
        } else {
            println!("{}", self.tr(key, args));
            Ok(())
        }
    }

    /// Prints `value` as JSON for scripts, or runs `text` to print it for people.
    pub fn show<T: Serialize>(&self, value: &T, text: impl FnOnce(&T)) -> Result<(), Failure> {
        if self.json {
            self.print_json(value)
        } else {
            text(value);
            Ok(())
        }
    }

    pub fn print_json(&self, value: &impl Serialize) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Other(e.into()))?;
        println!("{text}");
        Ok(())
    }

    /// One page of a list: `{items, next_offset, total}` as JSON, or a line per item and, when
    /// the list goes on, a line saying how many more and where the next page starts — a
    /// page is never mistaken for the whole list.
    pub fn page<T: Serialize>(
        &self,
        page: &Page<T>,
        line: impl Fn(&T) -> String,
    ) -> Result<(), Failure> {
        if self.json {
            return self.print_json(page);
        }
        if page.items.is_empty() {
            println!("{}", self.tr("cli-none", &[]));
        }
        for item in &page.items {
            println!("{}", line(item));
        }
        if let Some(next) = page.next_offset {
            println!(
                "{}",
                self.tr(
                    "cli-more",
                    &[
                        ("count", page.remaining().to_string()),
                        ("offset", next.to_string()),
                    ]
                )
            );
        }
        Ok(())
    }

    /// A failure as its code and translated message.
    pub fn fault(&self, f: &Failure) -> Fault {
        match f {
            Failure::Described(e) => Fault::from_error(e.as_ref(), &self.l, self.locale),
            Failure::Message(code, key, args) => Fault {
                code: *code,
                message: self.tr(key, args),
                fields: Vec::new(),
            },
            Failure::Other(e) => Fault {
                code: Code::Internal,
                message: format!("{e:#}"),
                fields: Vec::new(),
            },
        }
    }

    /// Prints a failure on standard error: `{code, message, fields}` with `--json`, else the
    /// translated message and one line per field at fault.
    pub fn print_failure(&self, failure: &Failure) {
        let fault = self.fault(failure);
        if self.json {
            eprintln!(
                "{}",
                serde_json::to_string(&fault).unwrap_or_else(|_| fault.message.clone())
            );
            return;
        }
        eprintln!(
            "{}",
            self.tr("cli-error", &[("message", fault.message.clone())])
        );
        for f in &fault.fields {
            eprintln!(
                "  {}",
                self.tr(
                    "cli-field-error",
                    &[("field", f.field.clone()), ("message", f.message.clone())]
                )
            );
        }
    }
}

/// A moment as the center's clock shows it (Tashkent), to the minute.
pub fn local_minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&tashkent())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A moment as the center's clock shows it (Tashkent), to the second.
pub fn local_second(at: DateTime<Utc>) -> String {
    at.with_timezone(&tashkent())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
