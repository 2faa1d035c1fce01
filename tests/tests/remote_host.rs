//! A "remote VM" (a network namespace with its own dockerd and sshd, made by
//! `.ci/services`) driven only over SSH: test connection, pinned host key,
//! image shipped once, a pool of agents there, and a cut link.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig, AgentTask, TaskStatus};
use myca_e2e::agent::{agent_binary, collect_results, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::images::TagGuard;
use myca_e2e::locks::{vm_link_exclusive, vm_link_shared};
use myca_e2e::redis_server::RedisServer;
use myca_e2e::{docker_socket, free_port, service_env, unique_instance};
use myca_orchestrator::agent_image::ensure_agent_image;
use myca_orchestrator::broker::Broker;
use myca_orchestrator::broker_image::ensure_broker_image;
use myca_orchestrator::docker::connect_local;
use myca_orchestrator::hosts::{connect, test_connection, HostError, HostKind, HostProfile};
use myca_orchestrator::image_shipping::ensure_image_on;
use myca_orchestrator::pool::{
    broker_container, ensure_managed_broker, AgentNetwork, AgentPool, PoolSettings,
};
use myca_orchestrator::ssh::{fingerprint_of_openssh_public_key, SshAuth, SshError};
use serde_json::json;

fn vm_profile(fingerprint: String) -> HostProfile {
    HostProfile::new(
        "test-vm".to_owned(),
        HostKind::Ssh {
            host: service_env("MYCA_TEST_VM_SSH_HOST", "remote VM (netns sshd)"),
            port: 22,
            user: "root".to_owned(),
            auth: SshAuth::KeyFile {
                path: PathBuf::from(service_env("MYCA_TEST_SSH_KEY", "sshd")),
            },
            docker_socket: service_env("MYCA_TEST_VM_DOCKER_SOCKET", "remote VM dockerd"),
            host_key_fingerprint: fingerprint,
        },
    )
}

fn vm_fingerprint() -> String {
    let path = service_env("MYCA_TEST_VM_HOST_PUBKEY", "remote VM (netns sshd)");
    fingerprint_of_openssh_public_key(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn link(state: &str) {
    let device = service_env("MYCA_TEST_VM_LINK", "remote VM link");
    let status = Command::new("ip")
        .args(["link", "set", &device, state])
        .status()
        .unwrap();
    assert!(status.success(), "ip link set {device} {state}");
}

#[tokio::test]
async fn test_connection_over_ssh_reports_the_remote_engine() {
    let _link = vm_link_shared();
    let remote = connect(&vm_profile(vm_fingerprint()))
        .await
        .expect("SSH to the VM's engine")
        .docker
        .clone();
    let report = test_connection(&remote).await.unwrap();
    assert!(!report.engine_version.is_empty());
    assert!(report.api_version.starts_with("1."));
    assert!(report.cpus >= 1 && report.memory_bytes > 0);
    assert!(report.latency_ms > 0.0);
    // It is another engine than the local one (engine ids are shared
    // through /etc/docker on this machine; data roots are not).
    let local = connect_local(&docker_socket()).await.unwrap();
    let remote_root = remote.info().await.unwrap().docker_root_dir.unwrap();
    assert_ne!(
        Some(remote_root.clone()),
        local.info().await.unwrap().docker_root_dir
    );
    assert!(remote_root.ends_with("/vm/data"), "{remote_root}");
}

/// What an agent granted `docker_socket` on the remote host gets: the
/// remote socket's path and group, read with `stat` over the SSH link.
#[tokio::test]
async fn the_remote_sockets_group_is_read_over_ssh() {
    let _link = vm_link_shared();
    let profile = vm_profile(vm_fingerprint());
    let host = connect(&profile).await.expect("SSH to the VM's engine");
    let socket = service_env("MYCA_TEST_VM_DOCKER_SOCKET", "remote VM dockerd");
    let gid = {
        use std::os::unix::fs::MetadataExt;
        // The VM shares this machine's filesystem.
        std::fs::metadata(&socket).unwrap().gid()
    };
    assert_eq!(
        host.docker_socket(&profile).await,
        Ok(myca_orchestrator::pool::HostSocket { path: socket, gid })
    );
    let mut elsewhere = profile.clone();
    if let HostKind::Ssh { docker_socket, .. } = &mut elsewhere.kind {
        *docker_socket = "/run/no such dir/it's not.sock".to_owned();
    }
    let missing = host.docker_socket(&elsewhere).await.unwrap_err();
    assert!(
        missing.contains("stat of /run/no such dir/it's not.sock on the host answered")
            && missing.contains("No such file"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_host_key_other_than_the_pinned_one_is_refused() {
    let _link = vm_link_shared();
    let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned();
    let error = connect(&vm_profile(wrong)).await.expect_err("refused");
    assert!(
        matches!(error, HostError::Ssh(SshError::HostKeyMismatch { .. })),
        "{error}"
    );
}

#[tokio::test]
async fn the_agent_image_is_shipped_once_and_agents_run_there() {
    let _link = vm_link_shared();
    let local = connect_local(&docker_socket()).await.unwrap();
    let image = ensure_agent_image(&local, &agent_binary()).await.unwrap();
    let remote = connect(&vm_profile(vm_fingerprint()))
        .await
        .unwrap()
        .docker
        .clone();
    // A tag of this test's own is absent from the VM for sure, and removing
    // it afterwards cannot pull the image from under other tests using it.
    let mut ours = TagGuard::new(&local, &image.tag, "myca-ship-test").await;
    ours.reaches(&remote);

    let mut seen = Vec::new();
    let shipped = ensure_image_on(&local, &remote, &ours.tag, |p| seen.push(p))
        .await
        .unwrap();
    assert!(shipped);
    assert!(!seen.is_empty(), "progress reported");
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert!(seen.last().unwrap().bytes_done >= seen.last().unwrap().bytes_total);
    let mut again = 0;
    assert!(!ensure_image_on(&local, &remote, &ours.tag, |_| again += 1)
        .await
        .unwrap());
    assert_eq!(again, 0, "nothing sent the second time");
    ensure_image_on(&local, &remote, &image.tag, |_| {})
        .await
        .unwrap();

    // A broker the VM reaches: on the host's end of its link.
    let redis = RedisServer::start_on(&service_env("MYCA_TEST_VM_HOST_ADDR", "remote VM link"));
    let settings = PoolSettings {
        image: image.tag.clone(),
        redis_url: redis.url(),
        network: AgentNetwork::Host,
        first_port: free_port(),
        stop_grace: Duration::from_secs(10),
        instance: unique_instance(),
    };
    let pool = AgentPool::open(remote.clone(), settings).await.unwrap();
    let id = unique_agent_id("remote");
    let mut guard = ContainerGuard::new(&remote);
    guard.watch(container_name(&id));
    let agent = pool
        .spawn(&AgentConfig::new(&id, "test-agent", AgentCategory::Core))
        .await
        .unwrap();
    assert!(agent.is_running());
    assert!(
        local
            .inspect_container(&container_name(&id), None)
            .await
            .is_err(),
        "not on the local engine"
    );

    let broker = Broker::connect(&redis.url()).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    let echo = AgentTask::new(&id, "echo", json!({"where": "vm"}));
    broker.submit_to_agent(&echo).await.unwrap();
    let done = collect_results(&mut results, &[echo.id], Duration::from_secs(30)).await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].status, TaskStatus::Completed);

    let restarted = pool.restart(&id).await.unwrap();
    assert_eq!(restarted.container_id, agent.container_id);
    pool.stop(&id, false).await.unwrap();
    pool.remove(&id).await.unwrap();
    assert!(pool.agent(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn a_cut_link_fails_requests_and_a_restored_one_carries_on() {
    let _link = vm_link_exclusive();
    let remote = connect(&vm_profile(vm_fingerprint()))
        .await
        .unwrap()
        .docker
        .clone();
    remote.ping().await.expect("link up");
    link("down");
    let while_down = tokio::time::timeout(Duration::from_secs(60), remote.ping()).await;
    link("up");
    assert!(
        matches!(while_down, Ok(Err(_))),
        "a request over a cut link fails (and does not hang)"
    );
    let mut recovered = false;
    for _ in 0..20 {
        if remote.ping().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        recovered,
        "the same client reconnected after the link came back"
    );
    assert!(test_connection(&remote).await.is_ok());
}

#[tokio::test]
async fn a_remote_pool_runs_its_own_broker_reached_through_the_ssh_link() {
    let _link = vm_link_shared();
    let local = connect_local(&docker_socket()).await.unwrap();
    let agent_image = ensure_agent_image(&local, &agent_binary()).await.unwrap();
    let redis_server = std::path::Path::new("/usr/bin/redis-server");
    let broker_image = ensure_broker_image(&local, redis_server)
        .await
        .expect("broker image builds");
    let host = connect(&vm_profile(vm_fingerprint())).await.unwrap();
    for tag in [&agent_image.tag, &broker_image.tag] {
        ensure_image_on(&local, &host.docker, tag, |_| {})
            .await
            .unwrap();
    }

    let network = "mas-network";
    let instance = unique_instance();
    let mut guard = ContainerGuard::new(&host.docker);
    guard.watch(broker_container(&instance));
    let broker = ensure_managed_broker(&host.docker, network, &broker_image.tag, &instance)
        .await
        .unwrap();
    let again = ensure_managed_broker(&host.docker, network, &broker_image.tag, &instance)
        .await
        .unwrap();
    assert_eq!(
        again.container_id, broker.container_id,
        "one broker per pool"
    );
    assert_eq!(broker.name, format!("mas-redis-{instance}"));
    assert_eq!(
        broker.agent_url,
        format!("redis://mas-redis-{instance}:6379/0")
    );
    let published = host
        .docker
        .inspect_container(&broker.name, None)
        .await
        .unwrap()
        .host_config
        .and_then(|h| h.port_bindings)
        .unwrap_or_default();
    assert!(
        published.is_empty(),
        "the broker is not published on the VM's network"
    );
    let settings = PoolSettings {
        image: agent_image.tag.clone(),
        redis_url: broker.agent_url.clone(),
        network: AgentNetwork::Bridge(network.to_owned()),
        first_port: 8080,
        stop_grace: Duration::from_secs(10),
        instance,
    };
    let pool = AgentPool::open(host.docker.clone(), settings)
        .await
        .unwrap();

    let id = unique_agent_id("bridged");
    guard.watch(container_name(&id));
    pool.spawn(&AgentConfig::new(&id, "test-agent", AgentCategory::Core))
        .await
        .unwrap();

    // The orchestrator reaches the VM's broker only through the SSH link.
    let forwarded = host.reach(&broker.ip, broker.port).await.unwrap();
    assert!(forwarded.starts_with("127.0.0.1:"), "{forwarded}");
    let client = Broker::connect(&format!("redis://{forwarded}/0"))
        .await
        .expect("broker via SSH");
    let mut results = client.results("test").await.unwrap();
    let echo = AgentTask::new(&id, "echo", json!({"via": "ssh"}));
    client.submit_to_agent(&echo).await.unwrap();
    let done = collect_results(&mut results, &[echo.id], Duration::from_secs(40)).await;
    assert_eq!(
        done.len(),
        1,
        "an agent on the VM's bridge network answered through its broker"
    );
    assert_eq!(done[0].result, Some(json!({"via": "ssh"})));
    pool.remove(&id).await.unwrap();

    // Scaling works the same on the remote engine.
    let template = AgentConfig::new("test-agent-1", "test-agent", AgentCategory::Core);
    (1..=2).for_each(|n| guard.watch(container_name(&format!("test-agent-{n}"))));
    let replicas = pool.scale(&template, 2).await.unwrap();
    assert_eq!(replicas.len(), 2);
    assert!(replicas.iter().all(|r| r.is_running()));
    let shared = AgentTask::new("test-agent", "echo", json!({"replicas": 2}));
    client.submit_to_type("test-agent", &shared).await.unwrap();
    assert_eq!(
        collect_results(&mut results, &[shared.id], Duration::from_secs(40))
            .await
            .len(),
        1
    );
    assert!(pool.scale(&template, 0).await.unwrap().is_empty());
    let left = pool.agents().await.unwrap();
    assert!(
        left.iter().all(|a| !a.agent_id.starts_with("test-agent-")),
        "{left:?}"
    );
}
