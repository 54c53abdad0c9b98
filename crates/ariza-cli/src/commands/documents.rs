//! `ariza attach` and `ariza documents`: scans attached to an application.

use std::path::PathBuf;

use ariza_core::catalog::DocumentFormat;
use ariza_store::{ServiceRule, Store};
use serde::Serialize;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;

#[derive(clap::Args)]
pub struct Attach {
    /// The application: tracking number or id.
    key: String,
    /// An image (JPEG, PNG, WebP, TIFF) or a PDF.
    file: PathBuf,
    /// Which of the service's documents it is (see `ariza documents KEY`).
    #[arg(long)]
    kind: String,
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Args)]
pub struct DocumentsToFollow {
    /// The service's code; none lists every service's rule.
    service: Option<String>,
    /// on: filing may leave required documents to follow; off: every one must be attached.
    #[arg(value_parser = ["on", "off"], requires_all = ["service", "user"])]
    rule: Option<String>,
    /// The supervisor setting the rule (their password: ARIZA_PASSWORD or a prompt).
    #[arg(long = "as", value_name = "USER")]
    user: Option<String>,
}

#[derive(clap::Args)]
pub struct Documents {
    /// The application: tracking number or id.
    key: String,
}

/// Bytes for people: "3.4 MB", "512 KB".
fn size(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} KB", (bytes + 999) / 1000)
    }
}

pub fn documents_to_follow(
    ctx: &Ctx,
    store: &Store,
    args: DocumentsToFollow,
) -> Result<(), Failure> {
    let rules = match (&args.service, &args.rule) {
        (Some(service), Some(rule)) => {
            let act = ActAs {
                user: args.user.clone().unwrap_or_default(),
            };
            let actor = act.sign_in(ctx, store)?;
            let rule = ServiceRule {
                service_code: service.clone(),
                documents_to_follow: rule == "on",
            };
            vec![store.set_service_rule(&actor, &rule, &ctx.clock)?]
        }
        (Some(service), None) => vec![store.service_rule(service)?],
        (None, _) => store.service_rules()?,
    };
    ctx.out.show(&rules, |rules| {
        for r in rules {
            let key = if r.documents_to_follow {
                "cli-documents-to-follow-on"
            } else {
                "cli-documents-to-follow-off"
            };
            println!(
                "{}",
                ctx.out.tr(key, &[("service", r.service_code.clone())])
            );
        }
    })
}

pub fn attach(ctx: &Ctx, store: &Store, args: Attach) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    // Read and checked before anything is stored: a refused file leaves nothing behind.
    let bytes = std::fs::read(&args.file).map_err(|e| Failure::file(&args.file, e))?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let app = store.application(&args.key)?;
    let scan = store.store_scan(&bytes, &name, &ctx.clock)?;
    let (attached, new) = store.attach_scan(&actor, &args.key, &args.kind, &scan, &ctx.clock)?;
    let tracking = app.tracking_number.to_string();
    if new {
        ctx.out.report(
            &attached,
            "cli-attached",
            &[
                ("tracking", tracking),
                ("kind", args.kind),
                ("original", size(attached.scan.original_size)),
                ("stored", size(attached.scan.stored_size)),
            ],
        )
    } else {
        ctx.out.report(
            &attached,
            "cli-attached-again",
            &[("tracking", tracking), ("kind", args.kind)],
        )
    }
}

#[derive(Serialize)]
struct Checklist {
    tracking_number: String,
    documents: Vec<ChecklistLine>,
}

#[derive(Serialize)]
struct ChecklistLine {
    key: String,
    required: bool,
    attached: Vec<ariza_store::AttachedDocument>,
}

pub fn documents(ctx: &Ctx, store: &Store, args: Documents) -> Result<(), Failure> {
    let app = store.application(&args.key)?;
    let attached = store.documents(&args.key)?;
    let catalog = store.catalog()?;
    let requirements = catalog
        .service(&app.service_code)
        .map(|s| s.documents.clone())
        .unwrap_or_default();
    let mut lines: Vec<ChecklistLine> = requirements
        .iter()
        .map(|r| ChecklistLine {
            key: r.key.clone(),
            required: r.required,
            attached: attached
                .iter()
                .filter(|d| d.requirement_key == r.key)
                .cloned()
                .collect(),
        })
        .collect();
    // Scans filed under a document a newer catalog no longer lists are still shown.
    for d in &attached {
        if !requirements.iter().any(|r| r.key == d.requirement_key) {
            lines.push(ChecklistLine {
                key: d.requirement_key.clone(),
                required: false,
                attached: vec![d.clone()],
            });
        }
    }
    let list = Checklist {
        tracking_number: app.tracking_number.to_string(),
        documents: lines,
    };
    ctx.out.show(&list, |list| {
        let tracking = [("tracking", list.tracking_number.clone())];
        let title = if attached.is_empty() {
            "cli-documents-none"
        } else {
            "cli-documents-title"
        };
        println!("{}", ctx.out.tr(title, &tracking));
        for line in &list.documents {
            let required = ctx.out.tr(
                if line.required {
                    "ui-document-required"
                } else {
                    "ui-document-optional"
                },
                &[],
            );
            let name = requirements
                .iter()
                .find(|r| r.key == line.key)
                .map_or(line.key.clone(), |r| r.name.get(ctx.out.locale).to_string());
            let kind = format!("{name} [{}]", line.key);
            if line.attached.is_empty() {
                println!(
                    "  {}",
                    ctx.out.tr(
                        "cli-document-missing",
                        &[("kind", kind.clone()), ("required", required.clone())]
                    )
                );
            }
            for d in &line.attached {
                let format = match d.scan.format {
                    DocumentFormat::Image => match (d.scan.width, d.scan.height) {
                        (Some(w), Some(h)) => format!("JPEG {w}×{h}"),
                        _ => "JPEG".into(),
                    },
                    DocumentFormat::Pdf => "PDF".into(),
                };
                println!(
                    "  {}",
                    ctx.out.tr(
                        "cli-document-line",
                        &[
                            ("kind", kind.clone()),
                            ("required", required.clone()),
                            ("format", format),
                            ("original", size(d.scan.original_size)),
                            ("stored", size(d.scan.stored_size)),
                            ("by", d.attached_by.clone()),
                            ("at", d.attached_at.clone()),
                        ]
                    )
                );
            }
        }
    })
}
