//! The checks before any install, on real packages built with dpkg-deb and real minisign
//! signatures: each refusal is its own error and leaves the dpkg root untouched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_release::fixtures;
use ariza_release::{
    Installer, ReleaseError, TrustedKeys, check_package, install, installed_version,
    this_architecture,
};

fn v(s: &str) -> semver::Version {
    semver::Version::parse(s).unwrap()
}

struct Setup {
    dir: tempfile::TempDir,
    keys: TrustedKeys,
    secret: String,
}

fn setup() -> Setup {
    let (public, secret) = fixtures::release_key();
    Setup {
        dir: tempfile::tempdir().unwrap(),
        keys: TrustedKeys::parse(&public).unwrap(),
        secret,
    }
}

#[test]
fn a_signed_newer_package_for_this_machine_is_accepted_and_installs_into_a_dpkg_root() {
    let s = setup();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    let facts = check_package(&deb, &sig, &s.keys, &v("0.1.0")).unwrap();
    assert_eq!(facts.version, v("0.2.0"));

    let root = s.dir.path().join("root");
    let installer = Installer::Root(root.clone());
    assert_eq!(installed_version(&installer), None);
    install(&deb, &installer).unwrap();
    assert_eq!(installed_version(&installer).as_deref(), Some("0.2.0"));
    assert!(root.join("opt/ariza-desk/0.2.0").exists());
}

#[test]
fn the_signature_also_verifies_wrapped_in_base64_as_tauri_carries_it() {
    let s = setup();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    let wrapped = ariza_release::wrap_signature(&sig);
    assert!(!wrapped.contains("untrusted comment"));
    check_package(&deb, &wrapped, &s.keys, &v("0.1.0")).unwrap();
}

#[test]
fn a_package_changed_after_signing_is_refused() {
    let s = setup();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    let mut bytes = std::fs::read(&deb).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&deb, bytes).unwrap();
    assert!(matches!(
        check_package(&deb, &sig, &s.keys, &v("0.1.0")),
        Err(ReleaseError::BadSignature)
    ));
}

#[test]
fn a_package_signed_by_another_key_is_refused_and_nothing_is_installed() {
    let s = setup();
    let (_, other_secret) = fixtures::release_key();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &other_secret)).unwrap();
    assert!(matches!(
        check_package(&deb, &sig, &s.keys, &v("0.1.0")),
        Err(ReleaseError::BadSignature)
    ));
    assert!(matches!(
        check_package(&deb, "not a signature", &s.keys, &v("0.1.0")),
        Err(ReleaseError::BadSignature)
    ));
}

#[test]
fn the_next_release_key_is_trusted_beside_the_current_one_and_no_third() {
    let s = setup();
    let (next_public, next_secret) = fixtures::release_key();
    let (current_public, _) = fixtures::release_key();
    let both = TrustedKeys::parse(&format!("{current_public}\n{next_public}")).unwrap();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &next_secret)).unwrap();
    check_package(&deb, &sig, &both, &v("0.1.0")).unwrap();
    // Once the old key is dropped from the file, what it signed opens nothing.
    let (third, _) = fixtures::release_key();
    assert!(matches!(
        TrustedKeys::parse(&format!("{current_public}\n{next_public}\n{third}")),
        Err(ReleaseError::BadKey(_))
    ));
    assert!(matches!(
        TrustedKeys::parse("# no keys\n"),
        Err(ReleaseError::NoTrustedKeys)
    ));
}

#[test]
fn a_downgrade_or_the_same_version_is_refused() {
    let s = setup();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.1.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    for installed in ["0.1.0", "0.3.0"] {
        assert!(
            matches!(
                check_package(&deb, &sig, &s.keys, &v(installed)),
                Err(ReleaseError::NotNewer { .. })
            ),
            "installed {installed}"
        );
    }
}

#[test]
fn a_package_for_another_architecture_is_refused() {
    let s = setup();
    let other = if this_architecture() == "arm64" {
        "amd64"
    } else {
        "arm64"
    };
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", other);
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    match check_package(&deb, &sig, &s.keys, &v("0.1.0")) {
        Err(ReleaseError::OtherPlatform { package, this }) => {
            assert_eq!(package, other);
            assert_eq!(this, this_architecture());
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn another_package_or_not_a_package_is_refused() {
    let s = setup();
    let deb = fixtures::package(s.dir.path(), "other-tool", "0.2.0", this_architecture());
    let sig = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    assert!(matches!(
        check_package(&deb, &sig, &s.keys, &v("0.1.0")),
        Err(ReleaseError::OtherPackage(_))
    ));
}

#[test]
fn an_old_signature_cannot_be_passed_off_under_a_newer_version() {
    // The trusted comment names the version signed; a package whose control file says
    // otherwise is refused even though the bytes match.
    let s = setup();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let bytes = std::fs::read(&deb).unwrap();
    let text = ariza_release::signing::sign(
        &bytes,
        "ariza-desk_0.2.0.deb",
        &v("0.1.5"),
        &s.secret,
        fixtures::KEY_PASSWORD,
        0,
    )
    .unwrap();
    assert!(matches!(
        check_package(&deb, &text, &s.keys, &v("0.1.0")),
        Err(ReleaseError::SignedVersionMismatch { .. })
    ));
}

#[test]
fn a_secret_key_opens_only_with_its_password() {
    let (_, secret) = fixtures::release_key();
    assert!(matches!(
        ariza_release::signing::sign(b"x", "x.deb", &v("1.0.0"), &secret, "wrong", 0),
        Err(ReleaseError::BadKey(_))
    ));
}

#[test]
fn tauri_s_updater_is_handed_the_trusted_key_a_signature_names_and_none_for_a_stranger() {
    let s = setup();
    let (current_public, current_secret) = fixtures::release_key();
    let (next_public, next_secret) = fixtures::release_key();
    let both = TrustedKeys::parse(&format!("{current_public}\n{next_public}")).unwrap();
    let deb = fixtures::package(s.dir.path(), "ariza-desk", "0.2.0", this_architecture());
    let key_line = |public: &str| public.lines().last().unwrap().trim().to_string();
    let handed = |secret: &str| {
        let sig = std::fs::read_to_string(fixtures::sign(&deb, secret)).unwrap();
        let wrapped = ariza_release::wrap_signature(&sig);
        let key = both.updater_key_for(&wrapped).unwrap();
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        String::from_utf8(text).unwrap()
    };
    // minisign's `.pub` text: the comment line, then the key the signature names.
    let by_current = handed(&current_secret);
    assert!(by_current.starts_with("untrusted comment:"), "{by_current}");
    assert_eq!(
        by_current.lines().nth(1).unwrap(),
        key_line(&current_public)
    );
    assert_eq!(
        handed(&next_secret).lines().nth(1).unwrap(),
        key_line(&next_public)
    );
    // A signature by a key this desk does not trust gets no key at all.
    let stranger = std::fs::read_to_string(fixtures::sign(&deb, &s.secret)).unwrap();
    assert!(matches!(
        both.updater_key_for(&stranger),
        Err(ReleaseError::BadSignature)
    ));
}
