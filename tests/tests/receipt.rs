//! The citizen's receipt: every layout in every locale rendered to PDF, turned into PNG by
//! `pdftoppm` (saved under test-output/receipts/ to be looked at), its text read back by
//! `pdftotext` (the font embedded, every Uzbek letter there), its QR code decoded by `zbarimg`
//! and its seal verified with the desk's key as the portal knows it; a tampered one fails, on
//! the portal's status page too.

// Test helpers fail loudly on purpose: a panic is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ariza_core::i18n::{Locale, Localizer};
use ariza_core::receipt_layout::ReceiptLayout;
use ariza_core::receipt_seal::ReceiptClaim;
use ariza_e2e::desk::{enrolled_desk, file_with_documents};
use ariza_e2e::portal::TestPortal;
use ed25519_dalek::{Signature, VerifyingKey};

fn out_dir() -> PathBuf {
    let dir = ariza_e2e::workspace_root().join("test-output/receipts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e} (scripts/setup.sh --test installs it)"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF as a PNG page at 150 dpi; the PNG's path.
fn to_png(pdf: &Path) -> PathBuf {
    let prefix = pdf.with_extension("");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    pdf.with_extension("png")
}

fn verifies(key: &VerifyingKey, qr_text: &str) -> bool {
    let Some((claim, signature)) = ReceiptClaim::from_qr_text(qr_text) else {
        return false;
    };
    key.verify_strict(&claim.signing_input(), &Signature::from_bytes(&signature))
        .is_ok()
}

#[test]
fn every_layout_in_every_locale_prints_and_its_qr_code_is_sealed_by_the_desk() {
    let portal = TestPortal::start();
    let dir = tempfile::tempdir().unwrap();
    let (store, admin, engine) = enrolled_desk(&portal, &dir, "rcp01");
    let pdf = ariza_e2e::desk::large_pdf(20_000, 3);
    let (id, _) = file_with_documents(&store, &admin, &pdf);
    engine.sync_once(&store).unwrap();
    let device = store.enrollment().unwrap().unwrap().device_id;
    let public_key: String =
        portal.scalar("SELECT public_key FROM device WHERE id = $1", &[&device]);
    let key =
        VerifyingKey::from_bytes(&hex::decode(public_key).unwrap().try_into().unwrap()).unwrap();
    let l10n = Localizer::new();
    let app = store.application(&id).unwrap();
    let catalog = store.catalog().unwrap();
    let service = catalog.service(&app.service_code).unwrap();

    for layout in ReceiptLayout::ALL {
        for locale in Locale::ALL {
            let printed = ariza_receipt::desk::receipt(
                &store,
                &id,
                Some(layout),
                Some(locale),
                Locale::En,
                &l10n,
            )
            .unwrap();
            assert_eq!((printed.layout, printed.locale), (layout, locale));
            let name = format!("{}-{}", layout.as_str(), locale.tag());
            let file = out_dir().join(format!("{name}.pdf"));
            std::fs::write(&file, &printed.pdf).unwrap();

            // The words are the citizen's language's, in the embedded font.
            let text = run("pdftotext", &[file.to_str().unwrap(), "-"]);
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for expected in [
                l10n.tr(locale, "ui-receipt-title", &[]),
                app.tracking_number.as_str().to_string(),
                app.receipt_code.clone().unwrap(),
                service.name.get(locale).to_string(),
                "Test DXM".to_string(),
            ] {
                assert!(
                    flat.contains(&expected),
                    "{name}: {expected:?} not in {flat}"
                );
            }
            let received = store.documents(&id).unwrap();
            assert_eq!(received.len(), 2);
            for doc in service
                .documents
                .iter()
                .filter(|d| received.iter().any(|r| r.requirement_key == d.key))
            {
                let label = doc
                    .name
                    .get(locale)
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string();
                assert!(
                    flat.contains(&label),
                    "{name}: document {label:?} not in {flat}"
                );
            }
            let fonts = run("pdffonts", &[file.to_str().unwrap()]);
            assert!(fonts.contains("DejaVuSans"), "{name}: {fonts}");
            assert!(
                fonts.lines().skip(2).all(|l| l.contains(" yes ")),
                "{name}: every font embedded: {fonts}"
            );

            // The QR code, decoded from the picture, is what the desk sealed.
            let png = to_png(&file);
            let decoded = run("zbarimg", &["--raw", "-q", png.to_str().unwrap()]);
            assert_eq!(decoded.trim(), printed.qr_text, "{name}");
            assert!(
                printed
                    .qr_text
                    .starts_with(&format!("{}/status#n=", portal.url)),
                "{}",
                printed.qr_text
            );
            assert!(verifies(&key, decoded.trim()), "{name}: the seal verifies");
        }
    }

    // Tampered: another number, another code, another signature — none verifies.
    let printed =
        ariza_receipt::desk::receipt(&store, &id, None, None, Locale::UzLatn, &l10n).unwrap();
    let (claim, signature) = ReceiptClaim::from_qr_text(&printed.qr_text).unwrap();
    let mut other = claim.clone();
    other.tracking_number = ariza_core::tracking::TrackingNumber::new(
        "RCP01",
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        1,
        99,
    );
    assert!(!verifies(&key, &other.qr_text(&signature)));
    let mut other = claim.clone();
    other.code = ariza_core::receipt_code::ReceiptCode::parse("ZZZZ-ZZZZ").unwrap();
    assert!(!verifies(&key, &other.qr_text(&signature)));
    let mut bent = signature;
    bent[10] ^= 1;
    assert!(!verifies(&key, &claim.qr_text(&bent)));
    // The control: untouched, it verifies.
    assert!(verifies(&key, &printed.qr_text));
    // The desk's setting and the filing's choice pick the defaults.
    assert_eq!(printed.layout, ReceiptLayout::A5);
    assert_eq!(printed.locale, Locale::UzLatn);

    // The portal's status page: the sealed receipt is verified, a tampered one is not.
    let client = reqwest::blocking::Client::new();
    let post = |seal: &str| {
        client
            .post(format!("{}/status", portal.url))
            .form(&[
                ("tracking", claim.tracking_number.as_str()),
                ("code", claim.code.as_str()),
                ("seal_device", &claim.device_id.to_string()),
                ("seal", seal),
                ("seal_url", &claim.status_url),
            ])
            .send()
            .unwrap()
    };
    let good = post(&hex::encode(signature));
    assert_eq!(good.status().as_u16(), 200);
    let body = good.text().unwrap();
    assert!(body.contains("id=\"receipt-verified\""), "{body}");
    let bad = post(&hex::encode(bent)).text().unwrap();
    assert!(bad.contains("id=\"receipt-not-verified\""), "{bad}");
    assert!(!bad.contains("id=\"receipt-verified\""));
    // Revoked, the desk's key vouches for nothing.
    portal.execute(&format!(
        "UPDATE device SET revoked_at = now() WHERE id = '{device}'"
    ));
    let revoked = post(&hex::encode(signature)).text().unwrap();
    assert!(revoked.contains("id=\"receipt-not-verified\""), "{revoked}");
}
