//! `ariza list`, `show` and `cancel`: applications by day, one in full, cancelling one.

use ariza_core::application::Application;
use ariza_core::clock::Clock;
use ariza_core::i18n::format_uzs;
use ariza_store::{ListFilter, Store};

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::output::local_minute;
use crate::paging::PageArgs;
use crate::values::StatusArg;

#[derive(clap::Args)]
pub struct List {
    /// A filing day, YYYY-MM-DD.
    #[arg(long, conflicts_with = "all")]
    date: Option<String>,
    /// Every day.
    #[arg(long)]
    all: bool,
    #[arg(long)]
    status: Option<StatusArg>,
    #[command(flatten)]
    page: PageArgs,
}

#[derive(clap::Args)]
pub struct Show {
    /// A tracking number (in any accepted form) or an id.
    key: String,
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Args)]
pub struct Cancel {
    key: String,
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    act: ActAs,
}

pub fn list(ctx: &Ctx, store: &Store, args: List) -> Result<(), Failure> {
    let date = if args.all {
        None
    } else {
        Some(
            args.date
                .unwrap_or_else(|| ctx.clock.today().format("%Y-%m-%d").to_string()),
        )
    };
    let filter = ListFilter {
        date,
        status: args.status.map(Into::into),
        clerk: None,
        limit: None,
    };
    let page = store.list_applications_page(&filter, args.page.request())?;
    ctx.out.page(&page, |r| {
        format!(
            "{}  {}  {:<24} {:<26} {}",
            r.tracking_number,
            local_minute(r.filed_at),
            ctx.out.tr(&r.status.message_key(), &[]),
            r.service_code,
            r.citizen_name
        )
    })
}

/// Shows one application (opening it is recorded in the audit trail).
pub fn show(ctx: &Ctx, store: &Store, args: Show) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let app = store.open_application(&actor, &args.key, &ctx.clock)?;
    if ctx.out.json {
        return ctx.out.print_json(&app);
    }
    let catalog = store.catalog()?;
    let service = catalog
        .service(&app.service_code)
        .map(|s| s.name.get(ctx.out.locale).to_string())
        .unwrap_or(app.service_code.clone());
    print_application(ctx, &app, &service);
    Ok(())
}

fn print_application(ctx: &Ctx, app: &Application, service: &str) {
    let tr = |key: &str| ctx.out.tr(key, &[]);
    println!("{}: {}", tr("ui-receipt-tracking"), app.tracking_number);
    println!("{}: {}", tr("ui-col-status"), tr(&app.status.message_key()));
    println!(
        "{}: {} ({})",
        tr("ui-receipt-citizen"),
        app.citizen_name,
        app.citizen_pinfl
    );
    println!("{}: {}", tr("ui-receipt-service"), service);
    println!("{}: {}", tr("ui-receipt-fee"), format_uzs(app.fee_uzs));
    println!("{}: {}", tr("ui-receipt-due"), app.due_date);
    if let Some(code) = &app.receipt_code {
        println!("{}: {code}", tr("ui-receipt-code"));
    }
    if let Some(key) = &app.quarantine {
        println!("{}: {}", tr("ui-quarantine-reason"), tr(key));
    }
    for (k, v) in &app.form {
        println!("  {k}: {v}");
    }
    println!("{}:", tr("ui-detail-history"));
    for h in &app.history {
        let from = h
            .from
            .map(|f| tr(&f.message_key()) + " → ")
            .unwrap_or_default();
        println!(
            "  {}  {}{}  {}  {}",
            local_minute(h.at),
            from,
            tr(&h.to.message_key()),
            h.actor,
            h.reason.clone().unwrap_or_default()
        );
    }
}

pub fn cancel(ctx: &Ctx, store: &Store, args: Cancel) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let app = store.cancel_application(&actor, &args.key, &args.reason, &ctx.clock)?;
    ctx.out.report(
        &app,
        "cli-cancelled",
        &[("tracking", app.tracking_number.to_string())],
    )
}
