//! The HTTP API as a client sees it, against the real stack: the seed's
//! bodies, the API key, tasks followed to completion, and clear 4xx answers
//! for bad input.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer, API_KEY};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(40);

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn seed_routes_spawn_run_tasks_and_refuse_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let api = ApiServer::start(config).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());

    // /health needs no key; everything else does.
    let (code, health) = json_of(api.client.get(api.url("/health")).send().await.unwrap()).await;
    assert_eq!(
        (code, health),
        (200, json!({"status": "ok", "service": "myca-orchestrator"}))
    );
    let (code, refused) = json_of(api.client.get(api.url("/agents")).send().await.unwrap()).await;
    assert_eq!(code, 401);
    assert!(refused["detail"].as_str().unwrap().contains("X-API-Key"));
    let wrong = api
        .client
        .get(api.url("/agents"))
        .header("X-API-Key", "not-the-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let by_query = api
        .client
        .get(api.url(&format!("/agents?api_key={API_KEY}")))
        .send()
        .await
        .unwrap();
    assert_eq!(by_query.status(), 200);

    // The seed's spawn body, as written in its API reference (with our ids).
    let custom = unique_agent_id("custom-agent");
    guard.watch(container_name(&custom));
    let (code, spawned) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(json!({
                "agent_id": custom,
                "agent_type": "custom",
                "category": "core",
                "display_name": "Custom Agent",
                "cpu_limit": 1.0,
                "memory_limit": 512
            })),
        )
        .await;
    assert_eq!(code, 200, "{spawned}");
    assert_eq!(spawned["agent_id"], json!(custom));
    let status = spawned["status"].as_str().unwrap_or_default().to_owned();
    assert!(
        ["spawning", "active", "idle"].contains(&status.as_str()),
        "{spawned}"
    );

    let worker = unique_agent_id("worker");
    guard.watch(container_name(&worker));
    let (code, spawned) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(
                json!({"agent_id": worker, "agent_type": "test-agent", "category": "core",
                          "memory_limit": 64, "heartbeat_interval": 1}),
            ),
        )
        .await;
    assert_eq!(code, 200, "{spawned}");
    wait_healthy(spawned["port"].as_u64().unwrap() as u16, PATIENCE).await;

    // The seed's task body; polled until completed with its result.
    let (code, submitted) = api
        .call(
            Method::POST,
            "/tasks",
            Some(json!({"agent_id": worker, "task_type": "echo",
                          "payload": {"action": "deploy", "impact": "medium"},
                          "priority": 8, "timeout": 300})),
        )
        .await;
    assert_eq!(code, 200, "{submitted}");
    assert_eq!(submitted["status"], "submitted");
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    let task = loop {
        let (code, task) = api
            .call(Method::GET, &format!("/tasks/{task_id}"), None)
            .await;
        assert_eq!(code, 200, "{task}");
        if task["status"] == "completed" {
            break task;
        }
        assert!(Instant::now() < deadline, "task not completed: {task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        task["result"],
        json!({"action": "deploy", "impact": "medium"})
    );
    assert_eq!(task["priority"], 8);

    let (code, listed) = api.call(Method::GET, "/agents", None).await;
    assert_eq!(code, 200);
    let ids: Vec<&str> = listed["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["agent_id"].as_str())
        .collect();
    assert!(
        ids.contains(&custom.as_str()) && ids.contains(&worker.as_str()),
        "{ids:?}"
    );
    let (code, status) = api.call(Method::GET, "/status", None).await;
    assert_eq!(code, 200);
    assert_eq!(status["status"], "running");
    assert_eq!(status["message_broker_connected"], true);
    assert!(status["total_agents"].as_u64().unwrap() >= 2);

    // Bad input: a 4xx that says what is wrong, never a 500.
    let bad_priority = api
        .request(Method::POST, "/tasks")
        .json(&json!({"agent_id": worker, "task_type": "echo", "priority": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_priority.status(), 422);
    let detail = bad_priority.text().await.unwrap();
    assert!(detail.contains("priority"), "{detail}");
    let malformed = api
        .request(Method::POST, "/tasks")
        .header("content-type", "application/json")
        .body("{\"agent_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let oversized = api
        .request(Method::POST, "/agents/spawn")
        .header("content-type", "application/json")
        .body(format!("{{\"agent_id\": \"{}\"}}", "x".repeat(1024 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);
    let bad_spawn = api
        .request(Method::POST, "/agents/spawn")
        .json(&json!({"agent_id": "Bad Id!", "agent_type": "custom", "category": "core"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_spawn.status(), 422);
    let unknown = api
        .request(Method::GET, "/agents/no-such-agent")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let to_unknown = api
        .request(Method::POST, "/tasks")
        .json(&json!({"agent_id": "no-such-agent", "task_type": "echo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(to_unknown.status(), 404);
    let twice = api
        .request(Method::POST, "/tasks")
        .json(&json!({"id": task_id, "agent_id": worker, "task_type": "echo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 409);
    let no_route = api
        .request(Method::POST, "/tasks")
        .json(&json!({"task_type": "echo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_route.status(), 422);
    let not_a_uuid = api
        .request(Method::GET, "/tasks/not-a-uuid")
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_uuid.status(), 400);

    // Stop and restart by the seed's routes; the same container comes back.
    let (code, stopped) = api
        .call(Method::POST, &format!("/agents/{custom}/stop"), None)
        .await;
    assert_eq!((code, stopped["status"].clone()), (200, json!("stopped")));
    let (code, restarted) = api
        .call(Method::POST, &format!("/agents/{custom}/restart"), None)
        .await;
    assert_eq!(code, 200, "{restarted}");
    let after = api
        .service
        .first_pool()
        .unwrap()
        .agent(&custom)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(json!(after.container_id), restarted["container_id"]);
    assert!(after.is_running());

    // Host profiles: saved, tested, a wrong pinned key refused with the reason.
    let socket = myca_e2e::docker_socket();
    let (code, _) = api
        .call(
            Method::POST,
            "/hosts",
            Some(json!({"name": "this-machine", "kind": "local", "socket": socket})),
        )
        .await;
    assert_eq!(code, 200);
    let (code, report) = api
        .call(Method::POST, "/hosts/this-machine/test", None)
        .await;
    assert_eq!(
        (code, &report["reachable"]),
        (200, &json!(true)),
        "{report}"
    );
    assert!(report["report"]["engine_version"].is_string(), "{report}");
    assert!(report["report"]["cpus"].as_i64().unwrap() >= 1);
    // A nonsense socket path is refused when saved, naming the field.
    let (code, refused) = api
        .call(
            Method::POST,
            "/hosts",
            Some(json!({"name": "nonsense", "kind": "local", "socket": "docker.sock"})),
        )
        .await;
    assert_eq!(code, 422, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("socket"),
        "{refused}"
    );
    let ssh_port: u16 = myca_e2e::service_env("MYCA_TEST_SSH_PORT", "sshd")
        .parse()
        .unwrap();
    let (code, _) = api.call(Method::POST, "/hosts", Some(json!({"name": "wrong-key", "kind": "ssh", "host": "127.0.0.1", "port": ssh_port,
                          "user": "root",
                          "auth": {"method": "key_file", "path": myca_e2e::service_env("MYCA_TEST_SSH_KEY", "sshd")},
                          "host_key_fingerprint": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}))).await;
    assert_eq!(code, 200);
    let (code, refused) = api.call(Method::POST, "/hosts/wrong-key/test", None).await;
    assert_eq!(
        (code, &refused["reachable"]),
        (200, &json!(false)),
        "{refused}"
    );
    assert!(
        refused["error"].as_str().unwrap().contains("mismatch"),
        "{refused}"
    );
    let (_, hosts) = api.call(Method::GET, "/hosts", None).await;
    let names: Vec<&str> = hosts["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "the service's own host and the two saved: {hosts}"
    );
    assert!(
        names.contains(&"local") && names.contains(&"wrong-key"),
        "{hosts}"
    );
    let (code, _) = api.call(Method::DELETE, "/hosts/wrong-key", None).await;
    assert_eq!(code, 200);
    let (code, _) = api.call(Method::DELETE, "/hosts/wrong-key", None).await;
    assert_eq!(code, 404);

    api.service
        .first_pool()
        .unwrap()
        .remove(&custom)
        .await
        .unwrap();
    api.service
        .first_pool()
        .unwrap()
        .remove(&worker)
        .await
        .unwrap();
    api.stop().await;
}

/// Every documented route exists and needs the key (except /health).
#[tokio::test]
async fn the_openapi_document_lists_routes_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let (code, document) = api.call(Method::GET, "/openapi.json", None).await;
    assert_eq!(code, 200);
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "{}", paths.len());
    for (path, operations) in paths {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{agent_id}", "someone")
            .replace("{name}", "somewhere");
        for method in operations.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let response = api
                .client
                .request(method.clone(), api.url(&concrete))
                .send()
                .await
                .unwrap();
            let expected = if path == "/health" { 200 } else { 401 };
            assert_eq!(response.status().as_u16(), expected, "{method} {path}");
        }
    }
    api.stop().await;
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let service = myca_orchestrator::service::FleetService::start(config)
        .await
        .unwrap();
    let error = myca_orchestrator::serve::serve(service, API_KEY, address, |_| {}, async {})
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("cannot listen on {address}")),
        "{error}"
    );
}
