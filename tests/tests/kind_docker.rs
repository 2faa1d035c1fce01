//! `docker-agent` in a real container, spawned through the API by the
//! seed's name for it (`docker`), against our real dockerd: the host's
//! socket only with `"grants": ["docker_socket"]` (checked on the real
//! container), a throwaway workload container of the test's own listed,
//! stopped, started, restarted and measured; a pull with no registry, a
//! bad payload, an unknown container, an engine where nothing listens, the
//! grant refusals, and the seed's required docker-agent filled as a gap.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::closed_port;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy, PATIENCE};
use myca_e2e::workload::{start_workload, state_of, workload_image};
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::{json, Value};

fn docker_body(extra: Value) -> Value {
    let mut body =
        json!({"agent_type": "docker", "category": "infrastructure", "memory_limit": 64});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// Waits until the agent's SQL history holds `action`.
async fn recorded_action(api: &ApiServer, agent_id: &str, action: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (code, view) = api
            .call(
                Method::GET,
                &format!("/api/dashboard/agents/{agent_id}"),
                None,
            )
            .await;
        assert_eq!(code, 200, "{view}");
        let found = view["recent_actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["action_type"] == action)
            .cloned();
        if let Some(found) = found {
            return found;
        }
        assert!(Instant::now() < deadline, "no {action} in {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn docker_agent_manages_containers_on_the_granted_engine() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let docker = api.service.first_pool().unwrap().docker().clone();
    let mut guard = ContainerGuard::new(&docker);
    let image = workload_image(&docker).await;
    let (work, project) = (unique_agent_id("dk-work"), unique_agent_id("dk-proj"));
    start_workload(&docker, &mut guard, &work, &image, &project).await;

    // The host's socket without the grant, and a grant to a kind that has no use for it.
    let ops = unique_agent_id("dk");
    let (code, refused) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(docker_body(json!({"agent_id": ops}))),
        )
        .await;
    assert_eq!(code, 422, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().starts_with(
            "grants: settings.docker_host unix:///var/run/docker.sock is the host's Docker socket"
        ),
        "{refused}"
    );
    let (code, refused) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(
                json!({"agent_id": unique_agent_id("dk-plain"), "agent_type": "test-agent",
                        "category": "core", "grants": ["docker_socket"]}),
            ),
        )
        .await;
    assert_eq!(code, 422, "{refused}");
    assert_eq!(
        refused["detail"],
        "grants: kind test-agent does not use the privilege docker_socket; remove it from \"grants\""
    );
    let (code, refused) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(docker_body(
                json!({"agent_id": unique_agent_id("dk-root"), "grants": ["root"]}),
            )),
        )
        .await;
    assert_eq!(code, 422, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("grants"),
        "{refused}"
    );

    // Granted: the real container has the socket and its group, and says so.
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &ops,
        docker_body(json!({"grants": ["docker_socket"]})),
    )
    .await;
    assert_eq!(spawned["agent_type"], "docker-agent", "{spawned}");
    assert_eq!(spawned["grants"], json!(["docker_socket"]));
    let inspected = docker
        .inspect_container(&container_name(&ops), None)
        .await
        .unwrap();
    let mounts = inspected.mounts.clone().unwrap_or_default();
    assert!(
        mounts
            .iter()
            .any(|m| m.source.as_deref() == Some("/var/run/docker.sock")
                && m.destination.as_deref() == Some("/var/run/docker.sock")),
        "{mounts:?}"
    );
    let socket_gid = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/var/run/docker.sock").unwrap().gid()
    };
    let host = inspected.host_config.unwrap();
    assert_eq!(host.group_add.unwrap(), [socket_gid.to_string()]);
    assert_eq!(
        inspected.config.unwrap().user.as_deref(),
        Some("65534:65534"),
        "still the unprivileged user"
    );
    let granted = recorded_action(&api, &ops, "privileges_granted").await;
    assert_eq!(granted["input_summary"], "docker_socket");

    // Its project's containers, with state, image and Compose labels.
    let listed = completed(&api, &ops, "list_containers", json!({"project": project})).await;
    assert_eq!(
        listed["containers"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
    let entry = &listed["containers"][0];
    assert_eq!(entry["name"], json!(work));
    assert_eq!(entry["image"], json!(image));
    assert_eq!(entry["state"], "running");
    assert_eq!(entry["service"], "cache");
    assert_eq!(
        listed["projects"],
        json!([{"name": project, "containers": 1, "running": 1}])
    );
    let everything = completed(&api, &ops, "list_containers", json!({})).await;
    assert!(everything["containers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == json!(container_name(&ops))));

    let stats = completed(&api, &ops, "container_stats", json!({"container": work})).await;
    assert_eq!(stats["name"], json!(work));
    assert!(
        stats["memory_usage_bytes"].as_u64().unwrap() > 100_000,
        "{stats}"
    );
    assert!(
        stats["memory_limit_bytes"].as_u64().unwrap()
            > stats["memory_usage_bytes"].as_u64().unwrap()
    );
    assert!(stats["pids"].as_u64().unwrap() >= 1, "{stats}");
    assert!(stats["cpu_percent"].as_f64().unwrap() >= 0.0, "{stats}");

    let stop = json!({"container": work, "action": "stop", "timeout_seconds": 5});
    let stopped = completed(&api, &ops, "container_action", stop.clone()).await;
    assert_eq!(
        (
            stopped["changed"].clone(),
            stopped["state"].clone(),
            stopped["running"].clone()
        ),
        (json!(true), json!("exited"), json!(false))
    );
    assert_eq!(state_of(&docker, &work).await, "exited");
    let again = completed(&api, &ops, "container_action", stop).await;
    assert_eq!(again["changed"], false, "already stopped: {again}");
    let started = completed(
        &api,
        &ops,
        "container_action",
        json!({"container": work, "action": "start"}),
    )
    .await;
    assert_eq!(started["state"], "running");
    assert_eq!(state_of(&docker, &work).await, "running");
    let restarted = completed(
        &api,
        &ops,
        "container_action",
        json!({"container": work, "action": "restart", "timeout_seconds": 5}),
    )
    .await;
    assert_eq!(
        (restarted["changed"].clone(), restarted["state"].clone()),
        (json!(true), json!("running"))
    );

    let repository = image.split(':').next().unwrap();
    let images = completed(&api, &ops, "list_images", json!({"reference": repository})).await;
    assert!(
        images["images"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["tags"].as_array().unwrap().contains(&json!(image))),
        "{images}"
    );

    // No registry is reachable here: the engine's own reason.
    let pull = failed(
        &api,
        &ops,
        "pull_image",
        json!({"image": "myca-e2e-absent/app", "tag": "v1"}),
    )
    .await;
    assert!(
        pull.starts_with("pulling myca-e2e-absent/app:v1: docker: failed on its side (500): "),
        "{pull}"
    );
    assert!(pull.contains("registry-1.docker.io"), "{pull}");

    // Bad payloads, and a container the engine does not have.
    let bad = failed(
        &api,
        &ops,
        "container_action",
        json!({"container": work, "action": "explode"}),
    )
    .await;
    assert_eq!(
        bad,
        "invalid payload: payload.action: must be one of [\"start\",\"stop\",\"restart\"]"
    );
    let sneaky = failed(
        &api,
        &ops,
        "container_stats",
        json!({"container": "../images"}),
    )
    .await;
    assert_eq!(sneaky, "container \"../images\" is not a Docker container");
    let missing = failed(
        &api,
        &ops,
        "container_stats",
        json!({"container": "myca-e2e-no-such"}),
    )
    .await;
    assert_eq!(
        missing,
        "docker: not found (404): No such container: myca-e2e-no-such"
    );

    // The seed's required docker-agent fills as a gap only when the filler grants the socket.
    let required = unique_agent_id("dk-gap");
    guard.watch(container_name(&required));
    let requirements = json!({"categories": {"infrastructure": [{"agent_id": required, "agent_type": "docker"}]},
                              "approval_categories": []});
    let (code, _) = api
        .call(Method::PUT, "/gaps/requirements", Some(requirements))
        .await;
    assert_eq!(code, 200);
    let fill = format!("/gaps/{required}/fill");
    let (code, refused) = api
        .call(Method::POST, &fill, Some(json!({"by": "ops"})))
        .await;
    assert_eq!(code, 422, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().starts_with("grants: "),
        "{refused}"
    );
    let (code, filled) = api
        .call(
            Method::POST,
            &fill,
            Some(json!({"by": "ops", "grants": ["docker_socket"]})),
        )
        .await;
    assert_eq!(code, 200, "{filled}");
    assert_eq!(filled["outcome"], "spawned");
    assert_eq!(filled["agent"]["agent_type"], "docker-agent");
    assert_eq!(filled["agent"]["grants"], json!(["docker_socket"]));

    // A tcp:// engine needs no grant, and gets no socket; nothing listens there.
    let down = unique_agent_id("dk-down");
    let port = closed_port();
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        docker_body(json!({"settings": {"docker_host": format!("tcp://127.0.0.1:{port}")}})),
    )
    .await;
    let inspected = docker
        .inspect_container(&container_name(&down), None)
        .await
        .unwrap();
    assert!(inspected.mounts.unwrap_or_default().is_empty());
    assert!(inspected
        .host_config
        .unwrap()
        .group_add
        .unwrap_or_default()
        .is_empty());
    let unreachable = failed(&api, &down, "list_containers", json!({})).await;
    assert!(
        unreachable.starts_with("docker: unreachable: ")
            && unreachable.contains("onnection refused"),
        "{unreachable}"
    );

    api.stop().await;
}
