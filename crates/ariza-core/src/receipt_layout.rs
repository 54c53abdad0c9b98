//! The paper a receipt is laid out for: the center's setting picks the default, the clerk may
//! print another.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReceiptLayout {
    A4,
    #[default]
    A5,
    /// An 80 mm thermal roll, as long as the receipt needs.
    Roll80,
}

impl ReceiptLayout {
    pub const ALL: [ReceiptLayout; 3] =
        [ReceiptLayout::A4, ReceiptLayout::A5, ReceiptLayout::Roll80];

    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptLayout::A4 => "a4",
            ReceiptLayout::A5 => "a5",
            ReceiptLayout::Roll80 => "roll80",
        }
    }

    pub fn parse(s: &str) -> Option<ReceiptLayout> {
        ReceiptLayout::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_reads_back_from_its_name_and_from_json() {
        for l in ReceiptLayout::ALL {
            assert_eq!(ReceiptLayout::parse(l.as_str()), Some(l));
            let json = serde_json::to_string(&l).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", l.as_str()));
        }
        assert_eq!(ReceiptLayout::parse("letter"), None);
    }
}
