//! Agent pools on the real local Docker Engine: idempotent and parallel
//! spawns, hardening, restart/stop/remove, scale, adoption and restarts of
//! agents killed from outside.

use std::time::{Duration, Instant};

use bollard::query_parameters::InspectContainerOptions;
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig, AgentTask, TaskStatus};
use myca_e2e::agent::{collect_results, fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::{local_pool, local_pool_of, wait_healthy};
use myca_orchestrator::broker::Broker;
use myca_orchestrator::pool::{PoolError, AGENT_USER};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(30);

fn config(agent_id: &str) -> AgentConfig {
    let mut config = AgentConfig::new(agent_id, "test-agent", AgentCategory::Core);
    config.cpu_limit = 0.5;
    config.memory_limit = 64;
    config.heartbeat_interval = 1;
    config
}

#[tokio::test]
async fn spawn_is_idempotent_hardened_and_restartable() {
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let id = unique_agent_id("pooled");
    let mut guard = ContainerGuard::new(pool.docker());
    guard.watch(container_name(&id));
    let agent_config = config(&id);

    let spawns = (0..5).map(|_| pool.spawn(&agent_config));
    let spawned: Vec<_> = futures_util::future::join_all(spawns)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every concurrent spawn succeeds");
    let container = spawned[0].container_id.clone();
    assert!(
        spawned.iter().all(|a| a.container_id == container),
        "one container, not five"
    );
    assert_eq!(
        pool.agents()
            .await
            .unwrap()
            .iter()
            .filter(|a| a.agent_id == id)
            .count(),
        1
    );
    let port = spawned[0].port.expect("host-network agents get a port");
    wait_healthy(port, PATIENCE).await;

    let inspect = pool
        .docker()
        .inspect_container(&container_name(&id), None::<InspectContainerOptions>)
        .await
        .unwrap();
    let host = inspect.host_config.unwrap();
    assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
    assert_eq!(
        host.security_opt,
        Some(vec!["no-new-privileges:true".to_owned()])
    );
    assert_eq!(host.readonly_rootfs, Some(true));
    assert!(host.tmpfs.unwrap().contains_key("/tmp"));
    assert_eq!(host.memory, Some(64 * 1024 * 1024));
    assert_eq!(host.nano_cpus, Some(500_000_000));
    assert_eq!(inspect.config.unwrap().user.as_deref(), Some(AGENT_USER));

    let restarted = pool.restart(&id).await.unwrap();
    assert_eq!(
        restarted.container_id, container,
        "restart reuses the container"
    );
    assert!(restarted.is_running());
    wait_healthy(port, PATIENCE).await;

    let stopping = Instant::now();
    pool.stop(&id, false).await.unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(8),
        "graceful stop does not wait out the grace"
    );
    let state = pool
        .docker()
        .inspect_container(&container_name(&id), None::<InspectContainerOptions>)
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(state.exit_code, Some(0));

    let again = pool.spawn(&agent_config).await.unwrap();
    assert_eq!(
        again.container_id, container,
        "spawning a stopped agent starts it again"
    );
    assert!(again.is_running());

    pool.remove(&id).await.unwrap();
    assert!(pool.agent(&id).await.unwrap().is_none());
    assert!(matches!(
        pool.stop(&id, true).await,
        Err(PoolError::UnknownAgent(_))
    ));
}

#[tokio::test]
async fn parallel_spawns_get_their_own_ports_and_a_new_pool_adopts_them() {
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let ids: Vec<String> = (0..4)
        .map(|n| unique_agent_id(&format!("fleet{n}")))
        .collect();
    let mut guard = ContainerGuard::new(pool.docker());
    ids.iter().for_each(|id| guard.watch(container_name(id)));

    let configs: Vec<_> = ids.iter().map(|id| config(id)).collect();
    let spawned: Vec<_> = futures_util::future::join_all(configs.iter().map(|c| pool.spawn(c)))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut ports: Vec<u16> = spawned.iter().map(|a| a.port.unwrap()).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 4, "no two agents share a health port");
    for port in &ports {
        wait_healthy(*port, PATIENCE).await;
    }

    // A new pool object of the same instance (as after an orchestrator
    // restart) finds them all, once.
    let instance = pool.instance().clone();
    drop(pool);
    let adopted = local_pool_of(&redis, instance).await;
    let found = adopted.agents().await.unwrap();
    for id in &ids {
        assert_eq!(
            found.iter().filter(|a| &a.agent_id == id).count(),
            1,
            "{id}"
        );
    }
    let respawned = adopted.spawn(&configs[0]).await.unwrap();
    assert_eq!(respawned.container_id, spawned[0].container_id);
}

#[tokio::test]
async fn an_agent_killed_from_outside_is_restarted_by_its_policy() {
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let id = unique_agent_id("crashy");
    let mut guard = ContainerGuard::new(pool.docker());
    guard.watch(container_name(&id));
    let agent = pool.spawn(&config(&id)).await.unwrap();
    wait_healthy(agent.port.unwrap(), PATIENCE).await;

    let inspect = |docker: bollard::Docker, name: String| async move {
        docker
            .inspect_container(&name, None::<InspectContainerOptions>)
            .await
            .unwrap()
    };
    let before = inspect(pool.docker().clone(), container_name(&id)).await;
    let pid = before.state.unwrap().pid.unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = inspect(pool.docker().clone(), container_name(&id)).await;
        let running = now.state.as_ref().and_then(|s| s.running).unwrap_or(false);
        if now.restart_count.unwrap_or(0) >= 1 && running {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not restarted after being killed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_healthy(agent.port.unwrap(), PATIENCE).await;
}

#[tokio::test]
async fn scale_adds_and_removes_replicas_that_share_the_work() {
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let template = config("test-agent-1");
    let mut guard = ContainerGuard::new(pool.docker());
    (1..=3).for_each(|n| guard.watch(container_name(&format!("test-agent-{n}"))));

    let replicas = pool.scale(&template, 3).await.unwrap();
    assert_eq!(replicas.len(), 3);
    for replica in &replicas {
        wait_healthy(replica.port.unwrap(), PATIENCE).await;
    }
    let broker = Broker::connect(&redis).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|n| AgentTask::new("test-agent", "sleep", json!({"ms": 300, "n": n})))
        .collect();
    for task in &tasks {
        broker.submit_to_type("test-agent", task).await.unwrap();
    }
    let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
    let done = collect_results(&mut results, &ids, PATIENCE).await;
    assert_eq!(done.len(), 6);
    assert!(done.iter().all(|t| t.status == TaskStatus::Completed));

    let remaining = pool.scale(&template, 1).await.unwrap();
    assert_eq!(remaining.len(), 1);
    let left: Vec<_> = pool
        .agents()
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.agent_id.starts_with("test-agent-"))
        .map(|a| a.agent_id)
        .collect();
    assert_eq!(left, ["test-agent-1"]);
}

#[tokio::test]
async fn invalid_configurations_are_refused_before_docker_is_asked() {
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let mut bad = config("Bad_Id");
    let error = pool.spawn(&bad).await.unwrap_err();
    assert!(matches!(error, PoolError::InvalidConfig(_)), "{error}");
    bad.agent_id = unique_agent_id("tiny");
    bad.memory_limit = 1;
    assert!(pool
        .spawn(&bad)
        .await
        .unwrap_err()
        .to_string()
        .contains("memory_limit"));
}

#[tokio::test]
async fn a_missing_image_says_how_to_provide_one() {
    let redis = fresh_redis_db().await;
    let docker = myca_orchestrator::docker::connect_local(&myca_e2e::docker_socket())
        .await
        .unwrap();
    let settings = myca_orchestrator::pool::PoolSettings {
        image: "myca-agent:not-built-here".to_owned(),
        redis_url: redis,
        network: myca_orchestrator::pool::AgentNetwork::Host,
        first_port: myca_e2e::free_port(),
        stop_grace: Duration::from_secs(5),
        instance: myca_e2e::unique_instance(),
    };
    let pool = myca_orchestrator::pool::AgentPool::open(docker, settings)
        .await
        .unwrap();
    let error = pool
        .spawn(&config(&unique_agent_id("imageless")))
        .await
        .unwrap_err();
    assert!(matches!(error, PoolError::ImageMissing { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("myca-agent:not-built-here") && message.contains("ship it"),
        "{message}"
    );
}
