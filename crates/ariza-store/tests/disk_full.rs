//! A full disk, for real: the desk's database on a tmpfs of a few MiB, filled by filing and
//! attaching scans until a write fails. The failure says "disk full" (its own code and
//! message, not the generic storage error), every earlier application and document is intact,
//! the audit chain verifies, the status line warns, and work resumes once space is freed.
//! Mounting a tmpfs needs root (CI runs as root); elsewhere the test says it did not run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use ariza_core::citizen::Sex;
use ariza_core::clock::FixedClock;
use ariza_core::error::{Code, Describe};
use ariza_store::{Store, StoreError};
use chrono::NaiveDate;
use image::{DynamicImage, Rgb, RgbImage};

fn clock() -> FixedClock {
    FixedClock::at_tashkent(2026, 12, 2, 10, 0)
}

/// Unmounts the tmpfs however the test ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn mount_tmpfs(dir: &Path, size: &str) -> Mounted {
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "mount a tmpfs at {}", dir.display());
    Mounted(dir.to_path_buf())
}

/// A scan that does not compress away: noise, different for each `seed`.
fn noisy_png(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let img = RgbImage::from_fn(900, 700, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

fn assert_disk_full(e: &StoreError) {
    assert!(matches!(e, StoreError::DiskFull), "{e:?}");
    assert_eq!(e.code(), Code::DiskFull);
    assert_eq!(e.message().0, "err-disk-full");
}

#[test]
fn a_full_disk_says_so_loses_nothing_and_work_resumes_when_space_is_freed() {
    if !is_root() {
        eprintln!("NOT RUN: mounting a tmpfs needs root");
        return;
    }
    let outer = tempfile::tempdir().unwrap();
    let _mounted = mount_tmpfs(outer.path(), "8m");
    // Room to give back later: what an IT person deleting old exports would free.
    let ballast = outer.path().join("old-export.xlsx");
    std::fs::write(&ballast, vec![7u8; 4 * 1024 * 1024]).unwrap();

    let db = outer.path().join("desk.db");
    let (store, admin) = support::set_up(&db, "FUL01", &clock());
    assert!(
        store.sync_status().unwrap().low_disk_space,
        "8 MiB is not a day's work"
    );
    let birth = NaiveDate::from_ymd_opt(1988, 8, 8).unwrap();
    let citizen = store
        .register_citizen(
            &admin,
            &support::citizen(Sex::Male, birth, 3, "Toʻlaev", "Doniyor", "AC7654321"),
            &clock(),
        )
        .unwrap();

    let mut filed = Vec::new();
    let mut attached = 0;
    let full = loop {
        let app = match store.file_application(&admin, &support::eri_request(citizen.id), &clock())
        {
            Ok(app) => app,
            Err(e) => break e,
        };
        let tracking = app.tracking_number.to_string();
        filed.push(tracking.clone());
        let scan = match store.store_scan(&noisy_png(filed.len() as u32), "scan.png", &clock()) {
            Ok(scan) => scan,
            Err(e) => break e,
        };
        match store.attach_scan(&admin, &tracking, "identity", &scan, &clock()) {
            Ok(_) => attached += 1,
            Err(e) => break e,
        }
        assert!(filed.len() < 200, "the disk never filled");
    };
    assert_disk_full(&full);
    assert!(attached >= 2, "only {attached} scans fitted");
    // A small filing may still fit where a scan did not: file on until nothing fits.
    let again = loop {
        match store.file_application(&admin, &support::eri_request(citizen.id), &clock()) {
            Ok(app) => filed.push(app.tracking_number.to_string()),
            Err(e) => break e,
        }
        assert!(filed.len() < 5000, "filing never filled the disk");
    };
    assert_disk_full(&again);

    let check = |store: &Store, filed: &[String]| {
        for tracking in filed {
            store.application(tracking).unwrap();
        }
        // Each filed with its identity PDF; `attached` of them got a photo too.
        let documents: usize = filed
            .iter()
            .map(|t| store.documents(t).unwrap().len())
            .sum();
        assert_eq!(documents, filed.len() + attached);
        assert_eq!(store.verify_audit().unwrap().broken_at, None);
    };
    check(&store, &filed);

    // Space freed: work resumes on the same open desk, and after a restart. (The restart
    // checkpoints the WAL into the database file, which needs room of its own: with only a
    // little freed, the reopen is refused as "disk full" too, and opens once more is freed.)
    std::fs::remove_file(&ballast).unwrap();
    let app = store
        .file_application(&admin, &support::eri_request(citizen.id), &clock())
        .unwrap();
    filed.push(app.tracking_number.to_string());
    drop(store);
    let store = Store::open(&db).unwrap();
    check(&store, &filed);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}
