//! The health monitor on the real stack: queue lag per agent, an agent that
//! stops heartbeating (SIGSTOP) seen as error and restarted per its policy,
//! each transition a typed event.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCommand, AgentStatus};
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::events::Event;
use reqwest::Method;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(60);

async fn health_of(api: &ApiServer, id: &str) -> Value {
    let report: Value = api
        .request(Method::GET, "/api/dashboard/health")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    report["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["agent_id"] == json!(id))
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn lag_is_shown_and_a_silent_agent_is_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut events = api.service.bus.subscribe();
    let id = unique_agent_id("watched");
    guard.watch(container_name(&id));
    let spawned: Value = api
        .request(Method::POST, "/agents/spawn")
        .json(
            &json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                      "memory_limit": 64, "heartbeat_interval": 1}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    wait_healthy(spawned["port"].as_u64().unwrap() as u16, PATIENCE).await;

    // Paused, it takes nothing: three tasks wait as its lag.
    api.service.hosts.brokers()[0]
        .broker
        .send_command(&id, AgentCommand::Pause)
        .await
        .unwrap();
    api.service.hosts.brokers()[0]
        .heartbeats
        .wait_for(&id, PATIENCE, |h| h.status == AgentStatus::Paused)
        .await
        .expect("paused");
    for n in 0..3 {
        let response = api
            .request(Method::POST, "/tasks")
            .json(&json!({"agent_id": id, "task_type": "echo", "payload": {"n": n}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let health = health_of(&api, &id).await;
    assert_eq!(health["queue_lag"], 3, "{health}");
    assert_eq!(health["heartbeat_overdue"], false);
    api.service.hosts.brokers()[0]
        .broker
        .send_command(&id, AgentCommand::Resume)
        .await
        .unwrap();

    // Frozen: the container runs, the heartbeats stop.
    let container = container_name(&id);
    api.service
        .first_pool()
        .unwrap()
        .docker()
        .kill_container(
            &container,
            Some(
                bollard::query_parameters::KillContainerOptionsBuilder::new()
                    .signal("SIGSTOP")
                    .build(),
            ),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .unwrap()
            .unwrap();
        if let Event::Health {
            agent_id,
            to,
            heartbeat_overdue,
            ..
        } = &event
        {
            if *agent_id == id && *to == AgentStatus::Error {
                assert!(heartbeat_overdue);
                break;
            }
        }
        assert!(Instant::now() < deadline, "no error transition");
    }
    // Restarted per policy: the same container, heartbeating again.
    let before = Instant::now();
    loop {
        let health = health_of(&api, &id).await;
        if health["heartbeat_overdue"] == false && health["container_state"] == "running" {
            break;
        }
        assert!(before.elapsed() < PATIENCE, "not restarted: {health}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let actions = api.service.store.actions(&id, 100).await.unwrap();
    assert!(
        actions
            .iter()
            .any(|a| a.action.action_type == "health:error"),
        "{actions:?}"
    );
    let restart = api.wait_for_action(&id, "health_restart").await;
    assert!(restart.action.success, "{restart:?}");
    api.service.first_pool().unwrap().remove(&id).await.unwrap();
    api.stop().await;
}
