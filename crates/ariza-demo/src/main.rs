//! `ariza-portal-demo`: loads a synthetic quarter into a portal's database, for demonstrations
//! and the report benchmark. A binary of its own so that the portal ships no demo data.
//!
//!   ARIZA_PORTAL_DATABASE_URL=postgres://… ariza-portal-demo load --scale 0.01

use anyhow::Context;
use ariza_portal::Portal;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ariza-portal-demo",
    version,
    about = "A synthetic quarter for an Ariza portal"
)]
struct Cli {
    /// The portal's database (applies its migrations first).
    #[arg(long, env = "ARIZA_PORTAL_DATABASE_URL", hide_env_values = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Loads a synthetic quarter following the published figures (only 2022q1 is known).
    Load {
        #[arg(long, default_value = "2022q1")]
        quarter: String,
        /// 1.0 is the real quarter: 8.5 million applications.
        #[arg(long, default_value_t = 0.01)]
        scale: f64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARIZA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // The URL carries a password: it is never logged.
    let pool = ariza_portal::pool(&cli.database_url, 4)?;
    ariza_portal::migrate(&pool)
        .await
        .context("cannot bring the portal database up to date")?;
    let portal = Portal::new(pool);
    match cli.command {
        Command::Load { quarter, scale } => {
            anyhow::ensure!(quarter == "2022q1", "only the 2022q1 figures are known");
            let started = std::time::Instant::now();
            let r = ariza_demo::load_2022q1(&portal, scale).await?;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "loaded {} applications for {} centers in {} batches in {secs:.1} s ({:.0} applications/s)",
                r.applications,
                r.centers,
                r.batches,
                r.applications as f64 / secs
            );
        }
    }
    Ok(())
}
