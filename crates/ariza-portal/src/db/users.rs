//! Portal users: operators and agency staff.

use tokio_postgres::Error;

use super::GenericClient;

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

/// Limits an operator to one region (`None`: the nation); whether such an operator exists
/// (agency staff have no region: their agency is their scope).
pub(crate) async fn set_region(
    db: &impl GenericClient,
    username: &str,
    region: Option<&str>,
) -> Result<bool, Error> {
    let statement = db
        .prepare_cached(
            "UPDATE portal_user SET region = $2 WHERE username = $1 AND role = 'operator'",
        )
        .await?;
    Ok(db.execute(&statement, &[&username, &region]).await? == 1)
}
