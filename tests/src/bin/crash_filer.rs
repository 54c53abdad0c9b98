//! Files applications in a loop and prints each tracking number only after its commit has
//! returned. The crash test SIGKILLs this process at random moments and then checks that every
//! printed number is in the database, intact.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use ariza_core::application::FileRequest;
use ariza_core::citizen::{CitizenInput, Sex};
use ariza_core::clock::SystemClock;
use ariza_core::document::DocumentKind;
use ariza_core::pinfl::Pinfl;
use ariza_core::staff::{NewStaff, Role};
use ariza_store::{SetupRequest, Store};
use chrono::NaiveDate;

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).context("usage: crash-filer DB")?;
    let store = Store::open(std::path::Path::new(&path))?;
    let clock = SystemClock;
    let actor = if store.center()?.is_none() {
        store.setup(
            &SetupRequest {
                center_code: "CRASH".into(),
                center_name: "Crash test".into(),
                region: "1726".into(),
                district: "1726294".into(),
                admin: NewStaff {
                    username: "admin".into(),
                    full_name: "Admin".into(),
                    role: Role::Admin,
                    password: "crash-pass".into(),
                },
            },
            &clock,
        )?
    } else {
        store.sign_in("admin", "crash-pass", &clock)?
    };
    let citizen = match store.find_citizens("Sinov", 1)?.first() {
        Some(m) => m.id,
        None => {
            let birth = NaiveDate::from_ymd_opt(1985, 3, 7).context("date")?;
            store
                .register_citizen(
                    &actor,
                    &CitizenInput {
                        pinfl: Pinfl::compose(Sex::Female, birth, 26, 1).to_string(),
                        document_kind: Some(DocumentKind::IdCard),
                        document_number: "AD1234567".into(),
                        surname: "Sinova".into(),
                        given_name: "Malika".into(),
                        patronymic: String::new(),
                        birth_date: "1985-03-07".into(),
                        sex: Some(Sex::Female),
                        phone: String::new(),
                        region: "1726".into(),
                        district: "1726294".into(),
                        street: String::new(),
                    },
                    &clock,
                )?
                .id
        }
    };
    let form: BTreeMap<String, serde_json::Value> =
        serde_json::from_value(serde_json::json!({"purpose": "crash test", "copies": 1}))?;
    let req = FileRequest {
        citizen_id: citizen,
        service_code: "no-criminal-record".into(),
        form,
        documents: ariza_e2e::scans::required_documents(&store, "no-criminal-record", &clock),
        receipt_locale: None,
    };
    let stdout = std::io::stdout();
    loop {
        let app = store.file_application(&actor, &req, &clock)?;
        let mut out = stdout.lock();
        writeln!(out, "{} {}", app.id, app.tracking_number)?;
        out.flush()?;
    }
}
