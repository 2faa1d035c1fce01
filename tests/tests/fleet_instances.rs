//! Two orchestrator services of different fleet instances on one Docker
//! engine and one Redis server: each sees and touches only its own agents,
//! and only its own health monitor restarts an agent that went silent.

use std::time::{Duration, Instant};

use bollard::query_parameters::KillContainerOptionsBuilder;
use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::events::Event;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::TryRecvError;

const PATIENCE: Duration = Duration::from_secs(90);

async fn start_service(dir: &tempfile::TempDir) -> ApiServer {
    let mut config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    // A frozen agent ignores SIGTERM: the restart kills it after this.
    config.stop_grace = Duration::from_secs(2);
    ApiServer::start(config).await
}

async fn get(api: &ApiServer, path: &str) -> (StatusCode, Value) {
    let response = api.request(Method::GET, path).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {list}"))
        .iter()
        .map(|entry| entry["agent_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn spawn(api: &ApiServer, id: &str) -> reqwest::Response {
    api.request(Method::POST, "/agents/spawn")
        .json(
            &json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                      "memory_limit": 64, "heartbeat_interval": 1, "max_restarts": 3}),
        )
        .send()
        .await
        .unwrap()
}

/// Waits until the service reports the agent with a fresh heartbeat.
async fn wait_heartbeating(api: &ApiServer, id: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, agent) = get(api, &format!("/agents/{id}")).await;
        let active = ["active", "idle", "busy"].contains(&agent["status"].as_str().unwrap_or(""));
        if active && agent["container_state"] == "running" {
            return agent;
        }
        assert!(Instant::now() < deadline, "{id} not heartbeating: {agent}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits for the health monitor's `health_restart` of `id` on the bus.
async fn wait_health_restart(events: &mut tokio::sync::broadcast::Receiver<Event>, id: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let event = tokio::time::timeout(PATIENCE, events.recv())
            .await
            .expect("an event in time")
            .expect("the bus is open");
        if let Event::Action { action } = &event {
            if action.agent_id == id && action.action_type == "health_restart" {
                assert!(action.success, "{action:?}");
                return;
            }
        }
        assert!(Instant::now() < deadline, "{id} was never restarted");
    }
}

#[tokio::test]
async fn two_instances_on_one_engine_see_and_restart_only_their_own_agents() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = start_service(&dir_a).await;
    let b = start_service(&dir_b).await;
    assert_ne!(
        a.service.first_pool().unwrap().instance(),
        b.service.first_pool().unwrap().instance()
    );
    let mut guard = ContainerGuard::new(a.service.first_pool().unwrap().docker());
    let (id_a, id_b) = (unique_agent_id("fleet-a"), unique_agent_id("fleet-b"));
    guard.watch(container_name(&id_a));
    guard.watch(container_name(&id_b));
    let mut events_a = a.service.bus.subscribe();
    let mut events_b = b.service.bus.subscribe();

    assert_eq!(spawn(&a, &id_a).await.status(), StatusCode::OK);
    assert_eq!(spawn(&b, &id_b).await.status(), StatusCode::OK);
    let first_a = wait_heartbeating(&a, &id_a).await;
    wait_heartbeating(&b, &id_b).await;

    // Each lists, reports and commands only its own.
    for (api, own, other) in [(&a, &id_a, &id_b), (&b, &id_b, &id_a)] {
        let (_, agents) = get(api, "/agents").await;
        assert_eq!(
            ids(&agents, "agents"),
            std::slice::from_ref(own),
            "{agents}"
        );
        let (_, health) = get(api, "/api/dashboard/health").await;
        assert_eq!(
            ids(&health, "agents"),
            std::slice::from_ref(own),
            "{health}"
        );
        let (status, _) = get(api, &format!("/agents/{other}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let stop = api
            .request(Method::POST, &format!("/agents/{other}/stop?force=true"))
            .send()
            .await
            .unwrap();
        assert_eq!(stop.status(), StatusCode::NOT_FOUND);
    }
    // The container name is the engine's: taken by the other instance, refused.
    let taken = spawn(&a, &id_b).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let message = taken.text().await.unwrap();
    assert!(
        message.contains(b.service.first_pool().unwrap().instance().as_str()),
        "{message}"
    );

    // B's agent goes silent: B's monitor restarts it, A's never touches it.
    b.service
        .first_pool()
        .unwrap()
        .docker()
        .kill_container(
            &container_name(&id_b),
            Some(KillContainerOptionsBuilder::new().signal("SIGSTOP").build()),
        )
        .await
        .unwrap();
    wait_health_restart(&mut events_b, &id_b).await;
    wait_heartbeating(&b, &id_b).await;
    let restart = b.wait_for_action(&id_b, "health_restart").await;
    assert!(restart.action.success, "{restart:?}");

    // A saw nothing of B's agent at all: no container, health, metrics or
    // restart event, no history; its own agent ran on undisturbed.
    loop {
        match events_a.try_recv() {
            Ok(event) => assert_ne!(event.agent_id(), id_b, "A saw {event:?}"),
            Err(TryRecvError::Lagged(_)) => continue,
            Err(_) => break,
        }
    }
    assert!(a
        .service
        .store
        .actions(&id_b, 100)
        .await
        .unwrap()
        .is_empty());
    let now_a = wait_heartbeating(&a, &id_a).await;
    assert_eq!(now_a["container_id"], first_a["container_id"]);
    assert!(
        now_a["uptime_seconds"].as_u64() >= first_a["uptime_seconds"].as_u64(),
        "A's agent was not restarted: {first_a} then {now_a}"
    );

    a.service.first_pool().unwrap().remove(&id_a).await.unwrap();
    b.service.first_pool().unwrap().remove(&id_b).await.unwrap();
    a.stop().await;
    b.stop().await;
}
