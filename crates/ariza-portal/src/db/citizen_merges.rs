//! Citizen merges received from desks, and the applications each moved.

use ariza_core::wire::CitizenMerge;
use tokio_postgres::Error;
use uuid::Uuid;

use super::{GenericClient, Transaction};

/// Records a merge unless its id is already stored; whether it was recorded now.
pub(crate) async fn insert(
    tx: &Transaction<'_>,
    merge: &CitizenMerge,
    device: Uuid,
    center_code: &str,
    body: &serde_json::Value,
) -> Result<bool, Error> {
    let inserted = tx
        .execute(
            &tx.prepare_cached(
                "INSERT INTO citizen_merge (id, device_id, center_code, body) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&merge.id, &device, &center_code, body],
        )
        .await?
        == 1;
    if inserted {
        tx.execute(
            &tx.prepare_cached(
                "INSERT INTO citizen_merge_application (application_id, merge_id)
                 SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING",
            )
            .await?,
            &[&merge.applications, &merge.id],
        )
        .await?;
    }
    Ok(inserted)
}

/// The device that sent the merge stored under `id`, if any.
pub(crate) async fn sender(tx: &Transaction<'_>, id: Uuid) -> Result<Option<Uuid>, Error> {
    let row = tx
        .query_opt(
            &tx.prepare_cached("SELECT device_id FROM citizen_merge WHERE id = $1")
                .await?,
            &[&id],
        )
        .await?;
    row.map(|r| r.try_get(0)).transpose()
}

/// Puts the survivor in the stored bodies of the center's applications the merge moved that
/// still name the merged record; how many.
pub(crate) async fn apply(
    tx: &Transaction<'_>,
    center_code: &str,
    applications: &[Uuid],
    merged: &serde_json::Value,
    survivor: &serde_json::Value,
) -> Result<u64, Error> {
    tx.execute(
        &tx.prepare_cached(
            "UPDATE application SET body = jsonb_set(body, '{citizen}', $4), updated_at = now()
             WHERE id = ANY($1) AND center_code = $2 AND body->'citizen' = $3",
        )
        .await?,
        &[&applications, &center_code, merged, survivor],
    )
    .await
}

/// The merges that moved an application, newest first. A body that no longer reads as a
/// merge is an error, never skipped: skipping it could turn a redelivery into a conflict.
pub(crate) async fn for_application(
    db: &impl GenericClient,
    application: Uuid,
) -> Result<Vec<serde_json::Value>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT m.body FROM citizen_merge_application a JOIN citizen_merge m ON m.id = a.merge_id
             WHERE a.application_id = $1 ORDER BY m.seq DESC",
        )
        .await?;
    db.query(&statement, &[&application])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}

/// The merges a device sent in the last `days` days, for its return bundle.
pub(crate) async fn recorded_from(
    db: &impl GenericClient,
    device: Uuid,
    days: i32,
) -> Result<Vec<Uuid>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT id FROM citizen_merge
             WHERE device_id = $1 AND received_at > now() - make_interval(days => $2)
             ORDER BY seq",
        )
        .await?;
    db.query(&statement, &[&device, &days])
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}
