//! `ariza dashboard`: the desk's dashboard for a period, as text, JSON, CSV or XLSX.

use std::path::{Path, PathBuf};

use ariza_export::{dashboard_csv, dashboard_xlsx};
use ariza_store::Store;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::values::PeriodArg;

#[derive(clap::Args)]
pub struct Dashboard {
    #[arg(long, default_value = "week")]
    period: PeriodArg,
    /// A day in the period, YYYY-MM-DD (default today).
    #[arg(long)]
    date: Option<chrono::NaiveDate>,
    /// Writes the dashboard to this CSV file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Writes the dashboard to this XLSX file.
    #[arg(long)]
    xlsx: Option<PathBuf>,
    #[command(flatten)]
    act: ActAs,
}

fn write(ctx: &Ctx, path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::file(path, e))?;
    let args = [("path", path.display().to_string())];
    println!("{}", ctx.out.tr("cli-export-written", &args));
    Ok(())
}

pub fn run(ctx: &Ctx, store: &Store, args: Dashboard) -> Result<(), Failure> {
    let actor = args.act.sign_in(ctx, store)?;
    let d = store.dashboard(&actor, args.period.into(), args.date, &ctx.clock)?;
    let (l, locale) = (ctx.out.localizer(), ctx.out.locale);
    if let Some(path) = &args.csv {
        write(ctx, path, dashboard_csv(&d, l, locale).as_bytes())?;
    }
    if let Some(path) = &args.xlsx {
        write(ctx, path, &dashboard_xlsx(&d, l, locale)?)?;
    }
    if args.csv.is_none() && args.xlsx.is_none() {
        ctx.out
            .show(&d, |d| print!("{}", dashboard_csv(d, l, locale)))?;
    }
    Ok(())
}
