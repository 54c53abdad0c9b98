//! Desk releases end to end: published with the operators' command (a separate process) and
//! refused unless signed by the configured release key, newer, and Ariza Desk; offered to a
//! desk through Tauri's updater endpoint shape; downloaded by the desk's engine over its own
//! transport; checked again on the desk and installed into a dpkg root.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use ariza_e2e::desk::enrolled_desk;
use ariza_e2e::portal::TestPortal;
use ariza_release::{Installer, TrustedKeys, fixtures, this_architecture};

fn publish(
    portal: &TestPortal,
    keys: &std::path::Path,
    package: &std::path::Path,
) -> std::process::Output {
    let bin = ariza_e2e::binary("ariza-portal");
    assert!(
        bin.exists(),
        "build the portal first: cargo build -p ariza-portal"
    );
    Command::new(&bin)
        .args(["release", "publish"])
        .arg(package)
        .arg(format!("{}.minisig", package.display()))
        .args(["--notes", "Faster search"])
        .env("ARIZA_PORTAL_DATABASE_URL", portal.database_url())
        .env("ARIZA_PORTAL_RELEASE_KEYS", keys)
        .env("ARIZA_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn refused(out: &std::process::Output, says: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "published: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains(says), "{stderr}");
}

#[test]
fn a_signed_release_is_published_offered_downloaded_checked_and_installed() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (public, secret) = fixtures::release_key();
    let keys = dir.path().join("release-keys.pub");
    std::fs::write(&keys, &public).unwrap();
    let arch = this_architecture();

    // Refused before anything is stored: another key's signature, or not Ariza Desk.
    let (_, other_secret) = fixtures::release_key();
    let forged = fixtures::package(dir.path(), "ariza-desk", "0.2.0", arch);
    fixtures::sign(&forged, &other_secret);
    refused(&publish(&portal, &keys, &forged), "signature");
    let other_tool = fixtures::package(dir.path(), "other-tool", "0.2.0", arch);
    fixtures::sign(&other_tool, &secret);
    refused(&publish(&portal, &keys, &other_tool), "not Ariza Desk");
    assert_eq!(portal.count("SELECT count(*) FROM desk_release"), 0);

    let good = fixtures::package(dir.path(), "ariza-desk", "0.2.0", arch);
    fixtures::sign(&good, &secret);
    let out = publish(&portal, &keys, &good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Once only, and never an older one after it.
    refused(&publish(&portal, &keys, &good), "already published");
    let older = fixtures::package(dir.path(), "ariza-desk", "0.1.5", arch);
    fixtures::sign(&older, &secret);
    refused(&publish(&portal, &keys, &older), "not newer");
    assert_eq!(portal.count("SELECT count(*) FROM desk_release"), 1);
    assert_eq!(
        portal.count("SELECT count(*) FROM audit_log WHERE action = 'release.publish'"),
        1
    );

    // The updater endpoint: a manifest for an older desk, 204 for a current one.
    let rust_arch = std::env::consts::ARCH;
    let agent = ureq::Agent::new_with_defaults();
    let mut answer = agent
        .get(format!(
            "{}/api/v1/desk/update/linux/{rust_arch}/0.1.0",
            portal.url
        ))
        .call()
        .unwrap();
    assert_eq!(answer.status(), 200);
    let manifest: ariza_core::wire::DeskUpdate = answer.body_mut().read_json().unwrap();
    assert_eq!(manifest.version, "0.2.0");
    assert_eq!(manifest.notes.as_deref(), Some("Faster search"));
    let entry = &manifest.platforms[&format!("linux-{rust_arch}-deb")];
    // The same package under the name Tauri's updater asks for in a desk built by scripts/deb.sh.
    assert_eq!(&manifest.platforms[&format!("linux-{rust_arch}")], entry);
    for current in ["0.2.0", "0.3.0"] {
        let r = agent
            .get(format!(
                "{}/api/v1/desk/update/linux/{rust_arch}/{current}",
                portal.url
            ))
            .call()
            .unwrap();
        assert_eq!(r.status(), 204, "{current}");
    }
    let r = agent
        .get(format!(
            "{}/api/v1/desk/update/windows/{rust_arch}/0.1.0",
            portal.url
        ))
        .call()
        .unwrap();
    assert_eq!(r.status(), 204, "no package for another platform");
    let r = agent
        .get(format!(
            "{}/api/v1/desk/update/linux/{rust_arch}/not-a-version",
            portal.url
        ))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(r.status(), 400);
    // The package as published, at an absolute address (Tauri's updater takes no other) on
    // the host the desk asked, and its signature as Tauri carries it.
    assert_eq!(
        entry.url,
        format!(
            "{}/api/v1/desk/releases/0.2.0/{arch}/package",
            portal.url.trim_end_matches('/')
        )
    );
    let download = |agent: &ureq::Agent, dir: &std::path::Path| {
        let bytes = agent
            .get(&entry.url)
            .call()
            .unwrap()
            .body_mut()
            .with_config()
            .limit(50 * 1024 * 1024)
            .read_to_vec()
            .unwrap();
        let path = dir.join("ariza-desk_0.2.0.deb");
        std::fs::write(&path, &bytes).unwrap();
        (bytes, path)
    };
    let (served, package) = download(&agent, dir.path());
    assert_eq!(served, std::fs::read(&good).unwrap());
    let trusted = TrustedKeys::parse(&public).unwrap();
    assert_eq!(
        ariza_release::verify_signature(&served, &entry.signature, &trusted).unwrap(),
        semver::Version::new(0, 2, 0)
    );
    // The key the desk hands Tauri's updater for this signature is the one that signed it.
    assert!(trusted.updater_key_for(&entry.signature).is_ok());

    // An enrolled desk's engine names the portal it asks (the desk's updater uses that and the
    // engine's TLS); the desk's checks pass; dpkg installs the package.
    let (store, _admin, engine) = enrolled_desk(&portal, &dir, "UPD01");
    let link = engine.update_link(&store).unwrap();
    assert_eq!(link.portal, portal.url.trim_end_matches('/'));
    let facts = ariza_release::check_package(
        &package,
        &entry.signature,
        &trusted,
        &semver::Version::new(0, 1, 0),
    )
    .unwrap();
    assert_eq!(facts.version, semver::Version::new(0, 2, 0));
    let root = Installer::Root(dir.path().join("dpkg-root"));
    ariza_release::install(&package, &root).unwrap();
    assert_eq!(
        ariza_release::installed_version(&root).as_deref(),
        Some("0.2.0")
    );

    // A package swapped on the way (the portal's bytes replaced) fails the desk's check.
    portal.execute("UPDATE desk_release SET package = package || '\\x00'::bytea");
    let again = dir.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let (_, tampered) = download(&agent, &again);
    assert!(matches!(
        ariza_release::check_package(
            &tampered,
            &entry.signature,
            &trusted,
            &semver::Version::new(0, 1, 0)
        ),
        Err(ariza_release::ReleaseError::BadSignature)
    ));
}
