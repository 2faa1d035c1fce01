//! Agents of a catalog kind spawned through the HTTP API and given tasks,
//! as an operator would: spawn, wait until healthy, submit, follow to the end.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use reqwest::Method;
use serde_json::{json, Value};

use crate::api::{test_service_config, ApiServer};
use crate::containers::ContainerGuard;
use crate::pool::try_wait_healthy;

/// How long a spawn or a task may take on a busy CI machine.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Spawns `body` (a spawn body without `agent_id`) as `agent_id`, watched by
/// `guard`; waits until the agent answers healthy. Returns the spawn answer.
pub async fn spawn_healthy(
    api: &ApiServer,
    guard: &mut ContainerGuard,
    agent_id: &str,
    mut body: Value,
) -> Value {
    body["agent_id"] = json!(agent_id);
    body["heartbeat_interval"] = json!(1);
    guard.watch(container_name(agent_id));
    let (code, spawned) = api.call(Method::POST, "/agents/spawn", Some(body)).await;
    assert_eq!(code, 200, "{spawned}");
    let port = spawned["port"].as_u64().unwrap() as u16;
    if let Err(error) = try_wait_healthy(port, PATIENCE).await {
        panic!("{error}\n{}", why_not_healthy(port, agent_id).await);
    }
    spawned
}

/// What the agent says about itself and its container's last log lines,
/// so a spawn that never became healthy explains itself in the test output.
async fn why_not_healthy(port: u16, agent_id: &str) -> String {
    let health = match crate::http_client()
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
    {
        Ok(answer) => answer.text().await.unwrap_or_default(),
        Err(error) => format!("no answer: {error}"),
    };
    let logs = container_logs(agent_id, Some(40));
    format!("/health: {health}\ncontainer log (last 40 lines):\n{logs}")
}

/// What the agent's container printed (its last `tail` lines, or all).
pub fn container_logs(agent_id: &str, tail: Option<usize>) -> String {
    let tail = tail.map_or("all".to_owned(), |lines| lines.to_string());
    std::process::Command::new("docker")
        .args(["logs", "--tail", &tail, &container_name(agent_id)])
        .output()
        .map(|out| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .unwrap_or_else(|error| format!("docker logs: {error}"))
}

/// Spawns a `test-agent` as `agent_id`: a worker whose tasks a kind's test
/// needs done (history to audit, knowledge to index).
pub async fn spawn_test_agent(
    api: &ApiServer,
    guard: &mut ContainerGuard,
    agent_id: &str,
) -> Value {
    let body = json!({"agent_type": "test-agent", "category": "core", "memory_limit": 64});
    spawn_healthy(api, guard, agent_id, body).await
}

/// Statuses a task no longer leaves (a failure with no retry left is dead-lettered).
const SETTLED: [&str; 5] = [
    "completed",
    "failed",
    "dead_lettered",
    "timed_out",
    "cancelled",
];

/// Runs one task on `agent_id` (no retries) and returns it once settled.
pub async fn run_task(api: &ApiServer, agent_id: &str, task_type: &str, payload: Value) -> Value {
    let (code, submitted) = api
        .call(
            Method::POST,
            "/tasks",
            Some(json!({"agent_id": agent_id, "task_type": task_type, "payload": payload, "max_retries": 0})),
        )
        .await;
    assert_eq!(code, 200, "{submitted}");
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (code, task) = api
            .call(Method::GET, &format!("/tasks/{task_id}"), None)
            .await;
        assert_eq!(code, 200, "{task}");
        if SETTLED.contains(&task["status"].as_str().unwrap_or_default()) {
            return task;
        }
        assert!(Instant::now() < deadline, "task not settled: {task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The result of a task that must complete.
pub async fn completed(api: &ApiServer, agent_id: &str, task_type: &str, payload: Value) -> Value {
    let task = run_task(api, agent_id, task_type, payload).await;
    assert_eq!(task["status"], "completed", "{task}");
    task["result"].clone()
}

/// The error of a task that must fail (dead-lettered: it has no retries).
pub async fn failed(api: &ApiServer, agent_id: &str, task_type: &str, payload: Value) -> String {
    let task = run_task(api, agent_id, task_type, payload).await;
    assert_eq!(task["status"], "dead_lettered", "{task}");
    task["error"].as_str().unwrap_or_default().to_owned()
}

/// The fields `names` of `value`, as one array to compare at once.
pub fn fields(value: &Value, names: &[&str]) -> Value {
    names.iter().map(|name| value[*name].clone()).collect()
}

/// An API server on a fresh SQLite store, which lives as long as the directory.
pub async fn sqlite_api() -> (tempfile::TempDir, ApiServer) {
    let dir = tempfile::tempdir().unwrap();
    let config = test_service_config(myca_orchestrator::config::DatabaseTarget::sqlite_in(
        dir.path(),
    ));
    (dir, ApiServer::start(config.await).await)
}

/// A rule-based decision's verdict and the rule that took it.
pub fn verdict(decision: &Value) -> Value {
    fields(decision, &["approved", "decision", "rule"])
}
