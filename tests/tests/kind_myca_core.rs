//! `myca-core` in a real container, spawned by the seed's other name for it
//! (`orchestrator`), calling the real orchestrator API with its key
//! delivered from the keyring: fleet roll-up, gap scan, a plan run as tasks
//! on a worker (stopping at a failing step, or not); a wrong key and an
//! orchestrator address where nothing listens.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer, API_KEY};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn core_body(url: &str, source: &str) -> Value {
    json!({"agent_type": "orchestrator", "category": "core", "memory_limit": 64,
           "settings": {"orchestrator_url": url},
           "credentials": [{"name": "MYCA_API_KEY", "from": source}]})
}

#[tokio::test]
async fn myca_core_rolls_up_the_fleet_scans_gaps_and_runs_plans() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.pool.docker());
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
