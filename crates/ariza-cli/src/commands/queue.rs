//! `ariza queue` and `drafts`: the desk's queue screen from the shell — every queue's size,
//! the applications in one, the drafts left open; and the two queue actions that are not
//! supervision (`handover`, `retry`).

use ariza_store::{Draft, QueueFilter, QueueItem, QueueKind, Store};

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::output::local_minute;
use crate::paging::PageArgs;
use crate::values::QueueTile;

#[derive(clap::Args)]
pub struct Queue {
    /// One queue to list; without it, the size of each (as the desk's tiles show them).
    kind: Option<QueueTile>,
    #[command(flatten)]
    act: ActAs,
    #[command(flatten)]
    filter: Filter,
    #[command(flatten)]
    page: PageArgs,
}

/// Narrows every queue (a clerk sees only their own whatever `--clerk` says).
#[derive(clap::Args)]
struct Filter {
    /// One clerk's (a username).
    #[arg(long)]
    clerk: Option<String>,
    /// One service's (a service code).
    #[arg(long)]
    service: Option<String>,
    /// First filing day, YYYY-MM-DD (for drafts: the day last saved).
    #[arg(long)]
    from: Option<String>,
    /// Last filing day, YYYY-MM-DD.
    #[arg(long)]
    to: Option<String>,
}

impl From<Filter> for QueueFilter {
    fn from(f: Filter) -> QueueFilter {
        QueueFilter {
            clerk: f.clerk,
            service: f.service,
            from: f.from,
            to: f.to,
        }
    }
}

#[derive(clap::Args)]
pub struct Drafts {
    #[command(flatten)]
    act: ActAs,
    #[command(flatten)]
    page: PageArgs,
}

/// An application named by its tracking number or id, acted on as `--as`.
#[derive(clap::Args)]
pub struct OnApplication {
    key: String,
    #[command(flatten)]
    act: ActAs,
}

pub fn queue(ctx: &Ctx, store: &Store, args: Queue) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let filter = QueueFilter::from(args.filter);
    match args.kind {
        None => {
            let counts = store.queue_counts(&actor, &filter, &ctx.clock)?;
            ctx.out.show(&counts, |counts| {
                // The desk's tiles, in the desk's order and words: every queue, then drafts.
                for kind in QueueKind::ALL {
                    let name = ctx.out.tr(kind.message_key(), &[]);
                    println!("{:>6}  {name}", counts.count(kind));
                }
                let name = ctx.out.tr("ui-queue-drafts", &[]);
                println!("{:>6}  {name}", counts.drafts);
            })
        }
        Some(QueueTile::Applications(kind)) => {
            let page = store.queue_page(&actor, kind, &filter, args.page.request(), &ctx.clock)?;
            ctx.out.page(&page, |item| queue_line(ctx, item))
        }
        Some(QueueTile::Drafts) => {
            let page = store.drafts_page(&actor, &filter, args.page.request())?;
            ctx.out.page(&page, draft_line)
        }
    }
}

fn queue_line(ctx: &Ctx, item: &QueueItem) -> String {
    let a = &item.application;
    let why = item
        .reason_key
        .as_deref()
        .map(|k| format!("  ({}× {})", item.attempts, ctx.out.tr(k, &[])))
        .unwrap_or_default();
    format!(
        "{}  {}  {:<12} {}  {}{why}",
        a.tracking_number,
        a.due_date,
        a.clerk,
        ctx.out.tr(&a.status.message_key(), &[]),
        a.citizen_name
    )
}

fn draft_line(d: &Draft) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        d.id,
        d.clerk,
        local_minute(d.updated_at),
        d.service_code.as_deref().unwrap_or("-"),
        d.citizen_name.as_deref().unwrap_or("-"),
    )
}

/// Drafts left open: one's own, or (supervisors) everyone's. The same as `queue drafts`.
pub fn drafts(ctx: &Ctx, store: &Store, args: Drafts) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let page = store.drafts_page(&actor, &QueueFilter::default(), args.page.request())?;
    ctx.out.page(&page, draft_line)
}

pub fn handover(ctx: &Ctx, store: &Store, args: OnApplication) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    store.mark_handed_over(&actor, &args.key, &ctx.clock)?;
    let app = store.application(&args.key)?;
    ctx.out.report(
        &app.id,
        "cli-handed-over",
        &[("tracking", app.tracking_number.to_string())],
    )
}

pub fn retry(ctx: &Ctx, store: &Store, args: OnApplication) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    store.retry_delivery(&actor, &args.key, &ctx.clock)?;
    let app = store.application(&args.key)?;
    ctx.out.report(
        &app.id,
        "cli-retried",
        &[("tracking", app.tracking_number.to_string())],
    )
}
