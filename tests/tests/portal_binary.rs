//! The real `ariza-portal` binary, as operators run it: serving HTTPS itself from PEM files,
//! a desk pinned to its certificate's key, `device revoke` refusing that desk at once, `audit verify`
//! passing and then failing after an edit, and `report` printing the table.
//! Needs the binary built first (`cargo build -p ariza-portal`, done by scripts/test.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ariza_e2e::desk::{desk, file};
use ariza_e2e::portal::TestPortal;
use ariza_sync::Engine;

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn portal_cmd(db: &str) -> Command {
    let bin = ariza_e2e::binary("ariza-portal");
    assert!(
        bin.exists(),
        "build the portal first: cargo build -p ariza-portal ({})",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.env("ARIZA_PORTAL_DATABASE_URL", db)
        .env("ARIZA_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn the_portal_binary_serves_tls_revokes_devices_and_verifies_its_audit() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let portal = TestPortal::start();
    let db = portal.database_url();
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("portal.crt"), dir.path().join("portal.key"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    // The key's pin (SHA-256 of its SubjectPublicKeyInfo), as `--pin` takes it.
    let pin = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(cert.key_pair.public_key_der()))
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = KillOnDrop(
        portal_cmd(&db)
            .arg("serve")
            .env("ARIZA_PORTAL_LISTEN", format!("127.0.0.1:{port}"))
            .env("ARIZA_PORTAL_TLS_CERT", &cert_path)
            .env("ARIZA_PORTAL_TLS_KEY", &key_path)
            .spawn()
            .unwrap(),
    );
    let url = format!("https://127.0.0.1:{port}");

    let code = portal.center_and_code("BIN01");
    let desk_dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&desk_dir, "BIN01");
    let engine = Engine::new().unwrap();
    let started = Instant::now();
    loop {
        match engine.enroll(&store, &admin, &url, &code, "d", Some(&pin)) {
            Ok(_) => break,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                assert_eq!(e.message_key(), "err-sync-offline", "{e}");
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("the portal did not come up over TLS: {e}"),
        }
    }
    let ids = file(&store, &admin, 2);
    assert_eq!(engine.sync_once(&store).unwrap().delivered, 2);
    portal.decide(&ids[0], ariza_core::application::Status::InReview, None);

    // `report` prints today's line for the center's region.
    let today = chrono::Utc::now()
        .with_timezone(&ariza_core::clock::tashkent())
        .date_naive()
        .to_string();
    let out = portal_cmd(&db)
        .args(["report", "--from", &today, "--to", &today, "--csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.contains("region,1726,"), "{csv}");
    assert!(csv.contains(",2,2,0,0,0,2"), "{csv}");

    // `audit verify` passes, then fails after an edit.
    let verify = || portal_cmd(&db).args(["audit", "verify"]).output().unwrap();
    let ok = verify();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("chain intact"));
    portal.count("WITH u AS (UPDATE audit_log SET actor = 'x' WHERE seq = 1 RETURNING 1) SELECT count(*) FROM u");
    let broken = verify();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stdout).contains("BROKEN at entry 1"));

    // `device revoke`: the desk is refused at its very next request.
    let device = store.enrollment().unwrap().unwrap().device_id.to_string();
    let listed = portal_cmd(&db).args(["device", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&device));
    let revoked = portal_cmd(&db)
        .args(["device", "revoke", &device])
        .output()
        .unwrap();
    assert!(revoked.status.success());
    file(&store, &admin, 1);
    let err = engine.sync_once(&store).unwrap_err();
    assert_eq!(err.message_key(), "err-sync-unauthorized");
    assert_eq!(store.outbox_backlog().unwrap(), 1);
}
