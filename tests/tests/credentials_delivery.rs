//! Credentials by reference on the real engine, keyring, Redis and
//! PostgreSQL: one planted through the seed body's `environment`, one
//! through a credential reference. The agent receives both (it reports
//! their SHA-256, never the value), again after `docker restart`, and
//! neither value is in the container's configuration, a Redis key, a SQL
//! row, an API answer or a log line.

use std::time::{Duration, Instant};

use bollard::query_parameters::InspectContainerOptions;
use myca_agents::protocol::names::{container_name, RESULTS_STREAM};
use myca_agents::protocol::{AgentTask, TaskStatus};
use myca_agents::sealing::sha256_hex;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::captured_logs::CapturedLogs;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_e2e::stores::{Backend, TestStore};
use myca_orchestrator::secrets::credentials::inline_source;
use myca_orchestrator::secrets::Credentials;
use myca_orchestrator::service::BrokerChoice;
use reqwest::Method;
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::Row;

const PATIENCE: Duration = Duration::from_secs(60);

async fn call(server: &ApiServer, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut request = server.request(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("API reachable");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Runs the test agent's `credential` task: `{present, sha256}`. Submitted
/// through the API; its outcome read from the results stream as the agent
/// recorded it.
async fn credential_report(
    server: &ApiServer,
    redis_url: &str,
    agent_id: &str,
    name: &str,
) -> Value {
    let submitted = call(
        server,
        Method::POST,
        "/tasks",
        Some(json!({"agent_id": agent_id, "task_type": "credential", "payload": {"name": name}})),
    )
    .await;
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    let client = redis::Client::open(redis_url).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
            .arg(RESULTS_STREAM)
            .arg("-")
            .arg("+")
            .query_async(&mut redis)
            .await
            .unwrap();
        let reported = entries
            .iter()
            .filter_map(|(_, fields)| fields.get(1))
            .filter_map(|json| serde_json::from_str::<AgentTask>(json).ok())
            .find(|task| task.id.to_string() == task_id);
        if let Some(task) = reported {
            assert_eq!(task.status, TaskStatus::Completed, "{task:?}");
            return task.result.unwrap_or_default();
        }
        assert!(
            Instant::now() < deadline,
            "no result for the credential task {task_id}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn assert_holds(
    server: &ApiServer,
    redis_url: &str,
    agent_id: &str,
    name: &str,
    secret: &str,
) {
    let report = credential_report(server, redis_url, agent_id, name).await;
    assert_eq!(report["present"], json!(true), "{name}: {report}");
    assert_eq!(
        report["sha256"],
        json!(sha256_hex(secret.as_bytes())),
        "{name}"
    );
}

/// Every key of the test's Redis database with its contents, as text.
async fn redis_dump(url: &str) -> String {
    let client = redis::Client::open(url).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut redis)
        .await
        .unwrap();
    let mut dump = String::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        let mut command = match kind.as_str() {
            "string" => redis::cmd("GET"),
            "list" => redis::cmd("LRANGE"),
            "hash" => redis::cmd("HGETALL"),
            "set" => redis::cmd("SMEMBERS"),
            "zset" => redis::cmd("ZRANGE"),
            "stream" => redis::cmd("XRANGE"),
            other => panic!("unexpected Redis type {other} for {key}"),
        };
        command.arg(&key);
        match kind.as_str() {
            "list" | "zset" => {
                command.arg(0).arg(-1);
            }
            "stream" => {
                command.arg("-").arg("+");
            }
            _ => {}
        }
        let value: redis::Value = command.query_async(&mut redis).await.unwrap();
        dump += &format!("{key} = {}\n", as_text(&value));
    }
    dump
}

fn as_text(value: &redis::Value) -> String {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        redis::Value::SimpleString(text) => text.clone(),
        redis::Value::Array(items) | redis::Value::Set(items) => {
            items.iter().map(as_text).collect::<Vec<_>>().join(" ")
        }
        redis::Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{} {}", as_text(k), as_text(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => format!("{other:?}"),
    }
}

/// Every row of every table of the store's schema, as JSON text.
async fn sql_dump(url: &str) -> String {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.get(0))
    .collect();
    assert!(tables.len() > 5, "the store's tables: {tables:?}");
    let mut dump = String::new();
    for table in tables {
        let rows = sqlx::query(&format!("SELECT row_to_json(t)::text FROM \"{table}\" t"))
            .fetch_all(&pool)
            .await
            .unwrap();
        for row in rows {
            dump += &format!("{table}: {}\n", row.get::<String, _>(0));
        }
    }
    pool.close().await;
    dump
}

fn assert_absent(place: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "a planted credential is in {place}:\n{text}"
        );
    }
}

#[tokio::test]
async fn credentials_reach_the_agent_sealed_and_nowhere_else() {
    let logs = CapturedLogs::install("debug");
    let test_store = TestStore::empty(Backend::Postgres).await;
    let config = test_service_config(test_store.target.clone()).await;
    let BrokerChoice::External(redis_url) = config.broker.clone() else {
        panic!("the test service uses the test Redis");
    };
    let myca_orchestrator::DatabaseTarget::Postgres(sql_url) = test_store.target.clone() else {
        panic!("the store is on PostgreSQL");
    };
    let server = ApiServer::start(config).await;
    let docker = server.service.first_pool().unwrap().docker().clone();
    let id = unique_agent_id("creds");
    let mut guard = ContainerGuard::new(&docker);
    guard.watch(container_name(&id));

    let inline = format!("inline-planted-{}", uuid::Uuid::new_v4().simple());
    let referenced = format!("ref-planted-{}", uuid::Uuid::new_v4().simple());
    let source = format!("e2e/{}", uuid::Uuid::new_v4().simple());
    let keyring = Credentials::default();
    keyring
        .set(&source, &referenced)
        .await
        .expect("keyring stores");

    // The seed's spawn body, plus a secret inline and one by reference.
    let spawned = call(
        &server,
        Method::POST,
        "/agents/spawn",
        Some(json!({
            "agent_id": id, "agent_type": "test-agent", "category": "core",
            "display_name": "Credentials", "cpu_limit": 0.5, "memory_limit": 64,
            "heartbeat_interval": 1,
            "environment": {"SERVICE_API_KEY": inline, "REGION": "eu"},
            "credentials": [{"name": "GITHUB_TOKEN", "from": source}],
        })),
    )
    .await;
    let port = u16::try_from(spawned["port"].as_u64().expect("a port")).unwrap();
    wait_healthy(port, PATIENCE).await;
    assert_holds(&server, &redis_url, &id, "SERVICE_API_KEY", &inline).await;
    assert_holds(&server, &redis_url, &id, "GITHUB_TOKEN", &referenced).await;
    let absent = credential_report(&server, &redis_url, &id, "REGION").await;
    assert_eq!(
        absent["present"],
        json!(false),
        "plain variables are not credentials"
    );

    // Restarted, the agent asks again and holds them again.
    call(
        &server,
        Method::POST,
        &format!("/agents/{id}/restart"),
        None,
    )
    .await;
    wait_healthy(port, PATIENCE).await;
    assert_holds(&server, &redis_url, &id, "SERVICE_API_KEY", &inline).await;
    assert_holds(&server, &redis_url, &id, "GITHUB_TOKEN", &referenced).await;
    let snapshot = call(
        &server,
        Method::POST,
        &format!("/agents/{id}/snapshots"),
        Some(json!({"reason": "audit"})),
    )
    .await;
    let secrets = [inline.as_str(), referenced.as_str()];

    let inspected = docker
        .inspect_container(&container_name(&id), None::<InspectContainerOptions>)
        .await
        .unwrap();
    let inspected = serde_json::to_string(&inspected).unwrap();
    assert!(
        inspected.contains("REGION=eu"),
        "plain variables still reach the container"
    );
    assert!(inspected.contains("BOOTSTRAP_TOKEN="));
    assert!(
        inspected.contains("GITHUB_TOKEN"),
        "the reference is in the recorded config"
    );
    assert_absent("docker inspect", &inspected, &secrets);

    let mut answers = String::new();
    for path in [
        "/agents".to_owned(),
        format!("/agents/{id}"),
        "/api/dashboard/agents".to_owned(),
        format!("/api/dashboard/agents/{id}"),
        format!("/api/dashboard/agents/{id}/logs?tail=1000"),
        format!("/agents/{id}/snapshots"),
        format!("/snapshots/{}", snapshot["snapshot_id"]),
        "/tasks".to_owned(),
        "/audit".to_owned(),
        "/api/dashboard/stats".to_owned(),
        "/api/dashboard/topology".to_owned(),
        "/status".to_owned(),
    ] {
        answers += &call(&server, Method::GET, &path, None).await.to_string();
    }
    assert!(
        answers.contains("credentials received"),
        "the agent's own logs were read"
    );
    assert_absent("an API answer", &answers, &secrets);

    let redis = redis_dump(&redis_url).await;
    assert!(redis.contains("mas:credentials:requests"), "{redis}");
    assert_absent("Redis", &redis, &secrets);

    // Every lane of the history writer has reached SQL once the service stops.
    server
        .service
        .first_pool()
        .unwrap()
        .remove(&id)
        .await
        .unwrap();
    let service = server.service.clone();
    server.stop().await;
    if let Ok(service) = std::sync::Arc::try_unwrap(service) {
        service.shutdown().await;
    }
    let sql = sql_dump(&sql_url).await;
    assert!(sql.contains(&id), "the dump holds the agent's rows");
    assert_absent("the SQL store", &sql, &secrets);

    let logged = logs.text();
    assert!(
        logged.contains("credentials delivered sealed"),
        "logs were captured"
    );
    assert_absent("the orchestrator's logs", &logged, &secrets);

    keyring.delete(&source).await.unwrap();
    keyring
        .delete(&inline_source(&id, "SERVICE_API_KEY"))
        .await
        .unwrap();
    test_store.finish().await;
}
