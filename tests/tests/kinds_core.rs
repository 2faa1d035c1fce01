//! The core kinds in real containers, spawned by the seed's other names for
//! them, calling the real orchestrator API with its key delivered from the
//! keyring. `myca-core`: fleet roll-up, gap scan, a plan run as tasks on a
//! worker (stopping at a failing step, or not), a wrong key, an orchestrator
//! address where nothing listens. `task-router`: routing by capability,
//! retries within a budget, dead letters listed and retried.
//! `event-processor`: a restart rule on a stopped agent, alerts forwarded to
//! a webhook whose secret address never shows in an error.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer, API_KEY};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn core_body(url: &str, source: &str) -> Value {
    kind_body("orchestrator", url, source)
}

fn kind_body(kind: &str, url: &str, source: &str) -> Value {
    json!({"agent_type": kind, "category": "core", "memory_limit": 64,
           "settings": {"orchestrator_url": url},
           "credentials": [{"name": "MYCA_API_KEY", "from": source}]})
}

#[tokio::test]
async fn myca_core_rolls_up_the_fleet_scans_gaps_and_runs_plans() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let (good, wrong) = (
        format!("e2e/{}", uuid::Uuid::new_v4().simple()),
        format!("e2e/{}", uuid::Uuid::new_v4().simple()),
    );
    keyring.set(&good, API_KEY).await.unwrap();
    keyring.set(&wrong, "not-the-key").await.unwrap();
    let url = api.url("");

    let core = unique_agent_id("core");
    let spawned = spawn_healthy(&api, &mut guard, &core, core_body(&url, &good)).await;
    assert_eq!(spawned["agent_type"], "myca-core");
    let worker = unique_agent_id("core-worker");
    spawn_healthy(
        &api,
        &mut guard,
        &worker,
        json!({"agent_type": "test-agent", "category": "core", "memory_limit": 64}),
    )
    .await;

    let fleet = completed(&api, &core, "fleet_status", json!({})).await;
    assert_eq!(fleet["total"], 2, "{fleet}");
    assert_eq!(fleet["by_type"], json!({"myca-core": 1, "test-agent": 1}));
    assert_eq!(fleet["unhealthy"], json!([]));
    assert_eq!(fleet["broker_connected"], true);

    let gaps = completed(&api, &core, "gap_scan", json!({})).await;
    let (code, listed) = api.call(reqwest::Method::GET, "/gaps", None).await;
    assert_eq!(code, 200);
    assert_eq!(gaps["total"], listed["total"], "{gaps}");
    let proxmox = gaps["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["agent_id"] == "proxmox-agent")
        .unwrap();
    assert_eq!(proxmox["agent_type"], "proxmox");

    let step = |task_type: &str, payload: Value| json!({"agent_id": worker, "task_type": task_type, "payload": payload, "max_retries": 0});
    let steps = json!([
        step("echo", json!({"n": 1})),
        step("fail", json!({"message": "boom"})),
        step("echo", json!({"n": 3}))
    ]);
    let stopped = failed(&api, &core, "run_plan", json!({"steps": steps})).await;
    assert!(
        stopped.starts_with("step 1 (fail) ended dead_lettered: boom"),
        "{stopped}"
    );
    let all = completed(
        &api,
        &core,
        "run_plan",
        json!({"steps": steps, "stop_on_failure": false}),
    )
    .await;
    let statuses: Vec<&Value> = all["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["status"])
        .collect();
    assert_eq!(
        statuses,
        [
            &json!("completed"),
            &json!("dead_lettered"),
            &json!("completed")
        ]
    );
    assert_eq!(all["steps"][2]["result"], json!({"n": 3}));
    let empty = failed(&api, &core, "run_plan", json!({"steps": []})).await;
    assert_eq!(
        empty,
        "invalid payload: payload.steps: needs at least 1 items"
    );

    let locked_out = unique_agent_id("core-wrongkey");
    spawn_healthy(&api, &mut guard, &locked_out, core_body(&url, &wrong)).await;
    let refused = failed(&api, &locked_out, "fleet_status", json!({})).await;
    assert!(
        refused
            .starts_with("orchestrator: rejected the credentials (401): missing or wrong API key"),
        "{refused}"
    );
    let lost = unique_agent_id("core-nowhere");
    spawn_healthy(
        &api,
        &mut guard,
        &lost,
        core_body("http://127.0.0.1:1", &good),
    )
    .await;
    let down = failed(&api, &lost, "gap_scan", json!({})).await;
    assert!(down.starts_with("orchestrator: unreachable: "), "{down}");

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}

#[tokio::test]
async fn task_router_routes_retries_and_handles_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let source = format!("e2e/{}", uuid::Uuid::new_v4().simple());
    keyring.set(&source, API_KEY).await.unwrap();

    let router = unique_agent_id("router");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &router,
        kind_body("router", &api.url(""), &source),
    )
    .await;
    assert_eq!(spawned["agent_type"], "task-router");
    let worker = unique_agent_id("router-worker");
    spawn_healthy(
        &api,
        &mut guard,
        &worker,
        json!({"agent_type": "test-agent", "category": "core", "memory_limit": 64}),
    )
    .await;

    let routed = completed(
        &api,
        &router,
        "route",
        json!({"capability": "echo", "task_type": "echo", "payload": {"x": 1}}),
    )
    .await;
    assert_eq!(
        (&routed["attempts"], &routed["agent_id"], &routed["result"]),
        (&json!(1), &json!(worker), &json!({"x": 1}))
    );

    let failing = json!({"agent_id": worker, "task_type": "fail", "payload": {"message": "nope"}, "attempts": 2});
    let given_up = failed(&api, &router, "route", failing).await;
    assert_eq!(given_up, "dead-lettered after 2 attempts: attempt 1: nope (dead_lettered); attempt 2: nope (dead_lettered)");
    let letters = completed(&api, &router, "dead_letters", json!({"limit": 10})).await;
    let failed_ids: Vec<&Value> = letters["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["task_type"] == "fail")
        .map(|t| &t["task_id"])
        .collect();
    assert_eq!(failed_ids.len(), 2, "{letters}");
    let retried = failed(
        &api,
        &router,
        "retry_dead_letter",
        json!({"task_id": failed_ids[0]}),
    )
    .await;
    assert_eq!(
        retried,
        "dead-lettered after 1 attempts: attempt 1: nope (dead_lettered)"
    );
    let not_dead = failed(
        &api,
        &router,
        "retry_dead_letter",
        json!({"task_id": routed["task_id"]}),
    )
    .await;
    assert!(
        not_dead.ends_with("is completed, not dead-lettered"),
        "{not_dead}"
    );

    keyring.delete(&source).await.unwrap();
    api.stop().await;
}

#[tokio::test]
async fn event_processor_restarts_by_rule_and_forwards_alerts() {
    use axum::extract::{Path, State};
    use std::sync::{Arc, Mutex};

    type Received = Arc<Mutex<Vec<Value>>>;
    async fn hook(
        State(received): State<Received>,
        Path(key): Path<String>,
        axum::Json(body): axum::Json<Value>,
    ) -> (axum::http::StatusCode, String) {
        if key == "broken-hook-key" {
            return (
                axum::http::StatusCode::BAD_GATEWAY,
                format!("upstream failed for /hooks/{key}"),
            );
        }
        received.lock().unwrap().push(body);
        (axum::http::StatusCode::OK, "ok".to_owned())
    }
    let received = Received::default();
    let router = axum::Router::new()
        .route("/hooks/{key}", axum::routing::post(hook))
        .with_state(received.clone());
    let webhook = myca_agents::integration::fake::serve(router).await;

    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let sources: Vec<String> = (0..3)
        .map(|_| format!("e2e/{}", uuid::Uuid::new_v4().simple()))
        .collect();
    keyring.set(&sources[0], API_KEY).await.unwrap();
    keyring
        .set(
            &sources[1],
            &format!("http://{webhook}/hooks/good-hook-key"),
        )
        .await
        .unwrap();
    keyring
        .set(
            &sources[2],
            &format!("http://{webhook}/hooks/broken-hook-key"),
        )
        .await
        .unwrap();
    let body = |hook: &str| {
        let mut body = kind_body("processor", &api.url(""), &sources[0]);
        body["credentials"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "ALERT_WEBHOOK_URL", "from": hook}));
        body
    };

    let processor = unique_agent_id("events");
    let spawned = spawn_healthy(&api, &mut guard, &processor, body(&sources[1])).await;
    assert_eq!(spawned["agent_type"], "event-processor");
    let worker = unique_agent_id("events-worker");
    let worker_spawn = spawn_healthy(
        &api,
        &mut guard,
        &worker,
        json!({"agent_type": "test-agent", "category": "core", "memory_limit": 64}),
    )
    .await;
    let (code, _) = api
        .call(
            reqwest::Method::POST,
            &format!("/agents/{worker}/stop"),
            None,
        )
        .await;
    assert_eq!(code, 200);
    let (_, stopped) = api
        .call(reqwest::Method::GET, &format!("/agents/{worker}"), None)
        .await;
    let rules = json!([{"when_status": stopped["status"], "agent_type": "test-agent", "action": "restart"}]);

    let dry = completed(
        &api,
        &processor,
        "apply_rules",
        json!({"rules": rules, "dry_run": true}),
    )
    .await;
    assert_eq!(
        dry["matched"],
        json!([{"agent_id": worker, "status": stopped["status"], "action": "restart", "outcome": "would restart"}])
    );
    let done = completed(&api, &processor, "apply_rules", json!({"rules": rules})).await;
    assert_eq!(done["matched"][0]["outcome"], "restarted", "{done}");
    myca_e2e::pool::wait_healthy(
        worker_spawn["port"].as_u64().unwrap() as u16,
        myca_e2e::kinds::PATIENCE,
    )
    .await;

    let forwarded = completed(
        &api,
        &processor,
        "forward_alert",
        json!({"alert": {"name": "disk full", "host": "pve"}}),
    )
    .await;
    assert_eq!(forwarded, json!({"forwarded": true, "answer": "ok"}));
    assert_eq!(
        *received.lock().unwrap(),
        [json!({"source": processor, "alert": {"name": "disk full", "host": "pve"}})]
    );

    let broken = unique_agent_id("events-broken");
    spawn_healthy(&api, &mut guard, &broken, body(&sources[2])).await;
    let refused = failed(
        &api,
        &broken,
        "forward_alert",
        json!({"alert": {"name": "x"}}),
    )
    .await;
    assert_eq!(
        refused,
        "alert webhook: failed on its side (502): upstream failed for [redacted]"
    );

    for source in &sources {
        keyring.delete(source).await.unwrap();
    }
    api.stop().await;
}
