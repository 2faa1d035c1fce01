//! Migrations from empty, on a real SQLite file and a real PostgreSQL server.

use std::str::FromStr;

use myca_e2e::{postgres_url, unique_name};
use myca_orchestrator::{DatabaseTarget, Store, StoreBackend};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

const SEED_TABLES: [&str; 5] = [
    "agent_knowledge",
    "agent_logs",
    "agent_messages",
    "agent_metrics",
    "agent_snapshots",
];

async fn assert_migrated(store: &Store, backend: StoreBackend) {
    assert_eq!(store.backend(), backend);
    let status = store.migration_status().await.unwrap();
    assert!(status.available >= 1);
    assert!(status.up_to_date(), "{status:?}");
    let tables = store.table_names().await.unwrap();
    for table in SEED_TABLES {
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
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::sqlite_in(&dir.path().join("nested/data"));
    let store = Store::open(&target).await.unwrap();
    assert_eq!(store.migration_status().await.unwrap().applied, 0);
    store.migrate().await.unwrap();
    assert_migrated(&store, StoreBackend::Sqlite).await;
    store.close().await;
    // Reopening the same file finds the migrations already applied.
    let reopened = Store::open(&target).await.unwrap();
    assert!(reopened.migration_status().await.unwrap().up_to_date());
}

#[tokio::test]
async fn postgres_migrates_from_empty_and_again() {
    let url = postgres_url();
    let schema = unique_name("myca_test");
    // A private schema per run keeps runs apart on one server.
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    let scoped = format!(
        "{url}{}options=-c%20search_path%3D{schema}",
        if url.contains('?') { "&" } else { "?" }
    );
    PgConnectOptions::from_str(&scoped).expect("scoped URL parses");
    let store = Store::open(&DatabaseTarget::Postgres(scoped))
        .await
        .unwrap();
    assert_eq!(store.migration_status().await.unwrap().applied, 0);
    store.migrate().await.unwrap();
    assert_migrated(&store, StoreBackend::Postgres).await;
    store.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
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
