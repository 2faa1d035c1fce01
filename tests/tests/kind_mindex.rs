//! `mindex-agent` in a real container, spawned by the seed's name for it
//! (`database`), against the real PostgreSQL the services run (a schema of
//! its own), its `DATABASE_URL` delivered from the OS keyring: health,
//! filtered and limited queries, a relation it may not read, a view that
//! would write (refused by the READ ONLY transaction), a statement timeout,
//! a bad payload, a wrong password and a server that is not there.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_e2e::pg_schema::{PgSchema, WRONG_PASSWORD};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(source: &str) -> Value {
    json!({"agent_type": "database", "category": "data", "memory_limit": 64,
           "settings": {"readable": ["observations", "sneaky", "slow", "etl_records"], "max_rows": 3,
                        "statement_timeout_ms": 300},
           "credentials": [{"name": "DATABASE_URL", "from": source}]})
}

const SETUP: &str = "
CREATE TABLE observations (id INTEGER PRIMARY KEY, species TEXT NOT NULL, count INTEGER, seen TIMESTAMPTZ);
INSERT INTO observations VALUES
    (1, 'Amanita muscaria', 2, '2024-05-01T10:00:00Z'), (2, 'Boletus edulis', 1, '2024-05-02T10:00:00Z'),
    (3, 'Amanita muscaria', 5, '2024-05-03T10:00:00Z'), (4, 'Cantharellus cibarius', NULL, NULL),
    (5, 'Amanita phalloides', 7, '2024-05-05T10:00:00Z');
CREATE TABLE secrets (value TEXT);
CREATE TABLE bumps (n INTEGER);
CREATE FUNCTION bump() RETURNS INTEGER LANGUAGE sql AS 'INSERT INTO bumps VALUES (1) RETURNING n';
CREATE VIEW sneaky AS SELECT bump() AS n;
CREATE VIEW slow AS SELECT 1 AS n FROM pg_sleep(2);";

#[tokio::test]
async fn mindex_agent_queries_read_only_and_reports_health() {
    let schema = PgSchema::create("mindex").await;
    let pool = schema.connect().await;
    sqlx::raw_sql(SETUP).execute(&pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let entries = schema.keyring_entries(&keyring).await;

    let mindex = unique_agent_id("mindex");
    let spawned = spawn_healthy(&api, &mut guard, &mindex, body(&entries.good)).await;
    assert_eq!(spawned["agent_type"], "mindex-agent");

    let health = completed(&api, &mindex, "health", json!({})).await;
    assert_eq!(health["reachable"], true);
    assert_eq!(health["database"], "myca_test");
    assert!(
        health["server_version"].as_str().unwrap().starts_with("15"),
        "{health}"
    );
    assert!(
        health["size_bytes"].as_i64().unwrap() > 1_000_000,
        "{health}"
    );

    let amanitas = completed(&api, &mindex, "query", json!({
        "relation": "observations", "columns": ["id", "count", "seen"],
        "filters": [{"column": "species", "op": "like", "value": "Amanita%"}, {"column": "count", "op": ">=", "value": 5}],
        "order_by": "id", "descending": true})).await;
    assert_eq!(
        amanitas["rows"],
        json!([
        {"id": 5, "count": 7, "seen": "2024-05-05T10:00:00+00:00"},
        {"id": 3, "count": 5, "seen": "2024-05-03T10:00:00+00:00"}])
    );
    assert_eq!(amanitas["truncated"], false);
    let unknown = completed(&api, &mindex, "query", json!({
        "relation": "observations", "columns": ["id"], "filters": [{"column": "count", "value": null}]})).await;
    assert_eq!(unknown["rows"], json!([{"id": 4}]));
    let capped = completed(
        &api,
        &mindex,
        "query",
        json!({"relation": "observations", "order_by": "id", "limit": 50}),
    )
    .await;
    assert_eq!(capped["row_count"], 3, "max_rows caps the limit: {capped}");
    assert_eq!(capped["truncated"], true);
    assert_eq!(capped["rows"][2]["species"], "Amanita muscaria");
    // A value is a parameter, never SQL.
    let injected = completed(
        &api,
        &mindex,
        "query",
        json!({
        "relation": "observations", "filters": [{"column": "species", "value": "x' OR '1'='1"}]}),
    )
    .await;
    assert_eq!(injected["rows"], json!([]));

    let hidden = failed(&api, &mindex, "query", json!({"relation": "secrets"})).await;
    assert_eq!(hidden, "relation \"secrets\" is not one this agent may read (setting readable: observations, sneaky, slow, etl_records)");
    let writes = failed(&api, &mindex, "query", json!({"relation": "sneaky"})).await;
    assert_eq!(
        writes,
        "postgres: cannot execute INSERT in a read-only transaction"
    );
    let bumps: i64 = sqlx::query_scalar("SELECT count(*) FROM bumps")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(bumps, 0);
    let slow = failed(&api, &mindex, "query", json!({"relation": "slow"})).await;
    assert_eq!(
        slow,
        "postgres: canceling statement due to statement timeout"
    );
    let no_column = failed(
        &api,
        &mindex,
        "query",
        json!({"relation": "observations", "order_by": "colour"}),
    )
    .await;
    assert_eq!(no_column, "observations has no column \"colour\"");
    let missing = failed(&api, &mindex, "query", json!({"relation": "etl_records"})).await;
    assert_eq!(
        missing,
        "relation \"etl_records\" does not exist in this database"
    );
    let bad = failed(&api, &mindex, "query", json!({"relation": "observations", "filters": [{"column": "id", "op": "; DROP", "value": 1}]})).await;
    assert!(
        bad.starts_with("invalid payload: payload.filters.0.op: must be one of"),
        "{bad}"
    );
    let empty = completed(&api, &mindex, "etl_status", json!({})).await;
    assert_eq!(empty, json!({"datasets": [], "total_rows": 0}));

    let denied = unique_agent_id("mindex-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&entries.wrong)).await;
    let refused = failed(&api, &denied, "health", json!({})).await;
    assert_eq!(refused, format!(
        "postgres: rejected the credentials at 127.0.0.1:{}/myca_test: password authentication failed for user \"myca\"; check the credential DATABASE_URL",
        reqwest::Url::parse(&schema.url).unwrap().port().unwrap()));
    assert!(!refused.contains(WRONG_PASSWORD));
    let down = unique_agent_id("mindex-down");
    spawn_healthy(&api, &mut guard, &down, body(&entries.nowhere)).await;
    let unreachable = failed(&api, &down, "health", json!({})).await;
    assert!(
        unreachable.starts_with(
            "postgres: unreachable at 127.0.0.1:1/myca_test: error connecting to server: "
        ),
        "{unreachable}"
    );

    entries.delete(&keyring).await;
    api.stop().await;
    pool.close().await;
    schema.drop().await;
}
