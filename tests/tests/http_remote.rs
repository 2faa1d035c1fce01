//! `myca serve`'s service on the "remote VM", reached only over SSH: a
//! managed broker there (reached through the SSH link), an agent spawned with
//! the seed's body and a task completed, all over HTTP; the topology places
//! the agent on the VM, not on `local`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::locks::vm_link_shared;
use myca_e2e::redis_server::which_redis;
use myca_e2e::service_env;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::hosts::{HostKind, HostProfile};
use myca_orchestrator::pool::{broker_container, AgentNetwork};
use myca_orchestrator::service::BrokerChoice;
use myca_orchestrator::ssh::{fingerprint_of_openssh_public_key, SshAuth};
use reqwest::Method;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_service_runs_its_fleet_on_a_remote_host_over_ssh() {
    // Its fleet instance has a managed broker of its own on the VM, so it
    // can share the VM with other tests.
    let _link = vm_link_shared();
    let public_key = std::fs::read_to_string(service_env(
        "MYCA_TEST_VM_HOST_PUBKEY",
        "remote VM (netns sshd)",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    config.host = HostProfile::new(
        "test-vm",
        HostKind::Ssh {
            host: service_env("MYCA_TEST_VM_SSH_HOST", "remote VM (netns sshd)"),
            port: 22,
            user: "root".into(),
            auth: SshAuth::KeyFile {
                path: PathBuf::from(service_env("MYCA_TEST_SSH_KEY", "sshd")),
            },
            docker_socket: service_env("MYCA_TEST_VM_DOCKER_SOCKET", "remote VM dockerd"),
            host_key_fingerprint: fingerprint_of_openssh_public_key(&public_key).unwrap(),
        },
    );
    config.broker = BrokerChoice::Managed {
        redis_server: which_redis(),
    };
    config.agent_network = AgentNetwork::Bridge("mas-network".into());
    let api = ApiServer::start(config).await;
    assert!(
        api.service.hosts.brokers()[0]
            .url
            .starts_with("redis://127.0.0.1:"),
        "{}",
        api.service.hosts.brokers()[0].url
    );
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    guard.watch(broker_container(
        api.service.first_pool().unwrap().instance(),
    ));
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

    let topology: Value = api
        .request(Method::GET, "/api/dashboard/topology")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let nodes = topology["nodes"].as_array().unwrap();
    let hosts: Vec<&Value> = nodes.iter().filter(|n| n["kind"] == "host").collect();
    assert_eq!(hosts.len(), 1, "{topology}");
    assert_eq!(hosts[0]["id"], "host:test-vm");
    assert_eq!(hosts[0]["label"], "test-vm");
    let vm_address = format!(
        "ssh://root@{}:22",
        service_env("MYCA_TEST_VM_SSH_HOST", "remote VM (netns sshd)")
    );
    assert_eq!(hosts[0]["address"], json!(vm_address));
    let placed_on_vm = topology["edges"].as_array().unwrap().iter().any(|e| {
        e["kind"] == "placement" && e["source"] == "host:test-vm" && e["target"] == json!(id)
    });
    assert!(placed_on_vm, "the agent is placed on the VM: {topology}");

    api.service.first_pool().unwrap().remove(&id).await.unwrap();
    api.stop().await;
}
