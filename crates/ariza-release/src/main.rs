//! `ariza-release`: the release team's tool, run on the signing machine, never on the portal.
//! `keygen` writes a new release key pair (the secret encrypted with a password); `sign`
//! signs a desk package as Tauri's updater expects (`PACKAGE.minisig`, the version in the
//! trusted comment). The password comes from ARIZA_RELEASE_KEY_PASSWORD or a prompt.

use std::path::PathBuf;

use anyhow::Context;
use ariza_core::i18n::{Locale, Localizer};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ariza-release",
    version,
    about = "Ariza Desk release keys and signatures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes NAME.pub (the public key, for desks and the portal) and NAME.key (the
    /// encrypted secret key) into DIR; never over existing files.
    Keygen {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "ariza-release")]
        name: String,
    },
    /// Signs PACKAGE with the secret key: writes PACKAGE.minisig.
    Sign {
        package: PathBuf,
        #[arg(long)]
        key: PathBuf,
    },
}

fn password(confirm: bool) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("ARIZA_RELEASE_KEY_PASSWORD") {
        return Ok(p);
    }
    let p = rpassword::prompt_password("Password: ")?;
    if confirm {
        anyhow::ensure!(
            rpassword::prompt_password("Again: ")? == p,
            "the passwords differ"
        );
    }
    Ok(p)
}

fn write_new(path: &PathBuf, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("{}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let locale = std::env::var("LANG")
        .ok()
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or_default();
    let localizer = Localizer::new();
    match cli.command {
        Command::Keygen { dir, name } => {
            let (public, secret) = ariza_release::signing::generate_key(&password(true)?)?;
            let public_path = dir.join(format!("{name}.pub"));
            let secret_path = dir.join(format!("{name}.key"));
            write_new(&secret_path, &secret)?;
            write_new(&public_path, &public)?;
            println!(
                "{}",
                localizer.tr(
                    locale,
                    "cli-release-key-written",
                    &[
                        ("public", public_path.display().to_string()),
                        ("secret", secret_path.display().to_string()),
                    ],
                )
            );
        }
        Command::Sign { package, key } => {
            let facts = ariza_release::read_package(&package)?;
            let secret =
                std::fs::read_to_string(&key).with_context(|| format!("{}", key.display()))?;
            let bytes = std::fs::read(&package)?;
            let file_name = package
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("package.deb")
                .to_string();
            // The signing time is the one wall-clock read: it is only recorded, never checked.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
            let text = ariza_release::signing::sign(
                &bytes,
                &file_name,
                &facts.version,
                &secret,
                &password(false)?,
                now,
            )?;
            let out = PathBuf::from(format!("{}.minisig", package.display()));
            std::fs::write(&out, text)?;
            println!(
                "{}",
                localizer.tr(
                    locale,
                    "cli-release-signed",
                    &[
                        ("package", file_name),
                        ("version", facts.version.to_string()),
                        ("signature", out.display().to_string()),
                    ],
                )
            );
        }
    }
    Ok(())
}
