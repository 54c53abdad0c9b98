//! `ariza-portal-demo load`: a synthetic quarter whose per-region totals, in-person share and
//! rejection rates follow the published figures for 2022 Q1 (copied into
//! `crates/ariza-demo/data/psc-applications-2022q1.csv`, embedded at build time), scaled by
//! `scale`, loaded through the same `ops::ingest::receive` the desks' pushes go through.
//!
//! The source has known defects, resolved here and in the README: the regions' rows are
//! authoritative (their notes say which figures were derived), the national row is not used
//! (its in-person and online figures disagree with the regions' sums by 900 and 906), and
//! Tashkent region's unreadable rejection count is the national count minus the other regions'
//! (131,348).

use std::collections::BTreeMap;

use ariza_core::citizen::Sex;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::tracking::TrackingNumber;
use ariza_core::wire::{Channel, WireApplication, WireCitizen};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use ariza_core::application::Status;
use ariza_core::wire::WireCenter;
use ariza_portal::ops::ingest::{Sender, receive};
use ariza_portal::reports::ReportRow;
use ariza_portal::{Portal, PortalError};

const Q1_2022: &str = include_str!("../data/psc-applications-2022q1.csv");

/// The CSV's region codes and the SOATO codes the rest of Ariza uses.
const SOATO: &[(&str, &str)] = &[
    ("KR", "1735"),
    ("AN", "1703"),
    ("BU", "1706"),
    ("JI", "1708"),
    ("QA", "1710"),
    ("NV", "1712"),
    ("NM", "1714"),
    ("SA", "1718"),
    ("SU", "1722"),
    ("SI", "1724"),
    ("TS", "1726"),
    ("TV", "1727"),
    ("FA", "1730"),
    ("XO", "1733"),
];

/// One region's published figures for the quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionFigures {
    pub letters: String,
    pub soato: String,
    pub total: i64,
    pub in_person: i64,
    pub online: i64,
    pub rejected: i64,
}

/// The published table, cleaned as described in the module docs.
pub fn published_2022q1() -> Result<Vec<RegionFigures>, String> {
    let mut regions = Vec::new();
    let mut national_rejected = None;
    let mut missing_rejected = None;
    for line in Q1_2022.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        // The name may hold an apostrophe but never a comma; the note is last.
        let cols: Vec<&str> = line.splitn(7, ',').collect();
        if cols.len() < 6 {
            return Err(format!("short line: {line}"));
        }
        let num = |s: &str| s.trim().parse::<i64>().ok();
        if cols[0] == "UZ" {
            national_rejected = num(cols[5]);
            continue;
        }
        let soato = SOATO
            .iter()
            .find(|(l, _)| *l == cols[0])
            .map(|(_, s)| s.to_string())
            .ok_or_else(|| format!("unknown region {}", cols[0]))?;
        let (total, in_person, online) = (
            num(cols[2]).ok_or("total")?,
            num(cols[3]).ok_or("in_person")?,
            num(cols[4]).ok_or("online")?,
        );
        if in_person + online != total {
            return Err(format!("{}: in person + online ≠ total", cols[0]));
        }
        let rejected = match num(cols[5]) {
            Some(r) => r,
            None => {
                missing_rejected = Some(regions.len());
                0
            }
        };
        regions.push(RegionFigures {
            letters: cols[0].to_string(),
            soato,
            total,
            in_person,
            online,
            rejected,
        });
    }
    if let Some(i) = missing_rejected {
        let national = national_rejected.ok_or("no national rejected figure")?;
        let others: i64 = regions.iter().map(|r| r.rejected).sum();
        regions[i].rejected = national - others;
    }
    Ok(regions)
}

/// The quarter's days, 2022-01-01 to 2022-03-31.
pub fn quarter_days() -> Vec<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap_or_default();
    (0..90).map(|d| start + Duration::days(d)).collect()
}

/// Whether item `i` of `n` is one of `k` chosen, spread evenly (Bresenham).
fn chosen(i: i64, n: i64, k: i64) -> bool {
    n > 0 && (i + 1) * k / n > i * k / n
}

fn scaled(x: i64, scale: f64) -> i64 {
    (x as f64 * scale).round() as i64
}

/// What the generator makes for one region, application by application: (day index, center
/// index, online, final status). Pure, so the tests compute the expected table from it.
pub fn region_plan(f: &RegionFigures, scale: f64) -> Vec<(usize, usize, bool, Status)> {
    let n = scaled(f.total, scale);
    let online = scaled(f.online, scale).min(n);
    let rejected = scaled(f.rejected, scale).min(n);
    let centers = centers_for(n);
    (0..n)
        .map(|i| {
            let day = (i * 90 / n.max(1)) as usize;
            let is_online = chosen(i, n, online);
            // Rejections are spread from the other end, so they fall on both channels.
            let status = if chosen(n - 1 - i, n, rejected) {
                Status::Rejected
            } else if day >= 87 {
                // Received in the quarter's last three days: not decided yet.
                Status::InReview
            } else {
                Status::Completed
            };
            (day, (i as usize) % centers, is_online, status)
        })
        .collect()
}

/// About one center per 40,000 applications a quarter (some 215 nationally at scale 1).
fn centers_for(n: i64) -> usize {
    ((n + 39_999) / 40_000).max(1) as usize
}

fn center_code(f: &RegionFigures, index: usize) -> String {
    format!("{}{:02}", f.letters, index + 1)
}

/// The table the generator promises for `scale`, by region (SOATO code).
pub fn expected(scale: f64) -> Result<BTreeMap<String, ReportRow>, String> {
    let mut out = BTreeMap::new();
    for f in published_2022q1()? {
        let mut row = ReportRow {
            code: f.soato.clone(),
            ..ReportRow::default()
        };
        for (_, _, online, status) in region_plan(&f, scale) {
            row.total += 1;
            if online {
                row.online += 1;
            } else {
                row.in_person += 1;
            }
            match status {
                Status::Rejected => row.rejected += 1,
                Status::Completed => row.completed += 1,
                _ => row.in_review += 1,
            }
        }
        out.insert(f.soato, row);
    }
    Ok(out)
}

const SURNAMES: &[&str] = &[
    "Karimov",
    "Aliyeva",
    "Yusupov",
    "Rahimova",
    "Toshmatov",
    "Qodirova",
];
const GIVEN: &[&str] = &["Sherzod", "Dilnoza", "Aziz", "Malika", "Jasur", "Nigora"];

/// The verification code of a demo application, derived from its tracking number so that the
/// status-page benchmark can look demo applications up. Demo data only: a desk draws its codes
/// from the operating system's random source.
pub fn demo_receipt_code(tracking_number: &str) -> ariza_core::receipt_code::ReceiptCode {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("ariza-demo\0{tracking_number}").as_bytes());
    let mut bytes = [0u8; ariza_core::receipt_code::RANDOM_BYTES];
    bytes.copy_from_slice(&digest[..ariza_core::receipt_code::RANDOM_BYTES]);
    ariza_core::receipt_code::ReceiptCode::from_random(bytes)
}

fn application(
    center: &str,
    day: NaiveDate,
    device: u32,
    seq: u32,
    service: &str,
    channel: Channel,
    n: usize,
) -> WireApplication {
    let sex = if n.is_multiple_of(2) {
        Sex::Male
    } else {
        Sex::Female
    };
    let birth = NaiveDate::from_ymd_opt(
        1950 + (n % 50) as i32,
        1 + (n % 12) as u32,
        1 + (n % 28) as u32,
    )
    .unwrap_or_default();
    let tracking = TrackingNumber::new(center, day, device, seq);
    WireApplication {
        id: Uuid::now_v7(),
        receipt_code: Some(demo_receipt_code(tracking.as_str()).as_str().to_string()),
        tracking_number: tracking.as_str().to_string(),
        channel,
        service_code: service.to_string(),
        catalog_version: 1,
        citizen: WireCitizen {
            pinfl: Pinfl::compose(sex, birth, (n % 1000) as u32, (n / 1000 % 1000) as u32)
                .as_str()
                .to_string(),
            document_kind: DocumentKind::Passport,
            document_number: format!("AA{:07}", n % 10_000_000),
            surname: SURNAMES[n % SURNAMES.len()].into(),
            given_name: GIVEN[n / 7 % GIVEN.len()].into(),
            patronymic: String::new(),
            birth_date: birth,
            sex,
        },
        form: BTreeMap::new(),
        fee_uzs: 0,
        clerk: "demo".into(),
        filed_at: Utc::now(),
        history: Vec::new(),
        documents: Vec::new(),
    }
}

/// What a load did.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadReport {
    pub applications: i64,
    pub centers: usize,
    pub batches: usize,
}

/// Loads the quarter at `scale`: centers, then each center-day's applications by channel in
/// batches through `store_batch`, then their decisions in bulk with the roll-up kept current.
pub async fn load_2022q1(portal: &Portal, scale: f64) -> Result<LoadReport, PortalError> {
    if !(scale > 0.0 && scale <= 1.0) {
        return Err(PortalError::BadRequest("scale is in (0, 1]".into()));
    }
    let figures = published_2022q1().map_err(PortalError::BadRequest)?;
    let services: Vec<String> = ariza_portal::catalog_in_force(portal)
        .await?
        .services
        .iter()
        .map(|s| s.code.clone())
        .collect();
    let regions = ariza_core::regions::all();
    let days = quarter_days();
    let tz = ariza_core::clock::tashkent();
    let mut report = LoadReport::default();
    let mut counter = 0usize;
    for f in &figures {
        let plan = region_plan(f, scale);
        let centers = centers_for(plan.len() as i64);
        let districts: Vec<String> = regions
            .iter()
            .find(|r| r.soato == f.soato)
            .map(|r| r.districts.iter().map(|d| d.soato.clone()).collect())
            .unwrap_or_default();
        for c in 0..centers {
            let district = districts
                .get(c % districts.len().max(1))
                .cloned()
                .unwrap_or_default();
            let center = WireCenter {
                code: center_code(f, c),
                name: format!("{} DXM {}", f.letters, c + 1),
                region: f.soato.clone(),
                district,
            };
            ariza_portal::ops::centers::ensure_center(portal, &center).await?;
        }
        report.centers += centers;
        // Group by (center, day, channel): one receive time and channel per batch.
        let mut groups: BTreeMap<(usize, usize, bool), Vec<Status>> = BTreeMap::new();
        for (day, center, online, status) in plan {
            groups
                .entry((center, day, online))
                .or_default()
                .push(status);
        }
        for ((center, day, online), statuses) in groups {
            let code = center_code(f, center);
            let date = days[day];
            let received_at = tz
                .from_local_datetime(&date.and_hms_opt(10, 0, 0).unwrap_or_default())
                .single()
                .map(|t| t.with_timezone(&Utc));
            let channel = if online {
                Channel::Online
            } else {
                Channel::InPerson
            };
            for (chunk_no, chunk) in statuses.chunks(1000).enumerate() {
                let apps: Vec<WireApplication> = chunk
                    .iter()
                    .enumerate()
                    .map(|(k, _)| {
                        counter += 1;
                        let seq = (chunk_no * 1000 + k + 1) as u32;
                        application(
                            &code,
                            date,
                            if online { 2 } else { 1 },
                            seq,
                            &services[counter % services.len()],
                            channel,
                            counter,
                        )
                    })
                    .collect();
                let sender = Sender {
                    center_code: &code,
                    device_id: None,
                    channel,
                    received_at,
                };
                receive(portal, sender, &apps).await?;
                let settled: Vec<(Uuid, Status)> =
                    apps.iter().zip(chunk).map(|(a, s)| (a.id, *s)).collect();
                ariza_portal::ops::decisions::settle_in_bulk(
                    portal, &settled, date, &code, channel,
                )
                .await?;
                report.applications += apps.len() as i64;
                report.batches += 1;
            }
        }
    }
    ariza_portal::ops::audit::record(
        portal,
        "operator",
        "demo.load",
        "2022q1",
        &format!("scale={scale} applications={}", report.applications),
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_table_is_read_and_cleaned() {
        let regions = published_2022q1().unwrap();
        assert_eq!(regions.len(), 14);
        let total: i64 = regions.iter().map(|r| r.total).sum();
        assert_eq!(
            total, 8_547_188,
            "the regions' sum (the national row says 8,547,194)"
        );
        let tv = regions.iter().find(|r| r.letters == "TV").unwrap();
        assert_eq!(tv.rejected, 720_642 - 589_294);
        let rejected: i64 = regions.iter().map(|r| r.rejected).sum();
        assert_eq!(rejected, 720_642);
    }

    #[test]
    fn the_plan_follows_the_figures_at_scale() {
        let regions = published_2022q1().unwrap();
        let scale = 0.01;
        let expected = expected(scale).unwrap();
        for f in &regions {
            let e = &expected[&f.soato];
            assert_eq!(e.total, scaled(f.total, scale));
            assert_eq!(e.online, scaled(f.online, scale));
            assert_eq!(e.rejected, scaled(f.rejected, scale));
            assert_eq!(e.total, e.completed + e.rejected + e.in_review);
        }
    }
}
