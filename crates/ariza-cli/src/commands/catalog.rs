//! `ariza catalog`: the services this desk files.

use ariza_core::i18n::format_uzs;
use ariza_store::Store;

use super::Ctx;
use crate::failure::Failure;

#[derive(clap::Subcommand)]
pub enum CatalogCommand {
    /// Every service with its code and fee.
    List,
}

pub fn run(ctx: &Ctx, store: &Store, command: CatalogCommand) -> Result<(), Failure> {
    match command {
        CatalogCommand::List => {
            let catalog = store.catalog()?;
            ctx.out.show(catalog.as_ref(), |catalog| {
                for s in &catalog.services {
                    let fee = if s.fee_uzs > 0 {
                        ctx.out
                            .tr("ui-service-fee", &[("fee", format_uzs(s.fee_uzs))])
                    } else {
                        ctx.out.tr("ui-service-free", &[])
                    };
                    println!("{:<28} {} — {}", s.code, s.name.get(ctx.out.locale), fee);
                }
            })
        }
    }
}
