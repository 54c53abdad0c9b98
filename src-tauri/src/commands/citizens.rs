//! Finding, registering and opening citizens.

use ariza_core::citizen::{Citizen, CitizenInput};
use ariza_core::regions::Region;
use ariza_store::{CitizenMatch, MergeReport};
use tauri::AppHandle;

use super::off_main;
use crate::error::Reply;

/// How many matches the search list shows.
const MATCHES_SHOWN: usize = 20;

#[tauri::command]
pub async fn regions(app: AppHandle) -> Reply<Vec<Region>> {
    off_main(app, |_| Ok(ariza_core::regions::all())).await
}

#[tauri::command]
pub async fn find_citizens(app: AppHandle, query: String) -> Reply<Vec<CitizenMatch>> {
    off_main(app, move |desk| {
        desk.actor()?;
        Ok(desk.store()?.find_citizens(&query, MATCHES_SHOWN)?)
    })
    .await
}

#[tauri::command]
pub async fn register_citizen(app: AppHandle, input: CitizenInput) -> Reply<Citizen> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk
            .store()?
            .register_citizen(&actor, &input, &desk.clock)?)
    })
    .await
}

/// Citizens who may be the one about to be registered (the same folded name and birth date),
/// shown before saving.
#[tauri::command]
pub async fn likely_duplicates(app: AppHandle, input: CitizenInput) -> Reply<Vec<CitizenMatch>> {
    off_main(app, move |desk| {
        desk.actor()?;
        Ok(desk.store()?.likely_duplicates(&input)?)
    })
    .await
}

#[tauri::command]
pub async fn get_citizen(app: AppHandle, id: i64) -> Reply<Citizen> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk.store()?.open_citizen(&actor, id, &desk.clock)?)
    })
    .await
}

/// A supervisor merges two records of one person: `merged`'s applications move to `survivor`.
#[tauri::command]
pub async fn merge_citizens(
    app: AppHandle,
    survivor: i64,
    merged: i64,
    reason: String,
) -> Reply<MergeReport> {
    off_main(app, move |desk| {
        let actor = desk.actor()?;
        Ok(desk
            .store()?
            .merge_citizens(&actor, survivor, merged, &reason, &desk.clock)?)
    })
    .await
}
