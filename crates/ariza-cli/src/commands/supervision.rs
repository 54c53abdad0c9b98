//! `ariza reassign`, `send-back` and `answer`: a supervisor and a clerk about one application.

use ariza_store::Store;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;

#[derive(clap::Args)]
pub struct Reassign {
    key: String,
    /// The staff member's username.
    #[arg(long)]
    to: String,
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Args)]
pub struct SendBack {
    key: String,
    #[arg(long)]
    note: String,
    #[command(flatten)]
    act: ActAs,
}

#[derive(clap::Args)]
pub struct Answer {
    key: String,
    #[arg(long)]
    answer: String,
    #[command(flatten)]
    act: ActAs,
}

pub fn reassign(ctx: &Ctx, store: &Store, args: Reassign) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let app = store.reassign(&actor, &args.key, &args.to, &ctx.clock)?;
    ctx.out.report(
        &app.id,
        "cli-reassigned",
        &[
            ("tracking", app.tracking_number.to_string()),
            ("to", args.to),
        ],
    )
}

pub fn send_back(ctx: &Ctx, store: &Store, args: SendBack) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let app = store.send_back(&actor, &args.key, &args.note, &ctx.clock)?;
    ctx.out.report(
        &app.id,
        "cli-sent-back",
        &[("tracking", app.tracking_number.to_string())],
    )
}

pub fn answer(ctx: &Ctx, store: &Store, args: Answer) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let app = store.answer_sent_back(&actor, &args.key, &args.answer, &ctx.clock)?;
    ctx.out.report(
        &app.id,
        "cli-answered",
        &[("tracking", app.tracking_number.to_string())],
    )
}
