//! The receipt's verification code: the short secret that, with the tracking number, lets a
//! citizen look their application up on the portal's status page.
//!
//! Tracking numbers follow a pattern (center, date, device, sequence), so anyone can guess
//! valid ones; the code is what only the receipt's holder knows. It is made on the desk at
//! filing from 40 random bits, written as 8 characters of Crockford's base32 (`7KQ4-M2XD`):
//! no I, L, O or U, so nothing reads as another character, and what a person types is
//! normalized (any case, `O` as `0`, `I`/`L` as `1`, spaces and dashes ignored). It is chosen
//! over the PINFL's last digits, which are ten thousand guesses, tie the lookup to personal
//! data, and are known to anyone who has seen the citizen's card.
//!
//! The portal keeps only [`digest`], never the code.

use sha2::{Digest, Sha256};

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The characters of a code: 8 × 5 bits = 40 bits.
pub const CODE_CHARS: usize = 8;

/// How many random bytes make a code.
pub const RANDOM_BYTES: usize = 5;

/// A verification code, normalized: 8 characters of [`ALPHABET`], no dash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// The code of 40 random bits (the caller draws them: no IO here).
    pub fn from_random(bytes: [u8; RANDOM_BYTES]) -> ReceiptCode {
        let mut bits: u64 = 0;
        for b in bytes {
            bits = (bits << 8) | u64::from(b);
        }
        let code = (0..CODE_CHARS)
            .rev()
            .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
            .collect();
        ReceiptCode(code)
    }

    /// Reads a code as a person typed or a desk stored it; `None` if it is not one.
    pub fn parse(input: &str) -> Option<ReceiptCode> {
        let mut code = String::with_capacity(CODE_CHARS);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\u{2010}'..='\u{2015}' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            code.push(c);
        }
        (code.len() == CODE_CHARS).then_some(ReceiptCode(code))
    }

    /// As stored and sent: `7KQ4M2XD`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As printed: `7KQ4-M2XD`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..4], &self.0[4..])
    }
}

/// What the portal keeps of a code: a SHA-256 over the tracking number and the code, so a
/// digest from one application says nothing of another's.
pub fn digest(tracking_number: &str, code: &ReceiptCode) -> String {
    let mut h = Sha256::new();
    h.update(b"ariza-receipt-code\0");
    h.update(tracking_number.to_ascii_uppercase().as_bytes());
    h.update(b"\0");
    h.update(code.as_str().as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_bits_make_eight_characters_that_read_back() {
        let code = ReceiptCode::from_random([0x3a, 0x5f, 0x11, 0xc2, 0x9e]);
        assert_eq!(code.as_str().len(), CODE_CHARS);
        assert_eq!(ReceiptCode::parse(code.as_str()), Some(code.clone()));
        assert_eq!(ReceiptCode::parse(&code.display()), Some(code.clone()));
        assert_eq!(
            ReceiptCode::from_random([0; 5]).as_str(),
            "00000000",
            "all zero bits"
        );
        assert_eq!(ReceiptCode::from_random([0xff; 5]).as_str(), "ZZZZZZZZ");
        assert_ne!(
            ReceiptCode::from_random([0, 0, 0, 0, 1]),
            ReceiptCode::from_random([0, 0, 0, 0, 2])
        );
    }

    #[test]
    fn what_a_person_types_is_normalized() {
        let code = ReceiptCode::parse("7KQ4-M2XD").unwrap();
        assert_eq!(ReceiptCode::parse(" 7kq4 m2xd "), Some(code.clone()));
        assert_eq!(ReceiptCode::parse("7KQ4–M2XD"), Some(code));
        assert_eq!(
            ReceiptCode::parse("OIL0-0000").unwrap().as_str(),
            "01100000"
        );
        for bad in ["", "7KQ4-M2X", "7KQ4-M2XDA", "7KQ4-M2XU", "7KQ4-M2Xʻ"] {
            assert_eq!(ReceiptCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_digest_binds_the_code_to_its_tracking_number() {
        let code = ReceiptCode::parse("7KQ4M2XD").unwrap();
        let a = digest("TSH07-261122-01-00042-X", &code);
        assert_eq!(a, digest("tsh07-261122-01-00042-x", &code));
        assert_ne!(a, digest("TSH07-261122-01-00043-X", &code));
        assert!(!a.contains("7KQ4M2XD"));
    }
}
