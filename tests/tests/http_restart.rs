//! The orchestrator restarted mid-load, over HTTP, on PostgreSQL: every
//! task submitted to either instance completes once, and spawning the same
//! agent through the new instance adopts it instead of duplicating it.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_e2e::stores::{Backend, TestStore};
use reqwest::Method;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(60);

async fn submit(api: &ApiServer, agent: &str, n: usize) -> String {
    let body: Value = api
        .request(Method::POST, "/tasks")
        .json(&json!({"agent_id": agent, "task_type": "sleep", "payload": {"ms": 50, "n": n}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["task_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test]
async fn a_restarted_orchestrator_loses_no_task_and_duplicates_no_container() {
    let test_store = TestStore::migrated(Backend::Postgres).await;
    let config = test_service_config(test_store.target.clone()).await;
    let first = ApiServer::start(config.clone()).await;
    let mut guard = ContainerGuard::new(first.service.first_pool().unwrap().docker());
    let id = unique_agent_id("steady");
    guard.watch(container_name(&id));
    let spawn = json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                       "memory_limit": 64, "max_concurrent_tasks": 2});
    let spawned: Value = first
        .request(Method::POST, "/agents/spawn")
        .json(&spawn)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let port = spawned["port"].as_u64().unwrap() as u16;
    wait_healthy(port, PATIENCE).await;

    let mut ids = Vec::new();
    for n in 0..15 {
        ids.push(submit(&first, &id, n).await);
    }
    // Gone mid-load: results arrive while nobody is reading them.
    first.stop().await;
    let second = ApiServer::start(config).await;
    let again: Value = second
        .request(Method::POST, "/agents/spawn")
        .json(&spawn)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["container_id"], spawned["container_id"],
        "adopted, not duplicated"
    );
    for n in 15..30 {
        ids.push(submit(&second, &id, n).await);
    }

    let deadline = Instant::now() + PATIENCE;
    for task_id in &ids {
        loop {
            let task: Value = second
                .request(Method::GET, &format!("/tasks/{task_id}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if task["status"] == "completed" {
                break;
            }
            assert!(Instant::now() < deadline, "not completed: {task}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let status: Value = myca_e2e::http_client()
        .get(format!("http://127.0.0.1:{port}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["tasks_completed"], 30,
        "each task ran once: {status}"
    );
    let same_name = second
        .service
        .first_pool()
        .unwrap()
        .agents()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.agent_id == id)
        .count();
    assert_eq!(same_name, 1);

    second
        .service
        .first_pool()
        .unwrap()
        .remove(&id)
        .await
        .unwrap();
    second.stop().await;
    test_store.finish().await;
}
