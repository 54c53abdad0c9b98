//! The portal's router as its own process, for the test that SIGKILLs the portal mid-batch.
//! Usage: portal-server DATABASE_URL ADDRESS

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: portal-server DATABASE_URL ADDRESS")?;
    let addr = args
        .next()
        .context("usage: portal-server DATABASE_URL ADDRESS")?;
    let pool = ariza_portal::pool(&url, 8)?;
    ariza_portal::migrate(&pool).await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening");
    let unlimited = ariza_portal::AddressRate {
        per_minute: 1_000_000,
        burst: 100_000,
    };
    let portal = ariza_portal::Portal::with_rate(pool, 1_000_000, 100_000)
        .with_address_rates(unlimited, unlimited);
    axum::serve(
        listener,
        ariza_portal::router(portal).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await?;
    Ok(())
}
