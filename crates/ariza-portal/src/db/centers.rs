//! Centers and their staff accounts.

use ariza_core::wire::{StaffChange, WireCenter};
use tokio_postgres::{Error, Row};

use super::{GenericClient, Transaction};

pub(crate) async fn insert(db: &impl GenericClient, center: &WireCenter) -> Result<(), Error> {
    let statement = db
        .prepare_cached("INSERT INTO center (code, name, region, district) VALUES ($1, $2, $3, $4)")
        .await?;
    db.execute(
        &statement,
        &[&center.code, &center.name, &center.region, &center.district],
    )
    .await?;
    Ok(())
}

/// Inserts a center unless its code exists; whether it was inserted.
pub(crate) async fn insert_if_absent(
    db: &impl GenericClient,
    center: &WireCenter,
) -> Result<bool, Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO center (code, name, region, district) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .await?;
    let n = db
        .execute(
            &statement,
            &[&center.code, &center.name, &center.region, &center.district],
        )
        .await?;
    Ok(n == 1)
}

fn center(row: &Row) -> Result<WireCenter, Error> {
    Ok(WireCenter {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        region: row.try_get("region")?,
        district: row.try_get("district")?,
    })
}

/// The center, locked for the rest of the transaction.
pub(crate) async fn lock(tx: &Transaction<'_>, code: &str) -> Result<WireCenter, Error> {
    let statement = tx
        .prepare_cached(
            "SELECT code, name, region, district FROM center WHERE code = $1 FOR UPDATE",
        )
        .await?;
    center(&tx.query_one(&statement, &[&code]).await?)
}

pub(crate) async fn upsert_staff(
    db: &impl GenericClient,
    center: &str,
    staff: &StaffChange,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO center_staff (center_code, username, full_name, role, active, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (center_code, username) DO UPDATE SET full_name = excluded.full_name, role = excluded.role,
             active = excluded.active, password_hash = excluded.password_hash",
        )
        .await?;
    db.execute(
        &statement,
        &[
            &center,
            &staff.username,
            &staff.full_name,
            &staff.role.as_str(),
            &staff.active,
            &staff.password_hash,
        ],
    )
    .await?;
    Ok(())
}

/// Every center, in one region or the nation, by code.
pub(crate) async fn list(
    db: &impl GenericClient,
    region: Option<&str>,
) -> Result<Vec<WireCenter>, Error> {
    let statement = db
        .prepare_cached(
            "SELECT code, name, region, district FROM center
             WHERE $1::text IS NULL OR region = $1 ORDER BY code",
        )
        .await?;
    db.query(&statement, &[&region])
        .await?
        .iter()
        .map(center)
        .collect()
}
