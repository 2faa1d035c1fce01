//! `myca serve`'s service on the "remote VM", reached only over SSH: a
//! managed broker there (reached through the SSH link), an agent spawned with
//! the seed's body and a task completed, all over HTTP.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::locks::vm_link_exclusive;
use myca_e2e::redis_server::which_redis;
use myca_e2e::service_env;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::hosts::{HostKind, HostProfile};
use myca_orchestrator::pool::AgentNetwork;
use myca_orchestrator::service::BrokerChoice;
use myca_orchestrator::ssh::{fingerprint_of_openssh_public_key, SshAuth};
use reqwest::Method;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_service_runs_its_fleet_on_a_remote_host_over_ssh() {
    // Alone on the VM: its broker's result stream is not shared with other tests.
    let _link = vm_link_exclusive();
    let public_key = std::fs::read_to_string(service_env(
        "MYCA_TEST_VM_HOST_PUBKEY",
        "remote VM (netns sshd)",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    config.host = HostProfile {
        name: "test-vm".into(),
        kind: HostKind::Ssh {
            host: service_env("MYCA_TEST_VM_SSH_HOST", "remote VM (netns sshd)"),
            port: 22,
            user: "root".into(),
            auth: SshAuth::KeyFile {
                path: PathBuf::from(service_env("MYCA_TEST_SSH_KEY", "sshd")),
            },
            docker_socket: service_env("MYCA_TEST_VM_DOCKER_SOCKET", "remote VM dockerd"),
            host_key_fingerprint: fingerprint_of_openssh_public_key(&public_key).unwrap(),
        },
    };
    config.broker = BrokerChoice::Managed {
        redis_server: which_redis(),
    };
    config.agent_network = AgentNetwork::Bridge("mas-network".into());
    let api = ApiServer::start(config).await;
    assert!(
        api.service.broker_url.starts_with("redis://127.0.0.1:"),
        "{}",
        api.service.broker_url
    );
    let mut guard = ContainerGuard::new(api.service.pool.docker());
    let id = unique_agent_id("remote-http");
    guard.watch(container_name(&id));

    let spawned: Value = api
        .request(Method::POST, "/agents/spawn")
        .json(
            &json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                      "display_name": "Remote", "cpu_limit": 1.0, "memory_limit": 64}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spawned["agent_id"], json!(id), "{spawned}");
    let submitted: Value = api
        .request(Method::POST, "/tasks")
        .json(&json!({"agent_id": id, "task_type": "echo", "payload": {"where": "vm"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let task: Value = api
            .request(Method::GET, &format!("/tasks/{task_id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if task["status"] == "completed" {
            assert_eq!(task["result"], json!({"where": "vm"}));
            break;
        }
        assert!(Instant::now() < deadline, "not completed: {task}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    api.service.pool.remove(&id).await.unwrap();
    api.stop().await;
}
