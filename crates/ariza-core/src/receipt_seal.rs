//! The receipt's seal: what its QR code carries and what the desk's device key signs, so the
//! portal (or anyone with the portal's device keys) can tell a receipt a desk printed from one
//! made up. No crypto here (the desk signs, the portal verifies, each with ed25519-dalek):
//! only the fields, the exact bytes signed, and the QR's text.
//!
//! The QR holds the status page's address with the fields in its fragment, so a phone's camera
//! opens the page with the form filled in, and the fragment never reaches a server's logs:
//! `https://portal/status#n=TRACKING&c=CODE&d=DEVICE&s=SIGNATURE`.

use uuid::Uuid;

use crate::receipt_code::ReceiptCode;
use crate::tracking::TrackingNumber;

/// What the seal signs, one version: a change of fields is a new version, never the same one.
const DOMAIN: &str = "ariza-receipt-seal-v1";

/// The fields a receipt's QR code carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptClaim {
    pub tracking_number: TrackingNumber,
    pub code: ReceiptCode,
    /// The status page's address, as printed (`https://…/status`).
    pub status_url: String,
    /// The desk that filed it, whose key signs.
    pub device_id: Uuid,
}

impl ReceiptClaim {
    /// The bytes the device signs: the fields on lines after a domain string, so no field can
    /// run into the next and a signature over something else never verifies here.
    pub fn signing_input(&self) -> Vec<u8> {
        format!(
            "{DOMAIN}\n{}\n{}\n{}\n{}",
            self.tracking_number.as_str(),
            self.code.as_str(),
            self.status_url,
            self.device_id
        )
        .into_bytes()
    }

    /// The QR code's text: the status page with the fields and the signature (64 bytes, in
    /// hex) in the fragment.
    pub fn qr_text(&self, signature: &[u8; 64]) -> String {
        format!(
            "{}#n={}&c={}&d={}&s={}",
            self.status_url,
            self.tracking_number.as_str(),
            self.code.as_str(),
            self.device_id,
            hex::encode(signature)
        )
    }

    /// A QR code's text read back: the claim and its signature, or nothing when it is not a
    /// sealed receipt's.
    pub fn from_qr_text(text: &str) -> Option<(ReceiptClaim, [u8; 64])> {
        let (url, fragment) = text.trim().split_once('#')?;
        let field = |name: &str| {
            fragment
                .split('&')
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        };
        let claim = ReceiptClaim {
            tracking_number: TrackingNumber::parse(field("n")?).ok()?,
            code: ReceiptCode::parse(field("c")?)?,
            status_url: url.to_string(),
            device_id: Uuid::parse_str(field("d")?).ok()?,
        };
        let signature: [u8; 64] = hex::decode(field("s")?).ok()?.try_into().ok()?;
        Some((claim, signature))
    }
}

/// The QR code's text for a receipt filed before its desk was enrolled: no device key signs
/// it, so it carries the tracking number and code for the status page to be typed from.
pub fn unsealed_text(tracking: &TrackingNumber, code: &ReceiptCode) -> String {
    format!("n={}&c={}", tracking.as_str(), code.as_str())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn claim() -> ReceiptClaim {
        ReceiptClaim {
            tracking_number: TrackingNumber::new(
                "TSH07",
                chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                1,
                42,
            ),
            code: ReceiptCode::parse("7KQ4-M2XD").unwrap(),
            status_url: "https://portal.example.uz/status".into(),
            device_id: Uuid::now_v7(),
        }
    }

    #[test]
    fn the_qr_text_reads_back_as_the_same_claim_and_signature() {
        let c = claim();
        let signature = [9u8; 64];
        let text = c.qr_text(&signature);
        assert!(text.starts_with("https://portal.example.uz/status#n="));
        assert_eq!(ReceiptClaim::from_qr_text(&text), Some((c, signature)));
    }

    #[test]
    fn every_field_is_in_what_is_signed() {
        let c = claim();
        let base = c.signing_input();
        let mut other = c.clone();
        other.status_url = "https://elsewhere.example/status".into();
        assert_ne!(other.signing_input(), base);
        let mut other = c.clone();
        other.device_id = Uuid::now_v7();
        assert_ne!(other.signing_input(), base);
        let mut other = c.clone();
        other.code = ReceiptCode::parse("7KQ4-M2XE").unwrap();
        assert_ne!(other.signing_input(), base);
    }

    #[test]
    fn text_that_is_not_a_sealed_receipt_reads_as_nothing() {
        for text in [
            "",
            "https://portal/status",
            "https://portal/status#n=x&c=y&d=z&s=00",
            &claim().qr_text(&[1; 64]).replace("&s=", "&t="),
            &claim().qr_text(&[1; 64])[..80],
        ] {
            assert_eq!(ReceiptClaim::from_qr_text(text), None, "{text}");
        }
    }
}
