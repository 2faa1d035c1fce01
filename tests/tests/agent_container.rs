//! The agent image built by our own code (FROM scratch, no registry) and the
//! runtime in a real container on the real Docker Engine.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, StopContainerOptions,
};
use myca_agents::protocol::names::{container_name, LABEL_AGENT, LABEL_AGENT_ID};
use myca_agents::protocol::{AgentTask, TaskStatus};
use myca_e2e::agent::{agent_binary, collect_results, fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::{docker_socket, free_port};
use myca_orchestrator::agent_image::{ensure_agent_image, tag_for};
use myca_orchestrator::broker::Broker;
use myca_orchestrator::docker::connect_local;
use serde_json::json;

#[tokio::test]
async fn built_image_runs_a_task_and_stops_cleanly_on_sigterm() {
    let docker = connect_local(&docker_socket())
        .await
        .expect("Docker Engine reachable");
    let binary = agent_binary();
    let image = ensure_agent_image(&docker, &binary)
        .await
        .expect("agent image builds");
    assert_eq!(
        image.tag,
        tag_for(&std::fs::read(&binary).unwrap()).await.unwrap()
    );
    let again = ensure_agent_image(&docker, &binary).await.unwrap();
    assert!(!again.built, "an unchanged binary reuses its image");
    let inspected = docker.inspect_image(&image.tag).await.unwrap();
    assert_eq!(
        inspected.config.and_then(|c| c.user).as_deref(),
        Some("65534:65534")
    );

    let redis = fresh_redis_db().await;
    let id = unique_agent_id("boxed");
    let port = free_port();
    let name = container_name(&id);
    let labels = HashMap::from([
        (LABEL_AGENT.to_owned(), "true".to_owned()),
        (LABEL_AGENT_ID.to_owned(), id.clone()),
    ]);
    let body = ContainerCreateBody {
        image: Some(image.tag.clone()),
        env: Some(vec![
            format!("AGENT_ID={id}"),
            "AGENT_TYPE=test-agent".to_owned(),
            "AGENT_CATEGORY=core".to_owned(),
            format!("REDIS_URL={redis}"),
            format!("AGENT_PORT={port}"),
            "HEARTBEAT_INTERVAL=1".to_owned(),
        ]),
        labels: Some(labels),
        // The test Redis listens on the host's loopback only.
        host_config: Some(HostConfig {
            network_mode: Some("host".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    docker
        .create_container(
            Some(CreateContainerOptions {
                name: Some(name.clone()),
                ..Default::default()
            }),
            body,
        )
        .await
        .expect("container created");
    let mut cleanup = ContainerGuard::new(&docker);
    cleanup.watch(&name);
    docker
        .start_container(&name, None)
        .await
        .expect("container starts");

    let broker = Broker::connect(&redis).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    let echo = AgentTask::new(&id, "echo", json!({"from": "container"}));
    broker.submit_to_agent(&echo).await.unwrap();
    let done = collect_results(&mut results, &[echo.id], Duration::from_secs(30)).await;
    assert_eq!(done.len(), 1, "the containerised agent answered");
    assert_eq!(done[0].status, TaskStatus::Completed);
    assert_eq!(done[0].result, Some(json!({"from": "container"})));

    let health: serde_json::Value = myca_e2e::http_client()
        .get(format!("http://127.0.0.1:{port}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["agent_id"], id.as_str());

    let started = Instant::now();
    docker
        .stop_container(
            &name,
            Some(StopContainerOptions {
                t: Some(20),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "SIGTERM handled, not waited out"
    );
    let state = docker
        .inspect_container(&name, None::<InspectContainerOptions>)
        .await
        .unwrap()
        .state
        .unwrap();
    assert_eq!(state.exit_code, Some(0));
    drop(cleanup);
}
