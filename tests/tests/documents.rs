//! The documents lane end to end: scans filed with applications reach a real portal (real
//! PostgreSQL) through the fault proxy whole, byte-identical and once, resuming after every
//! cut without sending again what the portal holds; the portal refuses a chunk at the wrong
//! offset, with a wrong checksum, or a whole that is not the document; a desk killed during
//! an upload and a portal restarted during one lose nothing.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ariza_core::clock::SystemClock;
use ariza_e2e::desk::{desk, enrolled_desk, file_with_documents};
use ariza_e2e::device::send_as;
use ariza_e2e::fault_proxy::{FaultProxy, Link};
use ariza_e2e::portal::TestPortal;
use ariza_store::Store;
use ariza_sync::Engine;
use ariza_sync::documents::{CHUNK_BYTES, ChunkSent};
use base64::Engine as _;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// Every document the desk holds for `applications` is on the portal byte for byte, stored
/// once, each reference arrived, each application complete, no chunk left behind.
fn assert_documents_on_portal(portal: &TestPortal, store: &Store, applications: &[String]) {
    for id in applications {
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        for doc in store.documents(id).unwrap() {
            let (bytes, _) = store.scan_bytes(&doc.scan.sha256).unwrap();
            let on_portal: Vec<u8> = portal.scalar(
                "SELECT bytes FROM document WHERE sha256 = $1",
                &[&doc.scan.sha256],
            );
            assert!(
                on_portal == bytes,
                "{id}: {} byte-identical",
                doc.requirement_key
            );
            let arrived: bool = portal.scalar(
                "SELECT arrived_at IS NOT NULL FROM application_document
                 WHERE application_id = $1 AND requirement_key = $2",
                &[&uuid, &doc.requirement_key],
            );
            assert!(arrived, "{id}: {}", doc.requirement_key);
        }
        let complete: Option<bool> = portal.scalar(
            "SELECT documents_complete FROM application WHERE id = $1",
            &[&uuid],
        );
        assert_eq!(complete, Some(true), "{id}: documents complete");
    }
    assert_eq!(
        portal.count("SELECT count(*) - count(DISTINCT sha256) FROM document"),
        0
    );
    assert_eq!(portal.count("SELECT count(*) FROM upload_chunk"), 0);
    let status = store.sync_status().unwrap();
    assert_eq!(status.documents.waiting, 0);
}

fn counting_engine() -> (Engine, Arc<Mutex<Vec<ChunkSent>>>) {
    let sent: Arc<Mutex<Vec<ChunkSent>>> = Arc::default();
    let mut engine = Engine::new().unwrap();
    let seen = sent.clone();
    engine.observe_chunks(Box::new(move |c| seen.lock().unwrap().push(c.clone())));
    (engine, sent)
}

fn chunks_of(size: usize) -> usize {
    size.div_ceil(CHUNK_BYTES)
}

#[test]
fn documents_arrive_whole_and_once_however_often_the_link_is_cut() {
    let seed = ariza_e2e::env_seed("ARIZA_FAULT_SEED");
    println!("documents fault test: seed {seed} (ARIZA_FAULT_SEED={seed} to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let portal = TestPortal::start();
    let code = portal.center_and_code("DOC01");
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    let proxy = FaultProxy::start(upstream, seed, None).unwrap();
    proxy.set_faults(false);
    let dir = tempfile::tempdir().unwrap();
    let (store, admin) = desk(&dir, "DOC01");
    Engine::new()
        .unwrap()
        .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
        .unwrap();

    let mut filed = Vec::new();
    let mut needed = 0;
    for i in 0..4 {
        let size = rng.random_range(300_000..1_200_000);
        let (id, _) =
            file_with_documents(&store, &admin, &ariza_e2e::desk::large_pdf(size, seed + i));
        needed += chunks_of(size + 20);
        filed.push(id);
    }
    // The photo is shared by all four: stored once, sent once.
    needed += 1;
    // The same scan filed again for another application: stored once, sent once.
    let (again, _) = file_with_documents(&store, &admin, &ariza_e2e::desk::large_pdf(50_000, seed));
    needed += chunks_of(50_020);
    filed.push(again);

    proxy.set_faults(true);
    let (engine, sent) = counting_engine();
    let (mut failed, mut ok) = (0, 0);
    for _ in 0..400 {
        match engine.sync_once(&store) {
            Ok(_) => ok += 1,
            Err(_) => failed += 1,
        }
        if ok > 0 && store.sync_status().unwrap().documents.waiting == 0 {
            break;
        }
    }
    proxy.set_faults(false);
    engine.sync_once(&store).unwrap();
    let chunks = sent.lock().unwrap().len();
    println!(
        "documents fault test: {chunks} chunks sent for {needed} needed, {failed} failed runs, {ok} clean"
    );
    assert!(failed >= 3, "too few faults landed ({failed}); seed {seed}");
    assert_documents_on_portal(&portal, &store, &filed);
    // After a cut the desk asks where the portal is and sends only the rest: at most the
    // chunk in flight at each cut goes twice.
    assert!(
        chunks <= needed + failed,
        "{chunks} chunks sent for {needed} needed with {failed} cuts; seed {seed}"
    );
    assert_eq!(
        portal.count("SELECT count(*) FROM application"),
        filed.len() as i64,
        "the records went once"
    );
}

#[test]
fn the_portal_refuses_a_chunk_twice_a_wrong_checksum_and_a_wrong_whole() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "DOC02");
    let pdf = ariza_e2e::desk::large_pdf(600_000, 7);
    let (id, sha) = file_with_documents(&store, &admin, &pdf);
    let e = store.enrollment().unwrap().unwrap();
    let client = reqwest::blocking::Client::new();
    engine.sync_once(&store).unwrap();
    assert_eq!(
        portal.count("SELECT count(*) FROM application_document WHERE arrived_at IS NULL"),
        0,
        "the engine delivered them all"
    );
    let uuid = uuid::Uuid::parse_str(&id).unwrap();
    let upload_id: uuid::Uuid = portal.scalar(
        "SELECT id FROM application_document WHERE application_id = $1 AND requirement_key = 'identity'",
        &[&uuid],
    );
    // Start that upload again on the portal, as if it had never come.
    portal.execute(&format!(
        "UPDATE application_document SET received = 0, arrived_at = NULL WHERE id = '{upload_id}';
         DELETE FROM document WHERE sha256 = '{sha}'"
    ));
    let base = &portal.url;
    let path = format!("/api/v1/uploads/{upload_id}");
    let patch = |offset: usize, chunk: &[u8], checksum: &str| {
        send_as(
            &client,
            &e,
            client
                .patch(format!("{base}{path}"))
                .header("tus-resumable", "1.0.0")
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", offset.to_string())
                .header("upload-checksum", format!("sha256 {checksum}"))
                .body(chunk.to_vec()),
        )
    };
    let b64 =
        |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes));

    // OPTIONS says what is spoken.
    let options = client
        .request(reqwest::Method::OPTIONS, format!("{base}/api/v1/uploads"))
        .send()
        .unwrap();
    assert_eq!(options.status(), 204);
    assert_eq!(options.headers()["tus-version"], "1.0.0");
    assert_eq!(options.headers()["tus-extension"], "creation,checksum");
    assert_eq!(options.headers()["tus-checksum-algorithm"], "sha256");

    let first = &pdf[..CHUNK_BYTES];
    let resp = patch(0, first, &b64(first));
    assert_eq!(resp.status(), 204);
    assert_eq!(
        resp.headers()["upload-offset"],
        CHUNK_BYTES.to_string().as_str()
    );
    // The same chunk again (its answer was lost): 409 and where the portal is; kept once.
    let resp = patch(0, first, &b64(first));
    assert_eq!(resp.status(), 409);
    assert_eq!(
        resp.headers()["upload-offset"],
        CHUNK_BYTES.to_string().as_str()
    );
    assert_eq!(
        portal.count(&format!(
            "SELECT count(*) FROM upload_chunk WHERE upload_id = '{upload_id}'"
        )),
        1
    );
    // A chunk whose checksum is not its bytes': 460, nothing kept.
    let second = &pdf[CHUNK_BYTES..2 * CHUNK_BYTES];
    let resp = patch(CHUNK_BYTES, second, &b64(first));
    assert_eq!(resp.status(), 460);
    let body: serde_json::Value = resp.json().unwrap();
    assert_eq!(body["code"], "checksum_mismatch");
    // HEAD tells where to go on.
    let head = send_as(
        &client,
        &e,
        client
            .head(format!("{base}{path}"))
            .header("tus-resumable", "1.0.0"),
    );
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["upload-offset"],
        CHUNK_BYTES.to_string().as_str()
    );
    assert_eq!(
        head.headers()["upload-length"],
        pdf.len().to_string().as_str()
    );
    // Without the tus version: 412.
    let resp = send_as(
        &client,
        &e,
        client
            .patch(format!("{base}{path}"))
            .header("content-type", "application/offset+octet-stream")
            .header("upload-offset", CHUNK_BYTES.to_string())
            .header("upload-checksum", format!("sha256 {}", b64(second)))
            .body(second.to_vec()),
    );
    assert_eq!(resp.status(), 412);
    // The rest, with a byte changed in its last chunk (each chunk's checksum right): the
    // whole is not the document, the upload starts again and nothing is stored.
    let mut offset = CHUNK_BYTES;
    let mut tampered = pdf.clone();
    let last = tampered.len() - 10;
    tampered[last] ^= 0xFF;
    while offset < tampered.len() {
        let end = (offset + CHUNK_BYTES).min(tampered.len());
        let chunk = &tampered[offset..end];
        let resp = patch(offset, chunk, &b64(chunk));
        if end == tampered.len() {
            assert_eq!(resp.status(), 422);
            let body: serde_json::Value = resp.json().unwrap();
            assert_eq!(body["code"], "document_mismatch");
        } else {
            assert_eq!(resp.status(), 204);
        }
        offset = end;
    }
    assert_eq!(
        portal.count(&format!(
            "SELECT count(*) FROM document WHERE sha256 = '{sha}'"
        )),
        0
    );
    let received: i64 = portal.scalar(
        "SELECT received FROM application_document WHERE id = $1",
        &[&upload_id],
    );
    assert_eq!(received, 0, "started again from nothing");
    // Another center's device cannot see or write it.
    let other_dir = tempfile::tempdir().unwrap();
    let (other, _, _) = enrolled_desk(&portal, &other_dir, "DOC03");
    let other_e = other.enrollment().unwrap().unwrap();
    let resp = send_as(
        &client,
        &other_e,
        client
            .head(format!("{base}{path}"))
            .header("tus-resumable", "1.0.0"),
    );
    assert_eq!(resp.status(), 404);
    // Unsigned: refused before anything is said about the upload.
    let resp = client
        .head(format!("{base}{path}"))
        .header("tus-resumable", "1.0.0")
        .send()
        .unwrap();
    assert_eq!(resp.status(), 401);

    // The whole, right, in order: stored, and the application is complete again.
    let mut offset = 0;
    while offset < pdf.len() {
        let end = (offset + CHUNK_BYTES).min(pdf.len());
        let chunk = &pdf[offset..end];
        assert_eq!(patch(offset, chunk, &b64(chunk)).status(), 204);
        offset = end;
    }
    let stored: Vec<u8> = portal.scalar("SELECT bytes FROM document WHERE sha256 = $1", &[&sha]);
    assert!(stored == pdf);
    let complete: Option<bool> = portal.scalar(
        "SELECT documents_complete FROM application WHERE id = $1",
        &[&uuid],
    );
    assert_eq!(complete, Some(true));
    assert!(portal.count("SELECT count(*) FROM audit_log WHERE action = 'document.receive'") >= 2);
}

#[test]
fn records_never_wait_behind_documents_and_documents_follow_later() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "DOC04");
    // Filed with documents to follow (the rule of the test desk): complete is false on the
    // portal until the document comes.
    let filed = ariza_e2e::desk::file(&store, &admin, 1);
    engine.sync_once(&store).unwrap();
    let uuid = uuid::Uuid::parse_str(&filed[0]).unwrap();
    let complete: Option<bool> = portal.scalar(
        "SELECT documents_complete FROM application WHERE id = $1",
        &[&uuid],
    );
    assert_eq!(complete, Some(false), "documents to follow");
    // An agency sees it: complete false, nothing pending yet.
    portal.add_user("agency1", "agency", Some("iiv"), "agency-pass-123");
    let token = portal.sign_in("agency1", "agency-pass-123");
    let queue: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/agency/applications", portal.url))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let item = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == filed[0].as_str())
        .unwrap()
        .clone();
    assert_eq!(item["documents_complete"], false);

    // The documents follow: attached to the delivered application.
    let identity = store
        .store_scan(
            &ariza_e2e::desk::large_pdf(400_000, 11),
            "pasport.pdf",
            &SystemClock,
        )
        .unwrap();
    let photo = store
        .store_scan(ariza_e2e::scans::PHOTO_PNG, "guvohnoma.png", &SystemClock)
        .unwrap();
    store
        .attach_scan(&admin, &filed[0], "identity", &identity, &SystemClock)
        .unwrap();
    store
        .attach_scan(&admin, &filed[0], "birth-certificate", &photo, &SystemClock)
        .unwrap();
    // Records filed meanwhile go before any chunk: the portal received them before the
    // document.
    drop(engine);
    let (engine, sent) = counting_engine();
    let more = ariza_e2e::desk::file(&store, &admin, 3);
    engine.sync_once(&store).unwrap();
    for id in &more {
        assert_eq!(
            store.application(id).unwrap().status,
            ariza_core::application::Status::Delivered
        );
    }
    assert_eq!(
        sent.lock().unwrap().len(),
        chunks_of(identity.stored_size as usize) + 1
    );
    let more: Vec<uuid::Uuid> = more
        .iter()
        .map(|m| uuid::Uuid::parse_str(m).unwrap())
        .collect();
    let records_first: bool = portal.scalar(
        "SELECT (SELECT max(received_at) FROM application WHERE id = ANY($1))
              <= (SELECT min(received_at) FROM document WHERE sha256 = $2)",
        &[&more, &identity.sha256],
    );
    assert!(records_first, "the records went before the document");
    assert_documents_on_portal(&portal, &store, &filed);
    // The agency's queue shows it complete, and lists its documents, arrived.
    let docs: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!(
            "{}/api/v1/agency/applications/{}/documents",
            portal.url, filed[0]
        ))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|d| !d["arrived_at"].is_null()));
}

#[test]
fn a_desk_killed_during_an_upload_and_a_portal_restarted_during_one_lose_nothing() {
    let seed = ariza_e2e::env_seed("ARIZA_KILL_SEED");
    println!("documents kill test: seed {seed} (ARIZA_KILL_SEED={seed} to repeat)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let portal = TestPortal::start();
    let code = portal.center_and_code("DOC05");
    let upstream = portal.url.trim_start_matches("http://").parse().unwrap();
    // A slow link (2G-like upstream), so a kill lands inside an upload.
    let link = Link {
        up_bytes_per_sec: 200_000,
        down_bytes_per_sec: 200_000,
        one_way_delay: Duration::from_millis(5),
    };
    let proxy = FaultProxy::start(upstream, seed, Some(link)).unwrap();
    proxy.set_faults(false);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let filed = {
        let (store, admin) = desk(&dir, "DOC05");
        Engine::new()
            .unwrap()
            .enroll(&store, &admin, &proxy.url(), &code, "desk-1", None)
            .unwrap();
        let mut filed = Vec::new();
        for i in 0..3 {
            filed.push(
                file_with_documents(
                    &store,
                    &admin,
                    &ariza_e2e::desk::large_pdf(900_000, seed + 100 + i),
                )
                .0,
            );
        }
        filed
    };
    let mut kills = 0;
    for round in 0..40 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sync-runner"))
            .arg(&db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(300..2000)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let store = Store::open(&db).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        if store.sync_status().unwrap().documents.waiting == 0 {
            break;
        }
    }
    println!("documents kill test: {kills} kills during uploads");
    assert!(
        kills >= 2,
        "too few kills landed during uploads ({kills}); seed {seed}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sync-runner"))
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("done"));
    let store = Store::open(&db).unwrap();
    assert_documents_on_portal(&portal, &store, &filed);
}
