//! The 14 regions and their districts with SOATO codes, shipped with the binary.

use serde::Serialize;
use ts_rs::TS;

use crate::i18n::LocalizedText;
use crate::translit::latin_to_cyrillic;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct District {
    pub soato: String,
    pub name: LocalizedText,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Region {
    pub soato: String,
    pub name: LocalizedText,
    pub districts: Vec<District>,
}

const REGIONS_TSV: &str = include_str!("../data/regions.tsv");
const DISTRICTS_TSV: &str = include_str!("../data/districts.tsv");

fn rows(tsv: &'static str) -> impl Iterator<Item = (String, LocalizedText)> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let code = cols.next()?.to_string();
            let uz = cols.next()?;
            let ru = cols.next()?;
            let en = cols.next()?;
            Some((
                code,
                LocalizedText {
                    uz_latn: uz.to_string(),
                    uz_cyrl: latin_to_cyrillic(uz),
                    ru: ru.to_string(),
                    en: en.to_string(),
                },
            ))
        })
}

/// All regions in the official order, each with its districts sorted by code.
pub fn all() -> Vec<Region> {
    let mut regions: Vec<Region> = rows(REGIONS_TSV)
        .map(|(soato, name)| Region {
            soato,
            name,
            districts: Vec::new(),
        })
        .collect();
    for (soato, name) in rows(DISTRICTS_TSV) {
        if let Some(region) = regions.iter_mut().find(|r| soato.starts_with(&r.soato)) {
            region.districts.push(District { soato, name });
        }
    }
    regions
}

/// True when `district` is a district of `region`.
pub fn district_in_region(region: &str, district: &str) -> bool {
    all()
        .iter()
        .any(|r| r.soato == region && r.districts.iter().any(|d| d.soato == district))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_regions_each_with_districts() {
        let regions = all();
        assert_eq!(regions.len(), 14);
        for r in &regions {
            assert!(
                r.districts.len() >= 5,
                "{} has {}",
                r.name.en,
                r.districts.len()
            );
            for d in &r.districts {
                assert_eq!(d.soato.len(), 7);
                assert!(d.soato.starts_with(&r.soato));
            }
        }
        assert!(district_in_region("1726", "1726294"));
        assert!(!district_in_region("1703", "1726294"));
        let tashkent = regions.iter().find(|r| r.soato == "1726").unwrap();
        assert_eq!(tashkent.name.uz_cyrl, "Тошкент шаҳри");
    }
}
