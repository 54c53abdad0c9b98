//! `ariza update FILE`: installs a desk release from a file (a USB stick for a center with no
//! link), with the same checks as the desk's own updates: the signature beside it
//! (`FILE.minisig` or `FILE.sig`) by a trusted release key over these exact bytes and for this
//! version, newer than this desk, for this machine. Anything else installs nothing.

use std::path::PathBuf;

use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::staff::Action;
use ariza_store::Store;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;

#[derive(clap::Args)]
pub struct Update {
    /// The package (`ariza-desk_VERSION_ARCH.deb`), its signature beside it.
    file: PathBuf,
    #[command(flatten)]
    act: ActAs,
}

/// What `update --json` prints.
#[derive(serde::Serialize)]
struct Installed {
    package: String,
    version: String,
    architecture: String,
}

pub fn run(ctx: &Ctx, store: &Store, args: Update) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    actor.role.require(Action::ManageCenter)?;
    let signature = ariza_release::signature_beside(&args.file)?;
    let this =
        semver::Version::parse(env!("CARGO_PKG_VERSION")).map_err(|e| Failure::Other(e.into()))?;
    let facts = ariza_release::check_and_install(&args.file, &signature, &this)?;
    store.audit_event(
        ctx.clock.now(),
        &actor.username,
        AuditAction::DeskUpdate,
        &facts.version.to_string(),
        "file",
    )?;
    let installed = Installed {
        package: facts.package,
        version: facts.version.to_string(),
        architecture: facts.architecture,
    };
    ctx.out.report(
        &installed,
        "cli-update-installed",
        &[("version", installed.version.clone())],
    )
}
