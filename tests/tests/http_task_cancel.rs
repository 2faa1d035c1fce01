//! `POST /tasks/{id}/cancel` and waiting reasons over HTTP, against the real
//! orchestrator service and a real agent process on its broker: a queued
//! task is cancelled, a running one is dropped by its agent (its handler
//! aborted, no completion recorded), a settled one answers 409.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::AGENTS_GROUP;
use myca_e2e::agent::{unique_agent_id, AgentProcess};
use myca_e2e::api::{test_service_config, ApiServer};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::service::BrokerChoice;
use reqwest::Method;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(60);

async fn submit(api: &ApiServer, body: Value) -> String {
    let (code, submitted) = api.call(Method::POST, "/tasks", Some(body)).await;
    assert_eq!(code, 200, "{submitted}");
    submitted["task_id"].as_str().unwrap().to_owned()
}

/// Polls `GET /tasks/{id}` until `done` holds.
async fn until(api: &ApiServer, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (code, task) = api.call(Method::GET, &format!("/tasks/{id}"), None).await;
        assert_eq!(code, 200, "{task}");
        if done(&task) {
            return task;
        }
        assert!(Instant::now() < deadline, "never {what}: {task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn cancel_queued_and_running_tasks_and_refuse_settled_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let BrokerChoice::External(redis) = config.broker.clone() else {
        unreachable!("the test configuration names its Redis")
    };
    let api = ApiServer::start(config).await;

    let (code, unknown) = api
        .call(
            Method::POST,
            "/tasks/8d6f3c1e-0000-4000-8000-000000000000/cancel",
            None,
        )
        .await;
    assert_eq!(code, 404, "{unknown}");

    // Queued for a type nobody runs: it says so, in the task and the list.
    let nobody = unique_agent_id("nobody-type");
    let queued = submit(
        &api,
        json!({"agent_type": nobody, "task_type": "echo", "payload": {}, "timeout": 600}),
    )
    .await;
    let waiting = until(&api, &queued, "waiting", |t| {
        t["waiting_reason"].is_string()
    })
    .await;
    assert_eq!(waiting["status"], "queued");
    assert_eq!(
        waiting["waiting_reason"],
        format!("no agent of type {nobody}")
    );
    assert!(waiting["wait_deadline"].is_string(), "{waiting}");
    let (_, list) = api.call(Method::GET, "/tasks?status=queued", None).await;
    let listed = list["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == queued.as_str())
        .expect("listed")
        .clone();
    assert_eq!(listed["waiting_reason"], waiting["waiting_reason"]);
    let (code, cancelled) = api
        .call(Method::POST, &format!("/tasks/{queued}/cancel"), None)
        .await;
    assert_eq!(code, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["waiting_reason"], Value::Null);
    let (code, again) = api
        .call(Method::POST, &format!("/tasks/{queued}/cancel"), None)
        .await;
    assert_eq!(code, 409, "{again}");
    assert!(
        again["detail"].as_str().unwrap().contains("cancelled"),
        "{again}"
    );

    // Running on a live agent: the agent drops it.
    let agent_id = unique_agent_id("runner");
    let agent = AgentProcess::spawn(&agent_id, &redis, &[]);
    let running = submit(
        &api,
        json!({"agent_type": "test-agent", "task_type": "sleep", "payload": {"ms": 600_000}, "timeout": 900}),
    )
    .await;
    let taken = until(&api, &running, "running", |t| t["status"] == "running").await;
    assert_eq!(taken["agent_id"], agent_id.as_str());
    assert_eq!(taken["waiting_reason"], Value::Null);
    let (code, cancelled) = api
        .call(Method::POST, &format!("/tasks/{running}/cancel"), None)
        .await;
    assert_eq!(code, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let heartbeat = api.service.hosts.brokers()[0]
        .heartbeats
        .wait_for(&agent_id, PATIENCE, |beat| {
            beat.tasks_cancelled == 1 && beat.current_tasks == 0
        })
        .await
        .expect("the agent reports the task dropped");
    assert_eq!(heartbeat.heartbeat.tasks_completed, 0);
    let (_, status) = agent.get("/status").await.expect("agent answers");
    assert_eq!(status["current_tasks"], json!([]), "{status}");
    assert_eq!(status["tasks_completed"], 0, "{status}");
    // Its entry is acknowledged: nothing left for a redelivery.
    let stream = cancelled["stream"].as_str().unwrap().to_owned();
    let mut redis_connection = redis::Client::open(redis.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let (pending, _, _, _): (u64, Option<String>, Option<String>, redis::Value) =
        redis::cmd("XPENDING")
            .arg(&stream)
            .arg(AGENTS_GROUP)
            .query_async(&mut redis_connection)
            .await
            .unwrap();
    assert_eq!(pending, 0, "entries still pending on {stream}");
    // The agent's cancelled outcome reached the ledger and changed nothing.
    let settled = until(&api, &running, "still cancelled", |t| {
        t["status"] == "cancelled"
    })
    .await;
    assert_eq!(settled["result"], Value::Null);

    // A completed task cannot be cancelled.
    let echo = submit(
        &api,
        json!({"agent_type": "test-agent", "task_type": "echo", "payload": {"x": 1}}),
    )
    .await;
    until(&api, &echo, "completed", |t| t["status"] == "completed").await;
    let (code, refused) = api
        .call(Method::POST, &format!("/tasks/{echo}/cancel"), None)
        .await;
    assert_eq!(code, 409, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("completed"),
        "{refused}"
    );

    drop(agent);
    api.stop().await;
}
