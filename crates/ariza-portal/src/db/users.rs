//! Portal users: operators and agency staff.

use tokio_postgres::{Error, Row};

use super::GenericClient;

/// A stored account: role, agency, PHC password hash.
pub(crate) struct UserRow {
    pub role: String,
    pub agency: Option<String>,
    pub password_hash: String,
}

impl UserRow {
    fn from_row(row: &Row) -> Result<UserRow, Error> {
        Ok(UserRow {
            role: row.try_get("role")?,
            agency: row.try_get("agency")?,
            password_hash: row.try_get("password_hash")?,
        })
    }
}

pub(crate) async fn find(
    db: &impl GenericClient,
    username: &str,
) -> Result<Option<UserRow>, Error> {
    let statement = db
        .prepare_cached("SELECT role, agency, password_hash FROM portal_user WHERE username = $1")
        .await?;
    db.query_opt(&statement, &[&username])
        .await?
        .as_ref()
        .map(UserRow::from_row)
        .transpose()
}

pub(crate) async fn insert(
    db: &impl GenericClient,
    username: &str,
    full_name: &str,
    role: &str,
    agency: Option<&str>,
    password_hash: &str,
) -> Result<(), Error> {
    let statement = db
        .prepare_cached(
            "INSERT INTO portal_user (username, full_name, role, agency, password_hash) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    db.execute(
        &statement,
        &[&username, &full_name, &role, &agency, &password_hash],
    )
    .await?;
    Ok(())
}
