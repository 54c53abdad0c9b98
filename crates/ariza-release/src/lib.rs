//! Desk releases: a `.deb` of Ariza Desk, its minisign signature (the format Tauri's updater
//! uses), and the checks every path that installs one makes, whether the package came through
//! the portal, from a USB stick in Settings, or to `ariza update`. Only a package that a trusted
//! release key signed, for this version and no older, built for this machine's architecture,
//! is ever handed to dpkg.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use minisign::{PublicKey, PublicKeyBox, SecretKeyBox, SignatureBox};
use serde::{Deserialize, Serialize};

/// The Debian package every desk release is.
pub const PACKAGE_NAME: &str = "ariza-desk";

/// At most this many trusted release keys: the current one and the next, so a planned key
/// change does not strand desks that have not updated yet.
pub const MAX_TRUSTED_KEYS: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("not a Debian package")]
    NotAPackage,
    #[error("the package is {0}, not Ariza Desk")]
    OtherPackage(String),
    #[error("the signature does not match the package, or no trusted release key made it")]
    BadSignature,
    #[error("the signature is for version {signed}, the package is version {package}")]
    SignedVersionMismatch { signed: String, package: String },
    #[error("version {offered} is not newer than the installed {installed}")]
    NotNewer { offered: String, installed: String },
    #[error("the package is built for {package}, this computer is {this}")]
    OtherPlatform { package: String, this: String },
    #[error("no trusted release key is configured")]
    NoTrustedKeys,
    #[error("a release key could not be read: {0}")]
    BadKey(String),
    #[error("no signature beside the package (PACKAGE.minisig or PACKAGE.sig)")]
    NoSignature,
    #[error("dpkg did not install the package: {0}")]
    InstallFailed(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ariza_core::error::Describe for ReleaseError {
    fn code(&self) -> ariza_core::error::Code {
        match self {
            ReleaseError::Io(_) => ariza_core::error::Code::Storage,
            _ => ariza_core::error::Code::UpdateRefused,
        }
    }

    fn message(&self) -> (&'static str, ariza_core::i18n::MessageArgs) {
        match self {
            ReleaseError::NotAPackage | ReleaseError::OtherPackage(_) => {
                ("err-update-not-a-package", vec![])
            }
            ReleaseError::BadSignature => ("err-update-bad-signature", vec![]),
            ReleaseError::SignedVersionMismatch { signed, package } => (
                "err-update-version-mismatch",
                vec![("signed", signed.clone()), ("package", package.clone())],
            ),
            ReleaseError::NotNewer { offered, installed } => (
                "err-update-not-newer",
                vec![
                    ("offered", offered.clone()),
                    ("installed", installed.clone()),
                ],
            ),
            ReleaseError::OtherPlatform { package, this } => (
                "err-update-other-platform",
                vec![("package", package.clone()), ("this", this.clone())],
            ),
            ReleaseError::NoTrustedKeys | ReleaseError::BadKey(_) => ("err-update-no-keys", vec![]),
            ReleaseError::NoSignature => ("err-update-no-signature", vec![]),
            ReleaseError::InstallFailed(detail) => (
                "err-update-install-failed",
                vec![("detail", detail.clone())],
            ),
            ReleaseError::Io(_) => ("err-update-unreadable", vec![]),
        }
    }
}

/// What a package's control file says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFacts {
    pub package: String,
    pub version: semver::Version,
    /// Debian's name for the architecture (`amd64`, `arm64`).
    pub architecture: String,
}

/// Reads a package's name, version and architecture with `dpkg-deb`, the tool that will
/// install it: what it reads is what dpkg will act on.
pub fn read_package(path: &Path) -> Result<PackageFacts, ReleaseError> {
    let out = Command::new("dpkg-deb")
        .arg("--field")
        .arg(path)
        .args(["Package", "Version", "Architecture"])
        .output()?;
    if !out.status.success() {
        return Err(ReleaseError::NotAPackage);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(|v| v.trim().to_string())
            .ok_or(ReleaseError::NotAPackage)
    };
    let version = field("Version")?;
    Ok(PackageFacts {
        package: field("Package")?,
        version: semver::Version::parse(&version).map_err(|_| ReleaseError::NotAPackage)?,
        architecture: field("Architecture")?,
    })
}

/// Debian's name for the architecture this program was built for.
pub fn this_architecture() -> &'static str {
    debian_architecture(std::env::consts::ARCH)
}

pub fn debian_architecture(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        other => other,
    }
}

/// Rust's (and Tauri's `{{arch}}`) name for a Debian architecture: `amd64` is `x86_64`.
pub fn rust_architecture(debian_arch: &str) -> &str {
    match debian_arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "i386" => "x86",
        other => other,
    }
}

/// The release keys a desk (or the portal) accepts packages from.
pub struct TrustedKeys(Vec<PublicKey>);

impl TrustedKeys {
    /// Reads minisign public keys: each either as minisign writes its `.pub` file (an
    /// `untrusted comment:` line, then the key) or as the bare base64 line. `#` starts a
    /// comment.
    pub fn parse(text: &str) -> Result<TrustedKeys, ReleaseError> {
        let keys = text
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty() && !l.starts_with('#') && !l.starts_with("untrusted comment:")
            })
            .map(|l| PublicKey::from_base64(l).map_err(|e| ReleaseError::BadKey(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(ReleaseError::NoTrustedKeys);
        }
        if keys.len() > MAX_TRUSTED_KEYS {
            return Err(ReleaseError::BadKey(format!(
                "{} keys; at most {MAX_TRUSTED_KEYS} (the current one and the next)",
                keys.len()
            )));
        }
        Ok(TrustedKeys(keys))
    }

    /// The trusted key that `signature` names (a minisign signature carries its key's id), as
    /// Tauri's updater takes a public key: minisign's `.pub` text, base64-wrapped. Refused
    /// when the signature names no trusted key. Only picks the key: the updater's check and
    /// [`verify_signature`] decide whether it really signed.
    pub fn updater_key_for(&self, signature: &str) -> Result<String, ReleaseError> {
        let signature = parse_signature(signature)?;
        let key = self
            .0
            .iter()
            .find(|k| k.keynum() == signature.keynum())
            .ok_or(ReleaseError::BadSignature)?;
        let text = key
            .to_box()
            .map_err(|e| ReleaseError::BadKey(e.to_string()))?
            .into_string();
        Ok(base64::engine::general_purpose::STANDARD.encode(text.as_bytes()))
    }

    pub fn load(path: &Path) -> Result<TrustedKeys, ReleaseError> {
        match std::fs::read_to_string(path) {
            Ok(text) => TrustedKeys::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ReleaseError::NoTrustedKeys),
            Err(e) => Err(e.into()),
        }
    }
}

/// Reads a signature as minisign writes it (`.minisig`) or base64-wrapped as Tauri's updater
/// carries it (`.sig`, and the manifest's `signature`).
fn parse_signature(text: &str) -> Result<SignatureBox, ReleaseError> {
    let trimmed = text.trim();
    let raw = if trimmed.starts_with("untrusted comment:") {
        trimmed.to_string()
    } else {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(trimmed)
            .map_err(|_| ReleaseError::BadSignature)?;
        String::from_utf8(bytes).map_err(|_| ReleaseError::BadSignature)?
    };
    SignatureBox::from_string(&raw).map_err(|_| ReleaseError::BadSignature)
}

/// Checks that one of `keys` signed exactly `bytes`, and that the signature's trusted comment
/// names the version the package says it is (so an old, validly signed package cannot be
/// passed off under a newer number). Returns that version.
pub fn verify_signature(
    bytes: &[u8],
    signature: &str,
    keys: &TrustedKeys,
) -> Result<semver::Version, ReleaseError> {
    let signature = parse_signature(signature)?;
    let signed_by_trusted_key = keys.0.iter().any(|key| {
        minisign::verify(key, &signature, Cursor::new(bytes), true, false, false).is_ok()
    });
    if !signed_by_trusted_key {
        return Err(ReleaseError::BadSignature);
    }
    // The trusted comment is covered by minisign's global signature, checked just above.
    let comment = signature
        .trusted_comment()
        .map_err(|_| ReleaseError::BadSignature)?;
    let signed = comment
        .split('\t')
        .find_map(|f| f.strip_prefix("version:"))
        .ok_or(ReleaseError::SignedVersionMismatch {
            signed: String::new(),
            package: String::new(),
        })?;
    semver::Version::parse(signed.trim_start_matches('v')).map_err(|_| {
        ReleaseError::SignedVersionMismatch {
            signed: signed.to_string(),
            package: String::new(),
        }
    })
}

/// A package one of `keys` signed for its own version, and Ariza Desk: what the portal checks
/// before publishing, and the first half of what a desk checks before installing. The
/// signature is checked over `bytes` (the file at `path`, as read) before anything the
/// package says about itself is believed.
pub fn check_signed_package(
    path: &Path,
    bytes: &[u8],
    signature: &str,
    keys: &TrustedKeys,
) -> Result<PackageFacts, ReleaseError> {
    let signed_version = verify_signature(bytes, signature, keys)?;
    let facts = read_package(path)?;
    if facts.version != signed_version {
        return Err(ReleaseError::SignedVersionMismatch {
            signed: signed_version.to_string(),
            package: facts.version.to_string(),
        });
    }
    if facts.package != PACKAGE_NAME {
        return Err(ReleaseError::OtherPackage(facts.package));
    }
    Ok(facts)
}

/// Everything checked before a package may be installed on this desk: signed by a trusted
/// key for its own version, Ariza Desk, this machine's architecture, newer than `installed`.
/// The package is read from `path` once; the bytes checked are the bytes installed.
pub fn check_package(
    path: &Path,
    signature: &str,
    keys: &TrustedKeys,
    installed: &semver::Version,
) -> Result<PackageFacts, ReleaseError> {
    let bytes = std::fs::read(path)?;
    let facts = check_signed_package(path, &bytes, signature, keys)?;
    if facts.architecture != this_architecture() && facts.architecture != "all" {
        return Err(ReleaseError::OtherPlatform {
            package: facts.architecture,
            this: this_architecture().to_string(),
        });
    }
    if facts.version <= *installed {
        return Err(ReleaseError::NotNewer {
            offered: facts.version.to_string(),
            installed: installed.to_string(),
        });
    }
    Ok(facts)
}

/// The signature the release team ships beside a package: `PACKAGE.minisig` (minisign's
/// own name) or `PACKAGE.sig` (Tauri's).
pub fn signature_beside(package: &Path) -> Result<String, ReleaseError> {
    for ext in ["minisig", "sig"] {
        let path = PathBuf::from(format!("{}.{ext}", package.display()));
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ReleaseError::NoSignature)
}

/// The release keys this desk (or `ariza`) trusts: `/usr/share/ariza-desk/release-keys.pub`,
/// which the package installs and only root can change. A debug build (the tests) may be
/// pointed elsewhere with `ARIZA_RELEASE_KEYS`; a release build never reads that variable.
pub fn desk_trusted_keys() -> Result<TrustedKeys, ReleaseError> {
    let installed = PathBuf::from("/usr/share/ariza-desk/release-keys.pub");
    let path = if cfg!(debug_assertions) {
        std::env::var_os("ARIZA_RELEASE_KEYS").map_or(installed, PathBuf::from)
    } else {
        installed
    };
    TrustedKeys::load(&path)
}

/// Where this desk installs: the machine's own packages; in a debug build (the tests) a dpkg
/// root named by `ARIZA_DPKG_ROOT`, if set. A release build never reads that variable.
pub fn desk_installer() -> Installer {
    if cfg!(debug_assertions)
        && let Some(root) = std::env::var_os("ARIZA_DPKG_ROOT")
    {
        return Installer::Root(PathBuf::from(root));
    }
    Installer::System
}

/// Checks a package with the signature beside it against this desk's keys and version, and
/// installs it: what `ariza update FILE` and Settings → Update from file do, and what the
/// desk does with a package it downloaded from the portal.
pub fn check_and_install(
    package: &Path,
    signature: &str,
    installed: &semver::Version,
) -> Result<PackageFacts, ReleaseError> {
    let keys = desk_trusted_keys()?;
    // Checked and installed from a private copy: a file on a USB stick could change between
    // the check and dpkg reading it.
    let private = tempfile::Builder::new().prefix("ariza-update").tempdir()?;
    let copy = private.path().join("package.deb");
    std::fs::copy(package, &copy)?;
    let facts = check_package(&copy, signature, &keys, installed)?;
    install(&copy, &desk_installer())?;
    Ok(facts)
}

/// Where dpkg installs.
#[derive(Debug, Clone)]
pub enum Installer {
    /// This computer's own packages: `dpkg -i` as root, through `pkexec` (the desktop's
    /// administrator prompt) otherwise.
    System,
    /// A separate dpkg root (`dpkg --root`): the tests install a real package there without
    /// touching the machine's own.
    Root(PathBuf),
}

/// Hands a checked package to dpkg.
pub fn install(path: &Path, installer: &Installer) -> Result<(), ReleaseError> {
    let mut cmd = match installer {
        Installer::System if running_as_root() => Command::new("dpkg"),
        Installer::System => {
            let mut c = Command::new("pkexec");
            c.arg("dpkg");
            c
        }
        Installer::Root(root) => {
            let admin = root.join("var/lib/dpkg");
            std::fs::create_dir_all(admin.join("updates"))?;
            std::fs::create_dir_all(admin.join("info"))?;
            let status = admin.join("status");
            if !status.exists() {
                std::fs::write(&status, "")?;
            }
            let mut c = Command::new("dpkg");
            c.arg(format!("--root={}", root.display()))
                .arg("--force-not-root")
                .arg("--force-script-chrootless");
            c
        }
    };
    let out = cmd.arg("-i").arg(path).output()?;
    if out.status.success() {
        tracing::info!(installer = ?installer, "package installed");
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(ReleaseError::InstallFailed(
            stderr.lines().last().unwrap_or_default().to_string(),
        ))
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The version a package installed under `installer` has, if any (`dpkg-query`).
pub fn installed_version(installer: &Installer) -> Option<String> {
    let mut cmd = Command::new("dpkg-query");
    if let Installer::Root(root) = installer {
        cmd.arg(format!(
            "--admindir={}",
            root.join("var/lib/dpkg").display()
        ));
    }
    let out = cmd
        .args(["--showformat=${Version}", "--show", PACKAGE_NAME])
        .output()
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !v.is_empty()).then_some(v)
}

/// Tauri's name for a platform: `linux-x86_64-deb`.
pub fn platform_key(debian_arch: &str) -> String {
    format!("linux-{}-deb", rust_architecture(debian_arch))
}

/// A signature wrapped in base64 as Tauri's manifest carries it.
pub fn wrap_signature(minisign_text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(minisign_text.as_bytes())
}

/// The release team's side: key generation and signing.
pub mod signing {
    use super::*;

    /// A new release key pair: the public key as minisign writes its `.pub` file, and the
    /// secret key encrypted with `password` (scrypt, as minisign does).
    pub fn generate_key(password: &str) -> Result<(String, String), ReleaseError> {
        let pair = minisign::KeyPair::generate_encrypted_keypair(Some(password.to_string()))
            .map_err(|e| ReleaseError::BadKey(e.to_string()))?;
        let public = pair
            .pk
            .to_box()
            .map_err(|e| ReleaseError::BadKey(e.to_string()))?
            .into_string();
        let secret = pair
            .sk
            .to_box(None)
            .map_err(|e| ReleaseError::BadKey(e.to_string()))?
            .into_string();
        Ok((public, secret))
    }

    /// Signs a package: the trusted comment records its file name and version the way the
    /// Tauri CLI does (`timestamp:…\tfile:…\tversion:…`). Returns minisign's signature text.
    pub fn sign(
        bytes: &[u8],
        file_name: &str,
        version: &semver::Version,
        secret_key: &str,
        password: &str,
        timestamp: i64,
    ) -> Result<String, ReleaseError> {
        let sk = SecretKeyBox::from_string(secret_key)
            .and_then(|b| b.into_secret_key(Some(password.to_string())))
            .map_err(|e| ReleaseError::BadKey(e.to_string()))?;
        let trusted = format!("timestamp:{timestamp}\tfile:{file_name}\tversion:{version}");
        let sig = minisign::sign(
            None,
            &sk,
            Cursor::new(bytes),
            Some(&trusted),
            Some("signature from the Ariza release key"),
        )
        .map_err(|e| ReleaseError::BadKey(e.to_string()))?;
        Ok(sig.into_string())
    }

    /// The public half of a `.pub` file's text, as one base64 line.
    pub fn public_key_line(public_file: &str) -> Result<String, ReleaseError> {
        let pk = PublicKeyBox::from_string(public_file)
            .and_then(|b| b.into_public_key())
            .map_err(|e| ReleaseError::BadKey(e.to_string()))?;
        Ok(pk.to_base64())
    }
}

/// Small but real Ariza Desk packages for tests (built with `dpkg-deb`), and a release key:
/// shared by this crate's tests, the CLI's and the end-to-end ones.
#[doc(hidden)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod fixtures {
    use super::*;

    pub const KEY_PASSWORD: &str = "release-key-password";

    /// A release key pair for tests: (public `.pub` text, encrypted secret key text).
    pub fn release_key() -> (String, String) {
        signing::generate_key(KEY_PASSWORD).expect("a release key")
    }

    /// Builds `ariza-desk_VERSION_ARCH.deb` in `dir`: one file, `/opt/ariza-desk/VERSION`,
    /// so an install can be seen in a dpkg root.
    pub fn package(dir: &Path, name: &str, version: &str, arch: &str) -> PathBuf {
        let tree = dir.join(format!("tree-{name}-{version}-{arch}"));
        let _ = std::fs::remove_dir_all(&tree);
        std::fs::create_dir_all(tree.join("DEBIAN")).expect("package tree");
        std::fs::create_dir_all(tree.join("opt/ariza-desk")).expect("package tree");
        std::fs::write(tree.join("opt/ariza-desk").join(version), version).expect("payload");
        std::fs::write(
            tree.join("DEBIAN/control"),
            format!(
                "Package: {name}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: Ariza <it@ariza.invalid>\nDescription: test package\n"
            ),
        )
        .expect("control");
        let out = dir.join(format!("{name}_{version}_{arch}.deb"));
        let status = Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&tree)
            .arg(&out)
            .output()
            .expect("dpkg-deb (Debian's dpkg)");
        assert!(status.status.success(), "dpkg-deb: {status:?}");
        out
    }

    /// Signs `package` with `secret` as the release team would, writing `PACKAGE.minisig`.
    pub fn sign(package: &Path, secret: &str) -> PathBuf {
        let facts = read_package(package).expect("a package");
        let bytes = std::fs::read(package).expect("package bytes");
        let name = package
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("package.deb");
        let text = signing::sign(
            &bytes,
            name,
            &facts.version,
            secret,
            KEY_PASSWORD,
            1_764_547_200,
        )
        .expect("signature");
        let sig = PathBuf::from(format!("{}.minisig", package.display()));
        std::fs::write(&sig, text).expect("signature file");
        sig
    }
}
