//! `ariza receipt`: a filed application's receipt as a PDF, in the citizen's language.

use std::path::PathBuf;

use ariza_store::Store;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::values::{LangArg, LayoutArg};

#[derive(clap::Args)]
pub struct Receipt {
    /// A tracking number (in any accepted form) or an id.
    key: String,
    #[command(flatten)]
    act: ActAs,
    /// The paper (default: the desk's setting).
    #[arg(long)]
    layout: Option<LayoutArg>,
    /// The receipt's language (default: the one chosen at filing, else --lang).
    #[arg(long)]
    receipt_lang: Option<LangArg>,
    /// Where to write the PDF.
    #[arg(long)]
    out: PathBuf,
}

/// What `receipt --json` prints.
#[derive(serde::Serialize)]
struct Written {
    file: String,
    tracking_number: String,
    layout: &'static str,
    locale: &'static str,
    bytes: usize,
}

pub fn run(ctx: &Ctx, store: &Store, args: Receipt) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    // Opening it for a receipt is opening it: permission-checked and in the audit trail.
    store.open_application(&actor, &args.key, &ctx.clock)?;
    let printed = ariza_receipt::desk::receipt(
        store,
        &args.key,
        args.layout.map(Into::into),
        args.receipt_lang.map(Into::into),
        ctx.out.locale,
        ctx.out.localizer(),
    )?;
    std::fs::write(&args.out, &printed.pdf).map_err(|e| Failure::file(&args.out, e))?;
    let written = Written {
        file: args.out.display().to_string(),
        tracking_number: printed.tracking_number,
        layout: printed.layout.as_str(),
        locale: printed.locale.tag(),
        bytes: printed.pdf.len(),
    };
    ctx.out.report(
        &written,
        "cli-receipt-written",
        &[
            ("file", written.file.clone()),
            ("tracking", written.tracking_number.clone()),
        ],
    )
}
