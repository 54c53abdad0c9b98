//! What attaching a phone photo costs: a 12-megapixel JPEG (4000×3000, with EXIF orientation
//! as phones write it) normalized — decoded, turned upright, downscaled to 2400 px,
//! re-encoded, thumbnailed — and stored in the encrypted database, each run a different
//! photo so that nothing is deduplicated. Prints the median and the slowest of the runs,
//! normalizing alone beside normalizing and storing.
//! Run: `cargo bench -p ariza-store --bench scan` (ARIZA_BENCH_RUNS to change the 10 runs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ariza_core::clock::SystemClock;
use ariza_store::Store;
use ariza_store::scan::{ScanLimits, normalize};
use image::{DynamicImage, Rgb, RgbImage};

/// A photo-like 4000×3000 picture: smooth gradients with sensor noise, which is what makes
/// a real photo 3–6 MB as JPEG.
fn photo(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let img = RgbImage::from_fn(4000, 3000, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 24) as u8;
        Rgb([
            ((x / 16) as u8).wrapping_add(noise),
            ((y / 12) as u8).wrapping_add(noise / 2),
            (((x + y) / 28) as u8).wrapping_add(noise / 3),
        ])
    });
    let mut jpeg = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 92,
        ))
        .unwrap();
    with_orientation(&jpeg, 6)
}

fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut app1 = b"Exif\0\0II*\0".to_vec();
    app1.extend_from_slice(&8u32.to_le_bytes());
    app1.extend_from_slice(&1u16.to_le_bytes());
    app1.extend_from_slice(&0x0112u16.to_le_bytes());
    app1.extend_from_slice(&3u16.to_le_bytes());
    app1.extend_from_slice(&1u32.to_le_bytes());
    app1.extend_from_slice(&orientation.to_le_bytes());
    app1.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "median {:.0} ms, slowest {:.0} ms",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    )
}

fn main() {
    let runs: u32 = std::env::var("ARIZA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("desk.db")).unwrap();
    let photos: Vec<Vec<u8>> = (0..runs).map(photo).collect();
    let average = photos.iter().map(Vec::len).sum::<usize>() / photos.len();
    println!(
        "scan: {runs} photos 4000×3000 (12 MP), JPEG with EXIF orientation 6, {:.1} MB each on average",
        average as f64 / 1e6
    );
    let limits = ScanLimits::default();
    let mut normalize_only = Vec::new();
    let mut stored_sizes = Vec::new();
    for p in &photos {
        let start = Instant::now();
        let scan = normalize(p, "IMG.jpg", &limits).unwrap();
        normalize_only.push(start.elapsed());
        stored_sizes.push(scan.bytes.len());
    }
    let mut attach = Vec::new();
    for p in &photos {
        let start = Instant::now();
        let scan = store.store_scan(p, "IMG.jpg", &SystemClock).unwrap();
        attach.push(start.elapsed());
        assert!(!scan.already_stored);
    }
    println!(
        "  stored as 1800×2400 JPEG q{}: {:.0} KB on average, thumbnail 180×240",
        limits.jpeg_quality,
        stored_sizes.iter().sum::<usize>() as f64 / stored_sizes.len() as f64 / 1000.0
    );
    println!(
        "  normalize (decode, upright, downscale, encode, thumbnail): {}",
        summary(normalize_only)
    );
    println!(
        "  normalize + store in the encrypted database (target ≤ 500 ms): {}",
        summary(attach)
    );
}
