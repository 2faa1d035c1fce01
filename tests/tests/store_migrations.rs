//! Migrations from empty, on a real SQLite file and a real PostgreSQL server.

use myca_e2e::stores::{Backend, TestStore};
use myca_orchestrator::{DatabaseTarget, Store, StoreBackend};

/// The seed's five tables, then what later work needs.
const TABLES: [&str; 9] = [
    "agent_knowledge",
    "agent_logs",
    "agent_messages",
    "agent_metrics",
    "agent_snapshots",
    "approvals",
    "audit",
    "hosts",
    "tasks",
];

async fn assert_migrated(store: &Store, backend: StoreBackend) {
    assert_eq!(store.backend(), backend);
    let status = store.migration_status().await.unwrap();
    assert!(status.available >= 1);
    assert!(status.up_to_date(), "{status:?}");
    let tables = store.table_names().await.unwrap();
    for table in TABLES {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing from {tables:?}"
        );
    }
    // Running the migrations again is a no-op, not an error.
    store.migrate().await.unwrap();
    assert_eq!(store.migration_status().await.unwrap(), status);
}

#[tokio::test]
async fn sqlite_file_migrates_from_empty_and_again() {
    let test_store = TestStore::empty(Backend::Sqlite).await;
    let store = &test_store.store;
    assert_eq!(store.migration_status().await.unwrap().applied, 0);
    store.migrate().await.unwrap();
    assert_migrated(store, StoreBackend::Sqlite).await;
    store.close().await;
    // Reopening the same file finds the migrations already applied.
    let reopened = Store::open(&test_store.target).await.unwrap();
    assert!(reopened.migration_status().await.unwrap().up_to_date());
    test_store.finish().await;
}

#[tokio::test]
async fn postgres_migrates_from_empty_and_again() {
    let test_store = TestStore::empty(Backend::Postgres).await;
    let store = &test_store.store;
    assert_eq!(store.migration_status().await.unwrap().applied, 0);
    store.migrate().await.unwrap();
    assert_migrated(store, StoreBackend::Postgres).await;
    test_store.finish().await;
}

#[tokio::test]
async fn unreachable_postgres_is_a_typed_error_without_the_password() {
    let port = myca_e2e::closed_port();
    let target = DatabaseTarget::Postgres(format!("postgres://u:hunter2@127.0.0.1:{port}/db"));
    let error = Store::open(&target)
        .await
        .expect_err("nothing listens there");
    let message = error.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains("hunter2"), "password leaked: {message}");
}
