//! Portal users: operators and agency staff.

use sqlx::PgExecutor;

pub(crate) async fn insert(
    db: impl PgExecutor<'_>,
    username: &str,
    full_name: &str,
    role: &str,
    agency: Option<&str>,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO portal_user (username, full_name, role, agency, password_hash) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(username)
    .bind(full_name)
    .bind(role)
    .bind(agency)
    .bind(password_hash)
    .execute(db)
    .await?;
    Ok(())
}
