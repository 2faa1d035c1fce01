//! `n8n-agent` in real containers, spawned by the seed's name for it
//! (`n8n`), against a faithful fake of n8n's public API and webhook
//! listener, its API key delivered from the OS keyring by reference:
//! workflows listed over two pages and filtered, one run through its
//! webhook and followed to a successful execution, one whose execution
//! fails, an inactive one refused then activated and run, a 429 and a 503
//! retried, a malformed answer, bad payloads, a wrong key and an n8n that
//! is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_n8n::{FakeN8n, FAILING, GREETER, INACTIVE, SCHEDULED};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

const BULK: usize = 300;

fn body(base_url: &str, source: &str) -> Value {
    json!({
        "agent_type": "n8n", "category": "integration", "memory_limit": 64,
        "settings": {"base_url": base_url},
        "credentials": [{"name": "N8N_API_KEY", "from": source}],
    })
}

#[tokio::test]
async fn n8n_agent_lists_toggles_and_runs_workflows_through_their_webhooks() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("n8n_api_{}", uuid::Uuid::new_v4().simple());
    let n8n = FakeN8n::start(&key, BULK).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("n8n-key"), entry("n8n-wrong"));
    keyring.set(&good, &key).await.unwrap();
    keyring.set(&wrong, "n8n_api_not-the-key").await.unwrap();

    let ops = unique_agent_id("n8n");
    let spawned = spawn_healthy(&api, &mut guard, &ops, body(&n8n.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "n8n-agent", "{spawned}");

    // Every page (250 + 54), a 429 on the way waited out.
    n8n.mishap(Mishap::RateLimited { retry_after: 1 });
    let all = completed(&api, &ops, "list_workflows", json!({})).await;
    assert_eq!(
        fields(&all, &["count", "active", "truncated"]),
        json!([BULK + 4, 3, false])
    );
    assert_eq!(n8n.mishaps(), 1);
    let greeter = &all["workflows"][0];
    assert_eq!(
        fields(greeter, &["id", "name", "active", "tags", "webhooks"]),
        json!([GREETER, "Greeter", true, ["fleet", "demo"], [{"method": "POST", "path": "greet"}]])
    );
    let demo = completed(
        &api,
        &ops,
        "list_workflows",
        json!({"active": true, "tags": "demo"}),
    )
    .await;
    assert_eq!(demo["count"], 1, "{demo}");
    assert_eq!(demo["workflows"][0]["name"], "Greeter");

    // A run through the webhook, followed to its end.
    let run = completed(
        &api,
        &ops,
        "trigger_workflow",
        json!({"workflow_id": GREETER, "data": {"order": 42}}),
    )
    .await;
    assert_eq!(
        run["response"],
        json!({"message": "Workflow was started"}),
        "{run}"
    );
    assert_eq!(
        fields(
            &run["execution"],
            &["workflow_id", "status", "finished", "mode", "last_node"]
        ),
        json!([GREETER, "success", true, "webhook", "Set greeting"])
    );
    let execution_id = run["execution"]["id"].as_str().unwrap().to_owned();
    // A 503 on a read is retried.
    n8n.mishap(Mishap::ServerError(503));
    let looked = completed(
        &api,
        &ops,
        "get_execution",
        json!({"execution_id": execution_id}),
    )
    .await;
    assert_eq!(looked["status"], "success");
    assert_eq!(n8n.mishaps(), 2);

    // A run whose execution fails says where and why.
    let exploded = failed(
        &api,
        &ops,
        "trigger_workflow",
        json!({"workflow_id": FAILING, "data": {}}),
    )
    .await;
    assert!(exploded.starts_with("n8n: the execution "), "{exploded}");
    assert!(exploded.ends_with("of Exploder ended with status error at node Stop and Error: inventory service refused the order"), "{exploded}");
    // Without waiting, only the webhook's answer.
    let fired = completed(
        &api,
        &ops,
        "trigger_workflow",
        json!({"workflow_id": FAILING, "wait": false}),
    )
    .await;
    assert!(fired.get("execution").is_none(), "{fired}");
    assert_eq!(fired["webhook"], "explode");

    // Inactive: refused before any call to its webhook; activated, it runs (a GET webhook).
    let inactive = failed(
        &api,
        &ops,
        "trigger_workflow",
        json!({"workflow_id": INACTIVE}),
    )
    .await;
    assert_eq!(inactive, format!("workflow Later ({INACTIVE}) is inactive, so its webhook is not listening: activate it first (set_workflow_active)"));
    let activated = completed(
        &api,
        &ops,
        "set_workflow_active",
        json!({"workflow_id": INACTIVE, "active": true}),
    )
    .await;
    assert_eq!(
        fields(&activated, &["name", "active"]),
        json!(["Later", true])
    );
    assert_eq!(n8n.workflow(INACTIVE)["active"], true);
    let later = completed(
        &api,
        &ops,
        "trigger_workflow",
        json!({"workflow_id": INACTIVE, "data": {"q": "x"}}),
    )
    .await;
    assert_eq!(later["execution"]["status"], "success", "{later}");
    assert_eq!(n8n.executions_of(INACTIVE), 1);
    let deactivated = completed(
        &api,
        &ops,
        "set_workflow_active",
        json!({"workflow_id": INACTIVE, "active": false}),
    )
    .await;
    assert_eq!(deactivated["active"], false);

    // n8n's own refusals.
    let scheduled = failed(
        &api,
        &ops,
        "trigger_workflow",
        json!({"workflow_id": SCHEDULED}),
    )
    .await;
    assert!(scheduled.contains("has no Webhook trigger"), "{scheduled}");
    let no_trigger = failed(
        &api,
        &ops,
        "set_workflow_active",
        json!({"workflow_id": "2000", "active": true}),
    )
    .await;
    assert_eq!(no_trigger, "n8n: refused the request (400): Workflow has no node to start the workflow - at least one trigger, poller or webhook node is required");
    let missing = failed(
        &api,
        &ops,
        "get_execution",
        json!({"execution_id": "999999"}),
    )
    .await;
    assert_eq!(missing, "n8n: not found (404): Not Found");
    n8n.mishap(Mishap::Malformed);
    let malformed = failed(
        &api,
        &ops,
        "get_execution",
        json!({"execution_id": execution_id}),
    )
    .await;
    assert!(
        malformed.starts_with("n8n: the answer is not what its API documents: not JSON"),
        "{malformed}"
    );

    // Bad payloads, refused before any call.
    let climbing = failed(
        &api,
        &ops,
        "set_workflow_active",
        json!({"workflow_id": "../users", "active": true}),
    )
    .await;
    assert!(
        climbing.starts_with("invalid payload: payload.workflow_id: \"../users\""),
        "{climbing}"
    );
    let incomplete = failed(
        &api,
        &ops,
        "set_workflow_active",
        json!({"workflow_id": GREETER}),
    )
    .await;
    assert_eq!(incomplete, "invalid payload: payload.active: is required");

    // A wrong key, and an n8n that is not there.
    let denied = unique_agent_id("n8n-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&n8n.url(), &wrong)).await;
    let refused = failed(&api, &denied, "list_workflows", json!({})).await;
    assert_eq!(
        refused,
        "n8n: rejected the credentials (401): unauthorized; check the credential"
    );
    let down = unique_agent_id("n8n-down");
    spawn_healthy(&api, &mut guard, &down, body("http://127.0.0.1:1", &good)).await;
    let unreachable = failed(&api, &down, "list_workflows", json!({})).await;
    assert!(
        unreachable.starts_with("n8n: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&key));

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}
