//! Migrated stores on both backends, so one test suite runs against each.

use std::str::FromStr;

use myca_orchestrator::{DatabaseTarget, Store};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::{postgres_url, unique_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store for one test: an SQLite file in a temporary directory, or a
/// private schema on the test PostgreSQL server (dropped by [`TestStore::finish`]).
pub struct TestStore {
    pub store: Store,
    /// Where it is, for a second connection (an orchestrator restarted on it).
    pub target: DatabaseTarget,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(PgPool, String)>,
}

impl TestStore {
    /// Opened but not migrated.
    pub async fn empty(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let target = DatabaseTarget::sqlite_in(&dir.path().join("nested/data"));
                let store = Store::open(&target).await.expect("SQLite file opens");
                Self {
                    store,
                    target,
                    _dir: Some(dir),
                    schema: None,
                }
            }
            Backend::Postgres => {
                let url = postgres_url();
                let schema = unique_name("myca_test");
                let admin = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await
                    .expect("PostgreSQL reachable");
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&admin)
                    .await
                    .expect("schema created");
                let scoped = format!(
                    "{url}{}options=-c%20search_path%3D{schema}",
                    if url.contains('?') { "&" } else { "?" }
                );
                PgConnectOptions::from_str(&scoped).expect("scoped URL parses");
                let target = DatabaseTarget::Postgres(scoped);
                let store = Store::open(&target).await.expect("PostgreSQL store opens");
                Self {
                    store,
                    target,
                    _dir: None,
                    schema: Some((admin, schema)),
                }
            }
        }
    }

    pub async fn migrated(backend: Backend) -> Self {
        let test_store = Self::empty(backend).await;
        test_store.store.migrate().await.expect("migrations apply");
        test_store
    }

    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin, schema)) = self.schema {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&admin)
                .await
                .expect("schema dropped");
        }
    }
}

/// Generates a SQLite and a PostgreSQL test from `async fn $name(store: &Store)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(mod $name {
            use $crate::stores::{Backend, TestStore};

            async fn run(backend: Backend) {
                let test_store = TestStore::migrated(backend).await;
                super::$name(&test_store.store).await;
                test_store.finish().await;
            }

            #[tokio::test]
            async fn sqlite() {
                run(Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                run(Backend::Postgres).await;
            }
        })+
    };
}
