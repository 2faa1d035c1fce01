//! A fleet service driven through its HTTP API, waiting on what takes
//! time: hosts joining, agents becoming live, tasks finishing.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::api::ApiServer;

/// Joining a VM builds the agent and broker images on its engine first.
pub const JOINING: Duration = Duration::from_secs(240);
pub const PATIENCE: Duration = Duration::from_secs(90);

pub async fn wait_for_host(api: &ApiServer, name: &str, state: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (_, listed) = api.call(Method::GET, "/hosts", None).await;
        let host = listed["hosts"]
            .as_array()
            .and_then(|hosts| hosts.iter().find(|h| h["name"] == name).cloned());
        if let Some(host) = host.filter(|h| h["state"] == state) {
            return host;
        }
        assert!(Instant::now() < deadline, "{name} never {state}: {listed}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub async fn spawn(api: &ApiServer, body: Value) -> Value {
    let (code, spawned) = api.call(Method::POST, "/agents/spawn", Some(body)).await;
    assert_eq!(code, 200, "{spawned}");
    spawned
}

pub async fn wait_until_live(api: &ApiServer, ids: &[&str]) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, listed) = api.call(Method::GET, "/agents", None).await;
        let live = ids.iter().all(|id| {
            listed["agents"].as_array().unwrap().iter().any(|a| {
                a["agent_id"] == **id
                    && matches!(a["status"].as_str(), Some("idle" | "active" | "busy"))
            })
        });
        if live {
            return;
        }
        assert!(Instant::now() < deadline, "not all live: {listed}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub async fn finished_task(api: &ApiServer, task_id: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, task) = api
            .call(Method::GET, &format!("/tasks/{task_id}"), None)
            .await;
        if task["status"] == "completed" {
            return task;
        }
        assert!(Instant::now() < deadline, "not completed: {task}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A service on this machine's engine whose hosts each run their own
/// managed broker (agents on a bridge network), storing in `dir`.
pub async fn managed_fleet_config(
    dir: &std::path::Path,
) -> myca_orchestrator::service::ServiceConfig {
    let mut config =
        crate::api::test_service_config(myca_orchestrator::config::DatabaseTarget::sqlite_in(dir))
            .await;
    config.broker = myca_orchestrator::service::BrokerChoice::Managed {
        redis_server: crate::redis_server::which_redis(),
    };
    config.agent_network = myca_orchestrator::pool::AgentNetwork::Bridge("mas-network".into());
    config
}

/// Adds the VM as host `name` with its key pinned (as ssh-keygen prints it)
/// and waits until it is up.
pub async fn join_vm(api: &ApiServer, vm: &crate::vms::Vm, name: &str) -> Value {
    let mut profile = vm.profile(name);
    profile["host_key_fingerprint"] = Value::String(vm.fingerprint());
    let (code, joined) = api.call(Method::POST, "/hosts", Some(profile)).await;
    assert_eq!(code, 200, "{joined}");
    wait_for_host(api, name, "up", JOINING).await
}
