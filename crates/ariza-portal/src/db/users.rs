//! Portal users: operators and agency staff.

use sqlx::PgExecutor;

/// A stored account: role, agency, PHC password hash.
pub(crate) struct UserRow {
    pub role: String,
    pub agency: Option<String>,
    pub password_hash: String,
}

pub(crate) async fn find(
    db: impl PgExecutor<'_>,
    username: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT role, agency, password_hash FROM portal_user WHERE username = $1")
            .bind(username)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(role, agency, password_hash)| UserRow {
        role,
        agency,
        password_hash,
    }))
}

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
