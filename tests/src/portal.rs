//! A portal for tests: the real router on 127.0.0.1 with its own uniquely named PostgreSQL
//! database, dropped afterwards. `ARIZA_TEST_PG` overrides the admin URL.

// Test support: a failure here is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::application::Status;
use ariza_portal::Portal;
use tokio_postgres::NoTls;

pub const ADMIN_URL: &str = "postgres://ariza_test:ariza_test@127.0.0.1:5432/postgres";

/// A fresh, empty, uniquely named database, dropped (with whatever is connected to it) when
/// this is dropped. Create and drop it outside any runtime's worker (they block on one).
pub struct TestDatabase {
    pub name: String,
    admin_url: String,
}

async fn admin_execute(admin_url: &str, sql: &str) -> Result<(), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls).await?;
    let connection = tokio::spawn(connection);
    client.batch_execute(sql).await?;
    drop(client);
    let _ = connection.await;
    Ok(())
}

impl TestDatabase {
    pub fn create(rt: &tokio::runtime::Runtime) -> TestDatabase {
        let admin_url = std::env::var("ARIZA_TEST_PG").unwrap_or_else(|_| ADMIN_URL.to_string());
        let name = format!(
            "ariza_test_{}_{}",
            std::process::id(),
            uuid::Uuid::now_v7().simple()
        );
        rt.block_on(admin_execute(
            &admin_url,
            &format!("CREATE DATABASE {name}"),
        ))
        .expect("PostgreSQL (scripts/setup.sh --test)");
        TestDatabase { name, admin_url }
    }

    /// The URL of this database (with the admin's credentials).
    pub fn url(&self) -> String {
        format!(
            "{}/{}",
            self.admin_url.rsplit_once('/').map_or("", |p| p.0),
            self.name
        )
    }

    /// A pool of `max_size` connections to it, as the portal makes one.
    pub fn pool(&self, max_size: usize) -> ariza_portal::Pool {
        ariza_portal::pool(&self.url(), max_size).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // A runtime of its own: the owner's may be shutting down by now.
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            let _ = rt.block_on(admin_execute(
                &self.admin_url,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ));
        }
    }
}

/// A portal on 127.0.0.1 with its own database, torn down on drop.
pub struct TestPortal {
    pub rt: tokio::runtime::Runtime,
    pub portal: Portal,
    pub url: String,
    db: TestDatabase,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A per-address rate that no test reaches unless it means to.
pub const NO_ADDRESS_LIMIT: ariza_portal::AddressRate = ariza_portal::AddressRate {
    per_minute: 1_000_000,
    burst: 100_000,
};

impl TestPortal {
    /// A portal whose rate limits never get in the way of the fault and load tests.
    pub fn start() -> TestPortal {
        TestPortal::start_with(|p| p)
    }

    /// Per-device rate limits of the test's choosing.
    pub fn start_with_rate(per_minute: u32, burst: u32) -> TestPortal {
        TestPortal::launch(per_minute, burst, |p| p)
    }

    /// A portal changed by `configure` (sessions, per-address limits, trusted proxies) from
    /// one whose limits never get in the way.
    pub fn start_with(configure: impl FnOnce(Portal) -> Portal) -> TestPortal {
        TestPortal::launch(1_000_000, 100_000, configure)
    }

    fn launch(per_minute: u32, burst: u32, configure: impl FnOnce(Portal) -> Portal) -> TestPortal {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let db = TestDatabase::create(&rt);
        let pool = db.pool(8);
        let (portal, url, shutdown) = rt.block_on(async {
            ariza_portal::migrate(&pool).await.unwrap();
            let portal = configure(
                Portal::with_rate(pool, per_minute, burst)
                    .with_address_rates(NO_ADDRESS_LIMIT, NO_ADDRESS_LIMIT),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let app = ariza_portal::router(portal.clone())
                .into_make_service_with_connect_info::<std::net::SocketAddr>();
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await
                    .unwrap();
            });
            (portal, url, tx)
        });
        TestPortal {
            rt,
            portal,
            url,
            db,
            shutdown: Some(shutdown),
        }
    }

    /// The rows of `sql` with `params`, read straight from the portal's database.
    pub fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Vec<tokio_postgres::Row> {
        self.rt.block_on(async {
            let client = self.portal.pool.get().await.unwrap();
            client.query(sql, params).await.unwrap()
        })
    }

    /// The one value of `sql`'s one row.
    pub fn scalar<T: for<'a> tokio_postgres::types::FromSql<'a>>(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> T {
        let rows = self.query(sql, params);
        assert_eq!(rows.len(), 1, "{sql}");
        rows[0].get(0)
    }

    /// Runs statements with no result (`VACUUM ANALYZE`, say).
    pub fn execute(&self, sql: &str) {
        self.rt.block_on(async {
            let client = self.portal.pool.get().await.unwrap();
            client.batch_execute(sql).await.unwrap();
        })
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.scalar(sql, &[])
    }

    pub fn center_and_code(&self, code: &str) -> String {
        self.rt.block_on(async {
            ariza_portal::add_center(&self.portal, code, "Test DXM", "1726", "1726294")
                .await
                .unwrap();
            ariza_portal::new_enroll_code(&self.portal, code, 1)
                .await
                .unwrap()
        })
    }

    /// A portal user: an operator (`agency` None) or an agency's staff member.
    pub fn add_user(&self, username: &str, role: &str, agency: Option<&str>, password: &str) {
        self.rt.block_on(async {
            ariza_portal::add_user(&self.portal, username, username, role, agency, password)
                .await
                .unwrap();
        });
    }

    /// Signs a portal user in through the API (`POST /api/v1/session`); the bearer token.
    pub fn sign_in(&self, username: &str, password: &str) -> String {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/session", self.url))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "signing in {username}");
        let body: serde_json::Value = r.json().unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    pub fn decide(&self, key: &str, to: Status, reason: Option<&str>) {
        self.rt.block_on(async {
            ariza_portal::decide(&self.portal, key, to, reason, "agency-user")
                .await
                .unwrap()
        });
    }
}

impl TestPortal {
    /// The URL of this test's own database, for a portal run as a separate process.
    pub fn database_url(&self) -> String {
        self.db.url()
    }

    /// Stops answering, as a portal whose link went down; the database stays.
    pub fn stop_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Let the server close its listener before the caller tries to connect.
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

impl Drop for TestPortal {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // The database itself is dropped with the `db` field.
        self.portal.pool.close();
    }
}
