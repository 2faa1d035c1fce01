//! Migrated stores on both backends, so one test suite runs against each.

use myca_orchestrator::{DatabaseTarget, Store};

use crate::pg_schema::PgSchema;

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
    schema: Option<PgSchema>,
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
                let schema = PgSchema::create("myca_test").await;
                let target = DatabaseTarget::Postgres(schema.url.clone());
                let store = Store::open(&target).await.expect("PostgreSQL store opens");
                Self {
                    store,
                    target,
                    _dir: None,
                    schema: Some(schema),
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
        if let Some(schema) = self.schema {
            schema.drop().await;
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
