//! `ariza-portal`: serve the API, and the operators' admin commands.
//!
//! Configuration: `--config FILE` (TOML: `database_url`, `listen`), overridden by
//! `ARIZA_PORTAL_DATABASE_URL` and `ARIZA_PORTAL_LISTEN`.

use std::path::PathBuf;

use anyhow::Context;
use ariza_core::application::Status;
use ariza_portal::Portal;
use clap::{Parser, Subcommand};
use serde::Deserialize;

#[derive(Parser)]
#[command(
    name = "ariza-portal",
    version,
    about = "Ariza Portal: the central server"
)]
struct Cli {
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Applies migrations and serves the API.
    Serve,
    /// Public service centers.
    Center {
        #[command(subcommand)]
        command: CenterCommand,
    },
    /// Prints a one-time code that enrolls one new device of a center.
    EnrollCode {
        #[arg(long)]
        center: String,
        #[arg(long, default_value_t = 72)]
        hours: i64,
    },
    /// The service catalog: publish a new version (JSON file) to every center's feed.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// A center's staff, delivered to its desks (password from ARIZA_PORTAL_PASSWORD).
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Portal users (password from ARIZA_PORTAL_PASSWORD).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Records an agency decision: in_review, completed, rejected, returned.
    Decide {
        /// Application id or tracking number.
        application: String,
        #[arg(long)]
        status: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, default_value = "agency")]
        actor: String,
    },
}

#[derive(Subcommand)]
enum CenterCommand {
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        district: String,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    Publish { file: PathBuf },
}

#[derive(Subcommand)]
enum StaffCommand {
    Add {
        username: String,
        #[arg(long)]
        center: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["clerk", "supervisor", "admin"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["operator", "agency"])]
        role: String,
        #[arg(long)]
        agency: Option<String>,
    },
}

#[derive(Deserialize, Default)]
struct Config {
    database_url: Option<String>,
    listen: Option<String>,
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<(String, String)> {
    let mut config: Config = match path {
        Some(p) => toml::from_str(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )?,
        None => Config::default(),
    };
    if let Ok(v) = std::env::var("ARIZA_PORTAL_DATABASE_URL") {
        config.database_url = Some(v);
    }
    if let Ok(v) = std::env::var("ARIZA_PORTAL_LISTEN") {
        config.listen = Some(v);
    }
    Ok((
        config
            .database_url
            .context("no database_url: set it in the config file or ARIZA_PORTAL_DATABASE_URL")?,
        config.listen.unwrap_or_else(|| "127.0.0.1:8080".into()),
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARIZA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let (database_url, listen) = load_config(cli.config.as_ref())?;
    // The URL carries a password: it is never logged.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(16)
        .connect(&database_url)
        .await
        .context("cannot connect to the portal database")?;
    ariza_portal::migrate(&pool).await?;
    let portal = Portal { pool };
    match cli.command {
        Command::Serve => {
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(address = %listener.local_addr()?, "portal serving");
            axum::serve(listener, ariza_portal::router(portal))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Center {
            command:
                CenterCommand::Add {
                    code,
                    name,
                    region,
                    district,
                },
        } => {
            ariza_portal::add_center(&portal, &code, &name, &region, &district).await?;
            println!("center {} added", code.to_uppercase());
        }
        Command::EnrollCode { center, hours } => {
            println!(
                "{}",
                ariza_portal::new_enroll_code(&portal, &center, hours).await?
            );
        }
        Command::Catalog {
            command: CatalogCommand::Publish { file },
        } => {
            let mut catalog: ariza_core::catalog::Catalog =
                serde_json::from_str(&std::fs::read_to_string(&file)?)?;
            catalog.fill_cyrillic();
            ariza_portal::publish_catalog(&portal, &catalog).await?;
            println!("catalog version {} published", catalog.version);
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    username,
                    center,
                    name,
                    role,
                },
        } => {
            let password =
                std::env::var("ARIZA_PORTAL_PASSWORD").context("set ARIZA_PORTAL_PASSWORD")?;
            let role = ariza_core::staff::Role::parse(&role)
                .context("role is clerk, supervisor or admin")?;
            let staff = ariza_core::wire::StaffChange {
                username: username.trim().to_lowercase(),
                full_name: name,
                role,
                active: true,
                password_hash: ariza_core::staff::hash_password(&password)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            ariza_portal::set_center_staff(&portal, &center, &staff).await?;
            println!("staff {} of {} set", staff.username, center.to_uppercase());
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    name,
                    role,
                    agency,
                },
        } => {
            let password =
                std::env::var("ARIZA_PORTAL_PASSWORD").context("set ARIZA_PORTAL_PASSWORD")?;
            ariza_portal::add_user(
                &portal,
                &username,
                &name,
                &role,
                agency.as_deref(),
                &password,
            )
            .await?;
            println!("user {username} added");
        }
        Command::Decide {
            application,
            status,
            reason,
            actor,
        } => {
            let to = Status::parse(&status)
                .context("status is one of in_review, completed, rejected, returned")?;
            let id =
                ariza_portal::decide(&portal, &application, to, reason.as_deref(), &actor).await?;
            println!("{id} is now {}", to.as_str());
        }
    }
    Ok(())
}
