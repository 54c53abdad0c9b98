//! `ariza init`: the center and its first administrator.

use ariza_core::staff::{NewStaff, Role};
use ariza_store::{SetupRequest, Store};

use super::Ctx;
use crate::acting::{Secret, password};
use crate::failure::Failure;

#[derive(clap::Args)]
pub struct Init {
    #[arg(long)]
    center_code: String,
    #[arg(long)]
    center_name: String,
    /// SOATO code of the region, e.g. 1726 (Tashkent city).
    #[arg(long)]
    region: String,
    /// SOATO code of the district, e.g. 1726294 (Chilonzor).
    #[arg(long)]
    district: String,
    /// The administrator's username (their password: ARIZA_PASSWORD or a prompt).
    #[arg(long)]
    admin: String,
    #[arg(long)]
    admin_name: String,
}

pub fn init(ctx: &Ctx, store: &Store, args: Init) -> Result<(), Failure> {
    let pw = password(ctx, Secret::Current, &args.admin)?;
    let req = SetupRequest {
        center_code: args.center_code,
        center_name: args.center_name,
        region: args.region,
        district: args.district,
        admin: NewStaff {
            username: args.admin,
            full_name: args.admin_name,
            role: Role::Admin,
            password: pw,
        },
    };
    let actor = store.setup(&req, &ctx.clock)?;
    let center = store.require_center()?;
    ctx.out.report(
        &center,
        "cli-center-created",
        &[("code", center.code.clone()), ("username", actor.username)],
    )
}
