//! `ariza citizen`: register and find citizens.

use ariza_core::citizen::CitizenInput;
use ariza_core::error::Code;
use ariza_store::{CitizenMatch, Store};

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;
use crate::values::{DocumentKindArg, SexArg};

/// How many matches `citizen find` shows: a search, not a list to page through.
const FIND_LIMIT: usize = 50;

// Parsed once per run: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(clap::Subcommand)]
pub enum CitizenCommand {
    /// Registers a citizen. Someone with the same name (however spelled) and birth date as a
    /// citizen on file is refused as possibly already registered, unless --not-a-duplicate.
    Add {
        #[command(flatten)]
        act: ActAs,
        #[command(flatten)]
        citizen: NewCitizen,
        /// The clerk checked: a different person from the likely duplicates on file.
        #[arg(long)]
        not_a_duplicate: bool,
    },
    /// Merges two records of one person (supervisors): the merged record's applications,
    /// history and drafts move to the survivor, the merged record goes, and the portal hears
    /// of it with the next sync.
    Merge {
        #[command(flatten)]
        act: ActAs,
        /// The record to keep (its id, as `citizen find` shows it).
        #[arg(long)]
        survivor: i64,
        /// The record to merge into it.
        #[arg(long)]
        merged: i64,
        /// Why they are one person.
        #[arg(long)]
        reason: String,
    },
    /// Finds citizens by PINFL, document number, tracking number or name in either script
    /// (the best 50 matches).
    Find { query: String },
}

#[derive(clap::Args)]
pub struct NewCitizen {
    #[arg(long)]
    pinfl: String,
    #[arg(long)]
    document_kind: DocumentKindArg,
    #[arg(long)]
    document_number: String,
    #[arg(long)]
    surname: String,
    #[arg(long)]
    given_name: String,
    #[arg(long, default_value = "")]
    patronymic: String,
    /// YYYY-MM-DD
    #[arg(long)]
    birth_date: String,
    #[arg(long)]
    sex: SexArg,
    #[arg(long, default_value = "")]
    phone: String,
    #[arg(long)]
    region: String,
    #[arg(long)]
    district: String,
    #[arg(long, default_value = "")]
    street: String,
}

impl From<NewCitizen> for CitizenInput {
    fn from(c: NewCitizen) -> CitizenInput {
        CitizenInput {
            pinfl: c.pinfl,
            document_kind: Some(c.document_kind.into()),
            document_number: c.document_number,
            surname: c.surname,
            given_name: c.given_name,
            patronymic: c.patronymic,
            birth_date: c.birth_date,
            sex: Some(c.sex.into()),
            phone: c.phone,
            region: c.region,
            district: c.district,
            street: c.street,
        }
    }
}

pub fn run(ctx: &Ctx, store: &Store, command: CitizenCommand) -> Result<(), Failure> {
    match command {
        CitizenCommand::Add {
            act,
            citizen,
            not_a_duplicate,
        } => {
            let actor = act.sign_in(ctx, store)?;
            let input: CitizenInput = citizen.into();
            if !not_a_duplicate {
                let candidates = store.likely_duplicates(&input)?;
                if !candidates.is_empty() {
                    if !ctx.out.json {
                        for m in &candidates {
                            eprintln!("{}", match_line(m));
                        }
                    }
                    let ids = candidates
                        .iter()
                        .map(|m| m.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(Failure::Message(
                        Code::Conflict,
                        "cli-citizen-possible-duplicate",
                        vec![("ids", ids)],
                    ));
                }
            }
            let c = store.register_citizen(&actor, &input, &ctx.clock)?;
            ctx.out
                .report(&c, "cli-citizen-added", &[("id", c.id.to_string())])
        }
        CitizenCommand::Merge {
            act,
            survivor,
            merged,
            reason,
        } => {
            let actor = act.sign_in(ctx, store)?;
            let report = store.merge_citizens(&actor, survivor, merged, &reason, &ctx.clock)?;
            ctx.out.report(
                &report,
                "cli-citizen-merged",
                &[
                    ("merged", merged.to_string()),
                    ("survivor", survivor.to_string()),
                    ("count", report.applications_moved.to_string()),
                ],
            )
        }
        CitizenCommand::Find { query } => {
            // One more than shown says whether there are more: a search is narrowed, not
            // paged, but it never looks complete when it is not.
            let mut items = store.find_citizens(&query, FIND_LIMIT + 1)?;
            let more = items.len() > FIND_LIMIT;
            items.truncate(FIND_LIMIT);
            let found = Found { items, more };
            ctx.out.show(&found, |found| {
                if found.items.is_empty() {
                    println!("{}", ctx.out.tr("cli-none", &[]));
                }
                for m in &found.items {
                    println!("{}", match_line(m));
                }
                if found.more {
                    let shown = [("count", FIND_LIMIT.to_string())];
                    println!("{}", ctx.out.tr("cli-more-matches", &shown));
                }
            })
        }
    }
}

/// One citizen on one line: id, PINFL, document, birth date and name.
fn match_line(m: &CitizenMatch) -> String {
    format!(
        "{:>6}  {}  {:<11} {}  {}",
        m.id, m.pinfl, m.document_number, m.birth_date, m.full_name
    )
}

/// What `citizen find --json` prints: the matches, and whether more matched than shown.
#[derive(serde::Serialize)]
struct Found {
    items: Vec<CitizenMatch>,
    more: bool,
}
