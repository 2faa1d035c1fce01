//! `deployment-agent` in a real container, spawned through the API by the
//! seed's name for it (`deployment`): GitHub Actions workflows dispatched
//! and followed on a faithful fake of the GitHub REST API (its token from
//! the OS keyring by reference), and a container of the test's own
//! redeployed on our real dockerd between image tags built here — kept
//! configuration, automatic rollback when the new image does not start, an
//! explicit rollback. Bad payloads, GitHub's refusals (404, 422, 401, a
//! used-up rate limit), GitHub down, and an agent without the Docker grant.

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::closed_port;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_github::{FakeGithub, LIMITED_TOKEN, OWNER, REPO};
use myca_e2e::images::TagGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_e2e::workload::{start_workload, state_of, workload_image};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use reqwest::Method;
use serde_json::{json, Value};

fn body(settings: Value, token_source: &str, grants: Value) -> Value {
    json!({
        "agent_type": "deployment", "category": "infrastructure", "memory_limit": 64,
        "settings": settings, "grants": grants,
        "credentials": [{"name": "GITHUB_TOKEN", "from": token_source}],
    })
}

/// An image built here `FROM` another with one label more, removed at the end.
struct DerivedImage(String);

impl DerivedImage {
    fn build(base: &str, tag: &str) -> Self {
        use std::io::Write;
        let mut build = std::process::Command::new("docker")
            .args(["build", "-q", "-t", tag, "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("docker CLI");
        let dockerfile = format!("FROM {base}\nLABEL org.myca.version=2\n");
        build
            .stdin
            .take()
            .unwrap()
            .write_all(dockerfile.as_bytes())
            .unwrap();
        assert!(build.wait().unwrap().success(), "docker build of {tag}");
        Self(tag.to_owned())
    }
}

impl Drop for DerivedImage {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["rmi", &self.0])
            .output();
    }
}

fn repo(extra: Value) -> Value {
    let mut payload = json!({"owner": OWNER, "repo": REPO});
    for (key, value) in extra.as_object().unwrap() {
        payload[key] = value.clone();
    }
    payload
}

#[tokio::test]
async fn deployment_agent_runs_workflows_and_redeploys_containers() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let docker = api.service.first_pool().unwrap().docker().clone();
    let mut guard = ContainerGuard::new(&docker);
    let token = format!("ghp_{}", uuid::Uuid::new_v4().simple());
    let github = FakeGithub::start(&token).await;
    let keyring = Credentials::default();
    let sources: Vec<String> = (0..3)
        .map(|_| format!("e2e/{}", uuid::Uuid::new_v4().simple()))
        .collect();
    keyring.set(&sources[0], &token).await.unwrap();
    keyring
        .set(&sources[1], "ghp_wrongwrongwrongwrongwrongwrong0000")
        .await
        .unwrap();
    keyring.set(&sources[2], LIMITED_TOKEN).await.unwrap();
    let settings = json!({"github_api_url": github.url(), "poll_seconds": 1});

    // The host's socket is the default engine: not without the grant.
    let (code, refused) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some({
                let mut plain = body(
                    json!({"github_api_url": github.url()}),
                    &sources[0],
                    json!([]),
                );
                plain["agent_id"] = json!(unique_agent_id("dep-refused"));
                plain
            }),
        )
        .await;
    assert_eq!(code, 422, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().starts_with("grants: "),
        "{refused}"
    );

    let ops = unique_agent_id("dep");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &ops,
        body(settings.clone(), &sources[0], json!(["docker_socket"])),
    )
    .await;
    assert_eq!(spawned["agent_type"], "deployment-agent", "{spawned}");

    // A dispatched workflow followed to its conclusion.
    let run = completed(
        &api,
        &ops,
        "trigger_workflow",
        repo(json!({"workflow": "deploy.yml", "ref": "main", "inputs": {"version": "2.4.1"}})),
    )
    .await;
    assert_eq!(
        (run["status"].clone(), run["conclusion"].clone()),
        (json!("completed"), json!("success"))
    );
    assert_eq!(run["head_branch"], "main");
    assert_eq!(
        run["html_url"],
        json!(format!(
            "https://github.com/{OWNER}/{REPO}/actions/runs/{}",
            run["id"]
        ))
    );
    assert_eq!(
        github.actions.lock().unwrap().dispatched,
        [("deploy.yml".to_owned(), json!({"version": "2.4.1"}))]
    );
    let failing = failed(
        &api,
        &ops,
        "trigger_workflow",
        repo(json!({"workflow": "broken.yml", "ref": "release"})),
    )
    .await;
    assert!(
        failing.starts_with("run ") && failing.contains(" of broken.yml completed with conclusion failure: https://github.com/mycosoft/site/actions/runs/"),
        "{failing}"
    );
    let runs = completed(&api, &ops, "workflow_runs", repo(json!({}))).await;
    assert_eq!(runs["total_count"], 2, "{runs}");
    assert_eq!(runs["runs"][0]["conclusion"], "failure", "newest first");
    assert_eq!(runs["runs"][1]["id"], run["id"]);
    let deploys = completed(
        &api,
        &ops,
        "workflow_runs",
        repo(json!({"workflow": "deploy.yml", "status": "success"})),
    )
    .await;
    assert_eq!(deploys["total_count"], 1, "{deploys}");

    // GitHub's own refusals, in its words, and a payload that cannot be sent.
    let unknown = failed(
        &api,
        &ops,
        "trigger_workflow",
        repo(json!({"workflow": "nope.yml", "ref": "main"})),
    )
    .await;
    assert_eq!(unknown, "github: not found (404): Not Found");
    let no_ref = failed(
        &api,
        &ops,
        "trigger_workflow",
        repo(json!({"workflow": "deploy.yml", "ref": "nope"})),
    )
    .await;
    assert_eq!(
        no_ref,
        "github: refused the request (422): No ref found for: nope"
    );
    let inputs = failed(
        &api,
        &ops,
        "trigger_workflow",
        repo(json!({"workflow": "deploy.yml", "ref": "main", "inputs": {"color": "red"}})),
    )
    .await;
    assert_eq!(
        inputs,
        "github: refused the request (422): Unexpected inputs provided: [\"color\"]"
    );
    let bad = failed(
        &api,
        &ops,
        "trigger_workflow",
        repo(json!({"workflow": "deploy.yml"})),
    )
    .await;
    assert!(
        bad.starts_with("invalid payload: ") && bad.contains("payload.ref"),
        "{bad}"
    );
    let sneaky = failed(
        &api,
        &ops,
        "workflow_runs",
        json!({"owner": "..", "repo": "x"}),
    )
    .await;
    assert_eq!(sneaky, "owner \"..\" is not a GitHub owner name");

    // A container of the test's own, redeployed between tags built here.
    let base = workload_image(&docker).await;
    let v1 = TagGuard::new(&docker, &base, "myca-e2e-app").await;
    let v2 = DerivedImage::build(&v1.tag, &format!("myca-e2e-app:{}", unique_agent_id("v2")));
    let broken = TagGuard::new(
        &docker,
        api.service.first_pool().unwrap().image(),
        "myca-e2e-app",
    )
    .await;
    let (app, project) = (unique_agent_id("dep-app"), unique_agent_id("dep-proj"));
    start_workload(&docker, &mut guard, &app, &v1.tag, &project).await;
    guard.watch(format!("{app}-myca-previous"));

    let deployed = completed(
        &api,
        &ops,
        "redeploy_container",
        json!({"container": app, "image": v2.0, "stop_timeout_seconds": 5}),
    )
    .await;
    assert_eq!(
        (
            deployed["image"].clone(),
            deployed["previous_image"].clone(),
            deployed["state"].clone()
        ),
        (json!(v2.0), json!(v1.tag), json!("running"))
    );
    let inspected = docker.inspect_container(&app, None).await.unwrap();
    let config = inspected.config.clone().unwrap();
    assert_eq!(config.image.as_deref(), Some(v2.0.as_str()));
    let labels = config.labels.unwrap();
    assert_eq!(labels["org.myca.version"], "2", "the new image's own label");
    assert_eq!(
        labels["com.docker.compose.project"], project,
        "the container's own label kept"
    );
    assert_eq!(labels["mas.previous_image"], v1.tag);
    assert!(
        inspected
            .host_config
            .unwrap()
            .tmpfs
            .unwrap()
            .contains_key("/tmp"),
        "its host configuration kept"
    );
    assert!(
        docker
            .inspect_container(&format!("{app}-myca-previous"), None)
            .await
            .is_err(),
        "the old container is gone"
    );

    // An image that does not start: the container is put back as it was.
    let rolled = failed(
        &api,
        &ops,
        "redeploy_container",
        json!({"container": app, "image": broken.tag, "stop_timeout_seconds": 5, "wait_seconds": 20}),
    )
    .await;
    assert_eq!(
        rolled,
        format!(
            "{app} did not start on {}: it exited with code 2; rolled back to {} (running)",
            broken.tag, v2.0
        )
    );
    assert_eq!(state_of(&docker, &app).await, "running");
    let config = docker
        .inspect_container(&app, None)
        .await
        .unwrap()
        .config
        .unwrap();
    assert_eq!(config.image.as_deref(), Some(v2.0.as_str()));
    assert!(docker
        .inspect_container(&format!("{app}-myca-previous"), None)
        .await
        .is_err());

    // An explicit rollback goes to what the last redeploy replaced.
    let back = completed(
        &api,
        &ops,
        "rollback_container",
        json!({"container": app, "stop_timeout_seconds": 5}),
    )
    .await;
    assert_eq!(
        (back["image"].clone(), back["previous_image"].clone()),
        (json!(v1.tag), json!(v2.0))
    );
    assert_eq!(state_of(&docker, &app).await, "running");
    let absent = failed(
        &api,
        &ops,
        "redeploy_container",
        json!({"container": app, "image": "myca-e2e-app:absent"}),
    )
    .await;
    assert_eq!(
        absent,
        "the engine has no image myca-e2e-app:absent: pull or load it first"
    );

    // Bad token, a used-up rate limit, GitHub down; and no Docker engine without the grant.
    let denied = unique_agent_id("dep-denied");
    let no_engine = json!({"github_api_url": github.url(), "poll_seconds": 1, "docker_host": ""});
    spawn_healthy(
        &api,
        &mut guard,
        &denied,
        body(no_engine.clone(), &sources[1], json!([])),
    )
    .await;
    let refused = failed(&api, &denied, "workflow_runs", repo(json!({}))).await;
    assert_eq!(
        refused,
        "github: rejected the credentials (401): Bad credentials; check the credential"
    );
    let inspected = docker
        .inspect_container(&container_name(&denied), None)
        .await
        .unwrap();
    assert!(
        inspected.mounts.unwrap_or_default().is_empty(),
        "no grant, no socket"
    );
    let no_docker = failed(
        &api,
        &denied,
        "redeploy_container",
        json!({"container": app, "image": v2.0}),
    )
    .await;
    assert!(
        no_docker.starts_with("this agent has no Docker engine"),
        "{no_docker}"
    );

    let limited = unique_agent_id("dep-limited");
    spawn_healthy(
        &api,
        &mut guard,
        &limited,
        body(no_engine, &sources[2], json!([])),
    )
    .await;
    let slow = failed(&api, &limited, "workflow_runs", repo(json!({}))).await;
    assert!(
        slow.starts_with("github: rate limited (403), retry after ")
            && slow.contains("API rate limit exceeded for user ID 4242"),
        "{slow}"
    );
    assert!(!slow.contains(LIMITED_TOKEN));

    let down = unique_agent_id("dep-down");
    let gone =
        json!({"github_api_url": format!("http://127.0.0.1:{}", closed_port()), "docker_host": ""});
    spawn_healthy(&api, &mut guard, &down, body(gone, &sources[0], json!([]))).await;
    let unreachable = failed(&api, &down, "workflow_runs", repo(json!({}))).await;
    assert!(
        unreachable.starts_with("github: unreachable: "),
        "{unreachable}"
    );

    for source in &sources {
        keyring.delete(source).await.unwrap();
    }
    drop(broken);
    drop(v2);
    drop(v1);
    api.stop().await;
}
