//! Centers and their staff accounts.

use ariza_core::wire::{StaffChange, WireCenter};
use sqlx::{PgConnection, PgExecutor};

pub(crate) async fn insert(
    db: impl PgExecutor<'_>,
    center: &WireCenter,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO center (code, name, region, district) VALUES ($1, $2, $3, $4)")
        .bind(&center.code)
        .bind(&center.name)
        .bind(&center.region)
        .bind(&center.district)
        .execute(db)
        .await?;
    Ok(())
}

/// Inserts a center unless its code exists; whether it was inserted.
pub(crate) async fn insert_if_absent(
    db: impl PgExecutor<'_>,
    center: &WireCenter,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query(
        "INSERT INTO center (code, name, region, district) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(&center.code)
    .bind(&center.name)
    .bind(&center.region)
    .bind(&center.district)
    .execute(db)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The center, locked for the rest of the transaction.
pub(crate) async fn lock(conn: &mut PgConnection, code: &str) -> Result<WireCenter, sqlx::Error> {
    let (code, name, region, district): (String, String, String, String) = sqlx::query_as(
        "SELECT code, name, region, district FROM center WHERE code = $1 FOR UPDATE",
    )
    .bind(code)
    .fetch_one(conn)
    .await?;
    Ok(WireCenter {
        code,
        name,
        region,
        district,
    })
}

pub(crate) async fn upsert_staff(
    conn: &mut PgConnection,
    center: &str,
    staff: &StaffChange,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO center_staff (center_code, username, full_name, role, active, password_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (center_code, username) DO UPDATE SET full_name = excluded.full_name, role = excluded.role,
             active = excluded.active, password_hash = excluded.password_hash",
    )
    .bind(center)
    .bind(&staff.username)
    .bind(&staff.full_name)
    .bind(staff.role.as_str())
    .bind(staff.active)
    .bind(&staff.password_hash)
    .execute(conn)
    .await?;
    Ok(())
}
