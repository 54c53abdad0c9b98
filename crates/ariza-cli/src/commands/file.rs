//! `ariza file`: files an application from JSON.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use ariza_core::application::{DocumentRef, FileRequest};
use ariza_core::error::Code;
use ariza_store::Store;
use serde::Deserialize;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;

pub const FILE_HELP: &str = "\
Files an application. The input is one JSON object, read from --input FILE or standard input:

  {
    \"citizen_id\": 12,                    (or \"citizen_pinfl\": \"31205900260129\")
    \"service_code\": \"eri-key\",          (see `ariza catalog list`)
    \"form\": { \"holder_type\": \"individual\", \"phone\": \"+998 90 123 45 67\" }
  }

`form` holds the service's fields by key; text, numbers and dates (YYYY-MM-DD) are accepted as
JSON strings or numbers. Every value is checked against the catalog; on any error nothing is
stored and the exit status is 1. On success the tracking number is printed (with --json, the
whole application).

Each required document of the service (`ariza catalog show CODE`) is attached with
--document KEY=FILE (an image or a PDF; repeat the option for each), unless a supervisor
allows documents to follow for the service (`ariza documents-to-follow CODE on`).";

#[derive(clap::Args)]
pub struct File {
    #[command(flatten)]
    act: ActAs,
    /// A JSON file; "-" or nothing reads standard input.
    #[arg(long)]
    input: Option<PathBuf>,
    /// A scan filed under one of the service's documents: KEY=FILE (repeatable).
    #[arg(long = "document", value_name = "KEY=FILE")]
    documents: Vec<String>,
}

/// What `file` reads: a [`FileRequest`], with the citizen given by id or by PINFL.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInput {
    citizen_id: Option<i64>,
    citizen_pinfl: Option<String>,
    service_code: String,
    #[serde(default)]
    form: BTreeMap<String, serde_json::Value>,
    /// The language of the citizen's receipt (`uz-Latn`, `uz-Cyrl`, `ru`, `en`).
    #[serde(default)]
    receipt_locale: Option<ariza_core::i18n::Locale>,
}

fn read_input(path: Option<&Path>) -> Result<String, Failure> {
    let mut text = String::new();
    match path {
        Some(p) if p.as_os_str() != "-" => {
            text = std::fs::read_to_string(p).map_err(|e| Failure::file(p, e))?;
        }
        _ => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::Other(e.into()))?;
        }
    }
    Ok(text)
}

/// The citizen's id: given, or found by an exact PINFL.
fn citizen_id(store: &Store, input: &FileInput) -> Result<i64, Failure> {
    let not_found = |code| Failure::Message(code, "err-citizen-not-found", Vec::new());
    match (input.citizen_id, &input.citizen_pinfl) {
        (Some(id), _) => Ok(id),
        (None, Some(pinfl)) => match store.find_citizens(pinfl, 2)?.as_slice() {
            [one] if one.pinfl == pinfl.trim() => Ok(one.id),
            _ => Err(not_found(Code::NotFound)),
        },
        (None, None) => Err(not_found(Code::Validation)),
    }
}

pub fn run(ctx: &Ctx, store: &Store, args: File) -> Result<(), Failure> {
    let text = read_input(args.input.as_deref())?;
    let input: FileInput = serde_json::from_str(&text).map_err(|e| {
        Failure::Message(
            Code::Validation,
            "err-json",
            vec![("detail", e.to_string())],
        )
    })?;
    let actor = args.act.sign_in(ctx, store)?;
    let mut documents = Vec::new();
    for spec in &args.documents {
        let Some((key, file)) = spec.split_once('=') else {
            return Err(Failure::Message(
                Code::Validation,
                "err-document-option",
                vec![("given", spec.clone())],
            ));
        };
        let path = Path::new(file);
        let bytes = std::fs::read(path).map_err(|e| Failure::file(path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let scan = store.store_scan(&bytes, &name, &ctx.clock)?;
        documents.push(DocumentRef {
            requirement_key: key.trim().to_string(),
            sha256: scan.sha256,
        });
    }
    let req = FileRequest {
        citizen_id: citizen_id(store, &input)?,
        service_code: input.service_code,
        form: input.form,
        documents,
        receipt_locale: input.receipt_locale,
    };
    let app = store.file_application(&actor, &req, &ctx.clock)?;
    ctx.out.report(
        &app,
        "cli-filed",
        &[("tracking", app.tracking_number.to_string())],
    )
}
