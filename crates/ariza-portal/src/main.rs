//! `ariza-portal`: serve the API, and the operators' admin commands.
//!
//! Configuration: `--config FILE` (TOML: `database_url`, `listen`, `tls_cert`, `tls_key`,
//! `rate_per_minute`, `rate_burst`, `session_idle_minutes`, `session_max_hours`,
//! `address_rate_per_minute`, `address_rate_burst`, `sign_in_rate_per_minute`,
//! `sign_in_rate_burst`, `trusted_proxies`, `release_keys`, `public_url`), each overridden by `ARIZA_PORTAL_<NAME>` (upper
//! case; `trusted_proxies` there as a comma-separated list).
//! With `tls_cert` and `tls_key` (PEM files) the portal serves HTTPS itself (rustls).
//! Every subcommand but `serve` calls `ariza_portal::ops` directly. (The synthetic demo
//! quarter is loaded by `ariza-portal-demo`, crate `ariza-demo`.)

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use ariza_core::application::Status;
use ariza_portal::{AddressRate, Portal, PublicAddress, SessionPolicy};
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
    /// Enrolled devices: list, revoke.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// USB bundles for centers with no link: import a desk's, write a center's return
    /// bundle, rotate the keys.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// The audit trail: verify the portal's chain and every desk's delivered chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The regional table for a period (Tashkent receive days, inclusive).
    Report {
        #[arg(long)]
        from: chrono::NaiveDate,
        #[arg(long)]
        to: chrono::NaiveDate,
        /// A line per center as well.
        #[arg(long)]
        by_center: bool,
        /// CSV instead of an aligned table.
        #[arg(long)]
        csv: bool,
    },
    /// Desk releases: publish a signed package to every desk.
    Release {
        #[command(subcommand)]
        command: ReleaseCommand,
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
enum DeviceCommand {
    /// Every device: id, center, number, name, revoked or not.
    List,
    /// Refuses every further request from the device, at once.
    Revoke { id: uuid::Uuid },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Verifies a desk's bundle (its device's signature, not revoked, its own center) and
    /// ingests it exactly once together with what arrives over the network.
    Import { file: PathBuf },
    /// Writes a center's feed from the cursor its desks acknowledged, with what the portal
    /// holds of their work, encrypted to one of its desks.
    Export {
        #[arg(long)]
        center: String,
        /// The device to seal it for (the center's first that can read bundles by default).
        #[arg(long)]
        device: Option<uuid::Uuid>,
        file: PathBuf,
    },
    /// A new pair of bundle keys; desks learn it from the feed. The old ones still open
    /// bundles written before, until `forget-retired-keys`.
    RotateKeys,
    /// Forgets retired bundle keys: bundles sealed to them open nothing any more.
    ForgetRetiredKeys,
}

#[derive(Subcommand)]
enum ReleaseCommand {
    /// Publishes a desk package (`.deb`) with its minisign signature (`.minisig`, or Tauri's
    /// base64 `.sig`): refused unless one of the configured `release_keys` signed it for its
    /// own version and it is newer than every release published for its architecture.
    Publish {
        package: PathBuf,
        signature: PathBuf,
        #[arg(long, default_value = "")]
        notes: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recomputes every hash chain; exits 1 if any entry was edited, removed or inserted.
    Verify,
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
        /// An operator who sees one region only (its SOATO code, e.g. 1703).
        #[arg(long)]
        region: Option<String>,
    },
    /// Limits an operator to one region (`--region 1703`), or gives them the nation back.
    Region {
        username: String,
        #[arg(long)]
        region: Option<String>,
    },
    /// Switches a user off: every session of theirs ends at once, and they cannot sign in.
    Deactivate { username: String },
    /// Switches a deactivated user back on (they sign in again).
    Activate { username: String },
    /// Ends every session of a user (a token may have leaked), who can sign in again.
    SignOut { username: String },
}

#[derive(Deserialize, Default)]
struct Config {
    database_url: Option<String>,
    listen: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    rate_per_minute: Option<u32>,
    rate_burst: Option<u32>,
    session_idle_minutes: Option<u64>,
    session_max_hours: Option<u64>,
    address_rate_per_minute: Option<u32>,
    address_rate_burst: Option<u32>,
    sign_in_rate_per_minute: Option<u32>,
    sign_in_rate_burst: Option<u32>,
    trusted_proxies: Option<Vec<IpAddr>>,
    /// The minisign public keys desk releases must be signed with (the current one and the
    /// next), one per line.
    release_keys: Option<PathBuf>,
    /// The address desks reach the portal at (`https://portal.example.uz`), for the links in
    /// what it sends them. Needed behind a proxy that ends TLS; otherwise the request's host
    /// over the portal's own scheme.
    public_url: Option<String>,
}

impl Config {
    fn sessions(&self) -> anyhow::Result<SessionPolicy> {
        let default = SessionPolicy::default();
        let idle = self
            .session_idle_minutes
            .map_or(default.idle, |m| Duration::from_secs(m * 60));
        let max = self
            .session_max_hours
            .map_or(default.max, |h| Duration::from_secs(h * 3600));
        anyhow::ensure!(
            idle >= Duration::from_secs(60) && max >= idle,
            "session_idle_minutes is at least 1, and session_max_hours no shorter than it"
        );
        Ok(SessionPolicy { idle, max })
    }

    fn address_rates(&self) -> (AddressRate, AddressRate) {
        let (public, sign_in) = (
            ariza_portal::DEFAULT_PUBLIC_RATE,
            ariza_portal::DEFAULT_SIGN_IN_RATE,
        );
        (
            AddressRate {
                per_minute: self.address_rate_per_minute.unwrap_or(public.per_minute),
                burst: self.address_rate_burst.unwrap_or(public.burst),
            },
            AddressRate {
                per_minute: self.sign_in_rate_per_minute.unwrap_or(sign_in.per_minute),
                burst: self.sign_in_rate_burst.unwrap_or(sign_in.burst),
            },
        )
    }
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    let mut config: Config = match path {
        Some(p) => toml::from_str(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )?,
        None => Config::default(),
    };
    let env = |name: &str| std::env::var(format!("ARIZA_PORTAL_{name}")).ok();
    if let Some(v) = env("DATABASE_URL") {
        config.database_url = Some(v);
    }
    if let Some(v) = env("LISTEN") {
        config.listen = Some(v);
    }
    if let Some(v) = env("TLS_CERT") {
        config.tls_cert = Some(v.into());
    }
    if let Some(v) = env("TLS_KEY") {
        config.tls_key = Some(v.into());
    }
    if let Some(v) = env("RATE_PER_MINUTE") {
        config.rate_per_minute = Some(v.parse().context("ARIZA_PORTAL_RATE_PER_MINUTE")?);
    }
    if let Some(v) = env("RATE_BURST") {
        config.rate_burst = Some(v.parse().context("ARIZA_PORTAL_RATE_BURST")?);
    }
    let number = |name: &str| -> anyhow::Result<Option<u64>> {
        env(name)
            .map(|v| v.parse().with_context(|| format!("ARIZA_PORTAL_{name}")))
            .transpose()
    };
    let small = |v: Option<u64>| v.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    if let Some(v) = number("SESSION_IDLE_MINUTES")? {
        config.session_idle_minutes = Some(v);
    }
    if let Some(v) = number("SESSION_MAX_HOURS")? {
        config.session_max_hours = Some(v);
    }
    if let Some(v) = small(number("ADDRESS_RATE_PER_MINUTE")?) {
        config.address_rate_per_minute = Some(v);
    }
    if let Some(v) = small(number("ADDRESS_RATE_BURST")?) {
        config.address_rate_burst = Some(v);
    }
    if let Some(v) = small(number("SIGN_IN_RATE_PER_MINUTE")?) {
        config.sign_in_rate_per_minute = Some(v);
    }
    if let Some(v) = small(number("SIGN_IN_RATE_BURST")?) {
        config.sign_in_rate_burst = Some(v);
    }
    if let Some(v) = env("PUBLIC_URL") {
        config.public_url = Some(v);
    }
    if let Some(v) = env("RELEASE_KEYS") {
        config.release_keys = Some(v.into());
    }
    if let Some(v) = env("TRUSTED_PROXIES") {
        config.trusted_proxies = Some(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse()
                        .with_context(|| format!("ARIZA_PORTAL_TRUSTED_PROXIES: {s}"))
                })
                .collect::<anyhow::Result<_>>()?,
        );
    }
    Ok(config)
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
    let config = load_config(cli.config.as_ref())?;
    let database_url = config
        .database_url
        .clone()
        .context("no database_url: set it in the config file or ARIZA_PORTAL_DATABASE_URL")?;
    let listen = config
        .listen
        .clone()
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    // The URL carries a password: it is never logged (nor is any part of it in the parse
    // error, which names only the bad option).
    let pool = ariza_portal::pool(&database_url, 16)?;
    ariza_portal::migrate(&pool)
        .await
        .context("cannot bring the portal database up to date")?;
    if let Some(url) = &config.public_url {
        anyhow::ensure!(
            url.starts_with("https://") && url.len() > "https://".len(),
            "public_url must be an https:// address (desks take releases over HTTPS only)"
        );
    }
    let (public_rate, sign_in_rate) = config.address_rates();
    let portal = Portal::with_rate(
        pool,
        config
            .rate_per_minute
            .unwrap_or(ariza_portal::DEFAULT_RATE_PER_MINUTE),
        config
            .rate_burst
            .unwrap_or(ariza_portal::DEFAULT_RATE_BURST),
    )
    .with_sessions(config.sessions()?)
    .with_address_rates(public_rate, sign_in_rate)
    .with_trusted_proxies(config.trusted_proxies.clone().unwrap_or_default())
    .with_public_address(match &config.public_url {
        Some(url) => PublicAddress::Configured(url.as_str().into()),
        None if config.tls_cert.is_some() => PublicAddress::FromRequest { scheme: "https" },
        None => PublicAddress::FromRequest { scheme: "http" },
    });
    match cli.command {
        Command::Serve => match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .context("cannot read the TLS certificate or key")?;
                let addr: SocketAddr = listen
                    .parse()
                    .with_context(|| format!("bad listen address {listen}"))?;
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    let _ = tokio::signal::ctrl_c().await;
                    stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
                });
                tracing::info!(address = %addr, "portal serving HTTPS");
                axum_server::bind_rustls(addr, tls)
                    .handle(handle)
                    .serve(
                        ariza_portal::router(portal)
                            .into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .await?;
            }
            (None, None) => {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                tracing::info!(address = %listener.local_addr()?, "portal serving plain HTTP (put TLS in front, or set tls_cert and tls_key)");
                // Client addresses for the per-address limits.
                axum::serve(
                    listener,
                    ariza_portal::router(portal)
                        .into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            }
            _ => anyhow::bail!("set both tls_cert and tls_key, or neither"),
        },
        Command::Release {
            command:
                ReleaseCommand::Publish {
                    package,
                    signature,
                    notes,
                },
        } => {
            let keys_file = config.release_keys.clone().context(
                "no release_keys: set it in the config file or ARIZA_PORTAL_RELEASE_KEYS",
            )?;
            let keys = ariza_release::TrustedKeys::load(&keys_file)
                .with_context(|| format!("the release keys in {}", keys_file.display()))?;
            let signature = std::fs::read_to_string(&signature)
                .with_context(|| format!("reading {}", signature.display()))?;
            match ariza_portal::ops::releases::publish_release(
                &portal, &package, &signature, &notes, &keys,
            )
            .await?
            {
                Ok(facts) => println!(
                    "published {} {} for {}",
                    facts.package, facts.version, facts.architecture
                ),
                Err(refusal) => anyhow::bail!("not published: {refusal}"),
            }
        }
        Command::Device {
            command: DeviceCommand::List,
        } => {
            for d in ariza_portal::list_devices(&portal).await? {
                let state = d
                    .revoked_at
                    .map_or("active".to_string(), |r| format!("revoked {r}"));
                println!(
                    "{}  {}-{:02}  {}  {state}",
                    d.id, d.center_code, d.device_number, d.name
                );
            }
        }
        Command::Device {
            command: DeviceCommand::Revoke { id },
        } => {
            if ariza_portal::revoke_device(&portal, id, "operator").await? {
                println!("device {id} revoked");
            } else {
                anyhow::bail!("no active device {id}");
            }
        }
        Command::Bundle { command } => bundle(&portal, command).await?,
        Command::Report {
            from,
            to,
            by_center,
            csv,
        } => {
            let report = ariza_portal::reports::regional(&portal, from, to, by_center).await?;
            if csv {
                print!("{}", ariza_portal::reports::to_csv(&report));
            } else {
                println!(
                    "{:<32} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9}",
                    format!("{from} – {to}"),
                    "total",
                    "in person",
                    "online",
                    "completed",
                    "rejected",
                    "in review"
                );
                let line = |r: &ariza_portal::reports::ReportRow| {
                    println!(
                        "{:<32} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9}",
                        format!("{} {}", r.code, r.name),
                        r.total,
                        r.in_person,
                        r.online,
                        r.completed,
                        r.rejected,
                        r.in_review
                    );
                };
                for r in &report.regions {
                    line(r);
                }
                line(&report.national);
                for r in &report.centers {
                    line(r);
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let report = ariza_portal::audit::verify(&portal).await?;
            let line = |who: &str, r: &ariza_core::audit::AuditReport| match r.broken_at {
                None => println!("{who}: {} entries, chain intact", r.entries),
                Some(seq) => println!(
                    "{who}: BROKEN at entry {seq} ({})",
                    r.reason.as_deref().unwrap_or("?")
                ),
            };
            line("portal", &report.portal);
            for (device, r) in &report.desks {
                line(&format!("desk {device}"), r);
            }
            if !report.ok() {
                std::process::exit(1);
            }
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
                    region,
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
            if region.is_some() {
                ariza_portal::ops::users::set_user_region(
                    &portal,
                    &username,
                    region.as_deref(),
                    "operator",
                )
                .await?;
            }
            println!("user {username} added");
        }
        Command::User {
            command: UserCommand::Region { username, region },
        } => {
            ariza_portal::ops::users::set_user_region(
                &portal,
                &username,
                region.as_deref(),
                "operator",
            )
            .await?;
            println!(
                "user {username} sees {}",
                region.as_deref().unwrap_or("the nation")
            );
        }
        Command::User {
            command: UserCommand::Deactivate { username },
        } => {
            if ariza_portal::set_user_active(&portal, &username, false, "operator").await? {
                println!("user {username} deactivated; their sessions ended");
            } else {
                anyhow::bail!("no active user {username}");
            }
        }
        Command::User {
            command: UserCommand::Activate { username },
        } => {
            if ariza_portal::set_user_active(&portal, &username, true, "operator").await? {
                println!("user {username} active again");
            } else {
                anyhow::bail!("no deactivated user {username}");
            }
        }
        Command::User {
            command: UserCommand::SignOut { username },
        } => {
            let ended = ariza_portal::sign_out_user(&portal, &username, "operator").await?;
            println!("{ended} session(s) of {username} ended");
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

async fn bundle(portal: &ariza_portal::Portal, command: BundleCommand) -> anyhow::Result<()> {
    use ariza_portal::ops::bundles;
    match command {
        BundleCommand::Import { file } => {
            let len = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .len();
            if len > ariza_bundle::MAX_BUNDLE_BYTES {
                anyhow::bail!("{} is larger than any bundle", file.display());
            }
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let s = bundles::import(portal, &bytes).await?;
            if s.replayed {
                println!(
                    "bundle {} from {} was imported before: nothing new ({} already here)",
                    s.bundle_id, s.center_code, s.duplicates
                );
            } else {
                println!(
                    "bundle {} from {}: {} applications new, {} already here, {} refused, {} documents new{}",
                    s.bundle_id,
                    s.center_code,
                    s.accepted,
                    s.duplicates,
                    s.refused,
                    s.documents_new,
                    if s.audit_refused {
                        "; its audit entries were refused (see ariza-portal audit verify)"
                    } else {
                        ""
                    }
                );
            }
        }
        BundleCommand::Export {
            center,
            device,
            file,
        } => {
            let bytes = bundles::export(portal, &center.to_uppercase(), device).await?;
            write_new(&file, &bytes)?;
            println!(
                "{} written for center {}",
                file.display(),
                center.to_uppercase()
            );
        }
        BundleCommand::RotateKeys => {
            let keys = bundles::rotate_keys(portal).await?;
            println!(
                "bundle keys rotated; desks now encrypt to {}",
                keys.recipient
            );
        }
        BundleCommand::ForgetRetiredKeys => {
            let n = bundles::forget_retired_keys(portal).await?;
            println!("{n} retired bundle keys forgotten");
        }
    }
    Ok(())
}

/// Writes a new file (never over an existing one: a bundle on a stick is someone's work).
fn write_new(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
