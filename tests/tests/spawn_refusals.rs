//! Spawns that could not run are refused with 422 before any container
//! exists: a kind the runtime does not run (listing the kinds it does) and
//! an `environment` that would override a managed variable (naming it) —
//! over HTTP and through the `myca spawn` command. Spawning an id that
//! already runs returns it only when the body is valid and names its kind.

use std::process::Output;

use bollard::query_parameters::InspectContainerOptions;
use bollard::Docker;
use myca_agents::protocol::names::container_name;
use myca_agents::runtime::handlers::known_kinds;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer, API_KEY};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::stores::{Backend, TestStore};
use reqwest::Method;
use serde_json::{json, Value};

/// `myca` sits beside the test binaries' `deps` directory. Awaited, so the
/// in-process server on this runtime can answer it.
async fn myca(server: &ApiServer, args: &[&str]) -> Output {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("myca");
    assert!(path.is_file(), "myca not built at {}", path.display());
    tokio::process::Command::new(path)
        .args(args)
        .args(["--url", &server.url(""), "--api-key", API_KEY])
        .output()
        .await
        .expect("myca runs")
}

async fn spawn(server: &ApiServer, body: Value) -> (u16, String) {
    let response = server
        .request(Method::POST, "/agents/spawn")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn assert_no_container(docker: &Docker, agent_id: &str) {
    let found = docker
        .inspect_container(&container_name(agent_id), None::<InspectContainerOptions>)
        .await;
    assert!(found.is_err(), "a container exists for {agent_id}");
}

#[tokio::test]
async fn unknown_kinds_and_managed_variables_are_refused_before_any_container() {
    let test_store = TestStore::empty(Backend::Sqlite).await;
    let server = ApiServer::start(test_service_config(test_store.target.clone()).await).await;
    let docker = server.service.first_pool().unwrap().docker().clone();

    let id = unique_agent_id("nokind");
    let (status, detail) = spawn(
        &server,
        json!({"agent_id": id, "agent_type": "oracle-agent", "category": "corporate",
               "display_name": "Oracle", "cpu_limit": 1.0, "memory_limit": 64}),
    )
    .await;
    assert_eq!(status, 422, "{detail}");
    assert!(detail.contains("oracle-agent"), "{detail}");
    for kind in known_kinds() {
        assert!(detail.contains(kind), "{detail} lists {kind}");
    }
    assert_no_container(&docker, &id).await;

    let cli = myca(
        &server,
        &[
            "spawn",
            &id,
            "--type",
            "oracle-agent",
            "--memory-limit",
            "64",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(!cli.status.success(), "{cli:?}");
    assert!(
        stderr.contains("422") && stderr.contains("unknown agent type \"oracle-agent\""),
        "{stderr}"
    );
    assert!(stderr.contains("test-agent"), "{stderr}");
    assert_no_container(&docker, &id).await;

    let id = unique_agent_id("managed");
    for managed in ["REDIS_URL", "AGENT_ID", "BOOTSTRAP_TOKEN"] {
        let (status, detail) = spawn(
            &server,
            json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                   "memory_limit": 64, "environment": {managed: "redis://elsewhere:6379/0"}}),
        )
        .await;
        assert_eq!(status, 422, "{detail}");
        assert!(detail.contains(managed), "{detail}");
    }
    assert_no_container(&docker, &id).await;
    let cli = myca(
        &server,
        &[
            "spawn",
            &id,
            "--type",
            "test-agent",
            "--env",
            "AGENT_TYPE=custom",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(!cli.status.success(), "{cli:?}");
    assert!(
        stderr.contains("422") && stderr.contains("AGENT_TYPE is managed"),
        "{stderr}"
    );
    assert_no_container(&docker, &id).await;

    // An agent announcing itself is held to its kind's settings as a spawn
    // is (schemathesis: a deployment-agent registered with a numeric URL).
    let (status, body) = server
        .call(
            Method::POST,
            "/agents/register",
            Some(
                json!({"agent_id": unique_agent_id("registered"), "agent_type": "deployment-agent",
                        "category": "infrastructure", "settings": {"github_api_url": 7}}),
            ),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("github_api_url"),
        "{body}"
    );

    server.stop().await;
    test_store.finish().await;
}

/// The seed's spawn is idempotent per id; that must not let a body the
/// service would refuse through (schemathesis found it did), nor answer a
/// request for another kind with an agent of the wrong one.
#[tokio::test]
async fn respawning_a_running_id_validates_the_body_and_its_kind() {
    let test_store = TestStore::empty(Backend::Sqlite).await;
    let server = ApiServer::start(test_service_config(test_store.target.clone()).await).await;
    let mut guard = ContainerGuard::new(server.service.first_pool().unwrap().docker());
    let id = unique_agent_id("respawn");
    guard.watch(container_name(&id));
    let body = json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                      "memory_limit": 64});
    let (status, detail) = spawn(&server, body.clone()).await;
    assert_eq!(status, 200, "{detail}");

    let (status, detail) = spawn(
        &server,
        json!({"agent_id": id, "agent_type": "cto-agent", "category": "corporate",
               "settings": {"approved_technologies": [7, 8]}}),
    )
    .await;
    assert_eq!(status, 422, "{detail}");
    assert!(detail.contains("approved_technologies"), "{detail}");

    let (status, detail) = spawn(
        &server,
        json!({"agent_id": id, "agent_type": "cto-agent", "category": "corporate"}),
    )
    .await;
    assert_eq!(status, 409, "{detail}");
    assert!(
        detail.contains(&id) && detail.contains("test-agent"),
        "{detail}"
    );

    let (status, detail) = spawn(&server, body).await;
    assert_eq!(
        status, 200,
        "the same body again returns the agent: {detail}"
    );
    let agents = server.service.agents().await.unwrap();
    assert_eq!(agents.iter().filter(|a| a.agent_id == id).count(), 1);

    server.stop().await;
    test_store.finish().await;
}
