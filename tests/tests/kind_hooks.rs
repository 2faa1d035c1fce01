//! `zapier-agent` and `ifttt-agent` in real containers, spawned by the
//! seed's names for them, against faithful fakes of Zapier Catch Hooks and
//! IFTTT Webhooks, whose secrets (the hook URL, the service key) sit in
//! the URL path and are delivered from the OS keyring by reference: hooks
//! and events fired with their payloads, an unknown hook and a wrong key
//! refused, a 5xx, bad payloads and a service that is down — and the
//! secrets in none of the errors, results or container logs.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_hooks::FakeHooks;
use myca_e2e::kinds::{completed, container_logs, failed, run_task, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn zapier(source: &str) -> Value {
    json!({"agent_type": "zapier", "category": "integration", "memory_limit": 64,
           "credentials": [{"name": "ZAPIER_HOOK_URL", "from": source}]})
}

fn ifttt(base_url: &str, source: &str) -> Value {
    json!({"agent_type": "ifttt", "category": "integration", "memory_limit": 64, "settings": {"base_url": base_url},
           "credentials": [{"name": "IFTTT_WEBHOOKS_KEY", "from": source}]})
}

#[tokio::test]
async fn zapier_and_ifttt_agents_fire_hooks_without_ever_showing_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let zap = format!(
        "4815162/{}",
        &uuid::Uuid::new_v4().simple().to_string()[..7]
    );
    let key = format!("dR{}", uuid::Uuid::new_v4().simple());
    let hooks = FakeHooks::start(&zap, &key).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let secrets = [
        (entry("zap"), hooks.zap_url(&zap)),
        (entry("zap-gone"), hooks.zap_url("4815162/gone000")),
        (entry("ifttt"), key.clone()),
        (
            entry("ifttt-wrong"),
            format!("dR{}", uuid::Uuid::new_v4().simple()),
        ),
        (
            entry("zap-down"),
            "http://127.0.0.1:1/hooks/catch/4815162/down000/".to_owned(),
        ),
    ];
    for (name, value) in &secrets {
        keyring.set(name, value).await.unwrap();
    }
    let shown = |text: &str| {
        secrets.iter().any(|(_, v)| {
            text.contains(v.as_str()) || text.contains(&v[v.len().saturating_sub(8)..])
        })
    };

    // Zapier: one object, then an array (one trigger per object).
    let zapper = unique_agent_id("zap");
    let spawned = spawn_healthy(&api, &mut guard, &zapper, zapier(&secrets[0].0)).await;
    assert_eq!(spawned["agent_type"], "zapier-agent", "{spawned}");
    let one = completed(
        &api,
        &zapper,
        "trigger_hook",
        json!({"data": {"order": 42, "status": "paid"}}),
    )
    .await;
    assert_eq!(
        (one["status"].as_str(), one["items"].as_u64()),
        (Some("success"), Some(1)),
        "{one}"
    );
    assert_eq!(one["id"].as_str().unwrap().len(), 36);
    let many = completed(
        &api,
        &zapper,
        "trigger_hook",
        json!({"data": [{"n": 1}, {"n": 2}, {"n": 3}]}),
    )
    .await;
    assert_eq!(many["items"], 3);
    let zapped: Vec<Value> = hooks.received().into_iter().map(|(_, body)| body).collect();
    assert_eq!(
        zapped,
        [
            json!({"order": 42, "status": "paid"}),
            json!({"n": 1}),
            json!({"n": 2}),
            json!({"n": 3})
        ]
    );
    // A hook that is gone: Zapier's answer repeats the path, the agent hides it.
    let gone = unique_agent_id("zap-gone");
    spawn_healthy(&api, &mut guard, &gone, zapier(&secrets[1].0)).await;
    let missing = failed(&api, &gone, "trigger_hook", json!({"data": {"x": 1}})).await;
    assert_eq!(
        missing,
        "zapier: not found (404): No hook at /hooks/catch/[redacted]/"
    );
    hooks.mishap(Mishap::ServerError(502));
    let bad_gateway = failed(&api, &zapper, "trigger_hook", json!({"data": {"x": 2}})).await;
    assert_eq!(bad_gateway, "zapier: failed on its side (502): Bad Gateway");
    let empty = failed(&api, &zapper, "trigger_hook", json!({"data": []})).await;
    assert_eq!(
        empty,
        "invalid payload: payload.data: needs at least 1 items"
    );

    // IFTTT: the three values, then any JSON.
    let applets = unique_agent_id("ifttt");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &applets,
        ifttt(&hooks.url(), &secrets[2].0),
    )
    .await;
    assert_eq!(spawned["agent_type"], "ifttt-agent", "{spawned}");
    let fired = completed(
        &api,
        &applets,
        "trigger_event",
        json!({"event": "door_open", "value1": "front", "value2": "21:04"}),
    )
    .await;
    assert_eq!(
        fired,
        json!({"event": "door_open", "fired": true, "message": "Congratulations! You've fired the door_open event"})
    );
    let as_json = completed(
        &api,
        &applets,
        "trigger_event_json",
        json!({"event": "backup_done", "data": {"bytes": 1048576, "ok": true}}),
    )
    .await;
    assert_eq!(as_json["event"], "backup_done");
    let received = hooks.received();
    assert_eq!(
        received[received.len() - 2],
        (
            "door_open".to_owned(),
            json!({"value1": "front", "value2": "21:04", "value3": ""})
        )
    );
    assert_eq!(
        received[received.len() - 1],
        (
            "backup_done".to_owned(),
            json!({"bytes": 1048576, "ok": true})
        )
    );
    let bad_event = failed(
        &api,
        &applets,
        "trigger_event",
        json!({"event": "a/../../b"}),
    )
    .await;
    assert!(
        bad_event.starts_with("invalid payload: payload.event"),
        "{bad_event}"
    );
    let no_data = failed(&api, &applets, "trigger_event_json", json!({"event": "x"})).await;
    assert_eq!(no_data, "invalid payload: payload.data: is required");

    // A wrong key, and services that are not there.
    let wrong = unique_agent_id("ifttt-wrong");
    spawn_healthy(&api, &mut guard, &wrong, ifttt(&hooks.url(), &secrets[3].0)).await;
    let refused = failed(&api, &wrong, "trigger_event", json!({"event": "door_open"})).await;
    assert_eq!(
        refused,
        "ifttt: rejected the credentials (401): You sent an invalid key.; check the credential"
    );
    let down = unique_agent_id("ifttt-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        ifttt("http://127.0.0.1:1", &secrets[2].0),
    )
    .await;
    let unreachable = failed(&api, &down, "trigger_event", json!({"event": "door_open"})).await;
    assert!(
        unreachable.starts_with("ifttt: unreachable: "),
        "{unreachable}"
    );
    let zap_down = unique_agent_id("zap-down");
    spawn_healthy(&api, &mut guard, &zap_down, zapier(&secrets[4].0)).await;
    let task = run_task(&api, &zap_down, "trigger_hook", json!({"data": {"x": 3}})).await;
    assert!(
        task["error"]
            .as_str()
            .unwrap()
            .starts_with("zapier: unreachable: "),
        "{task}"
    );

    // No secret anywhere: not in a task as the API shows it, not in any container's log.
    assert!(!shown(&task.to_string()), "{task}");
    let (_, tasks) = api
        .call(reqwest::Method::GET, "/tasks?limit=100", None)
        .await;
    assert!(!shown(&tasks.to_string()), "a secret in the task list");
    for agent in [&zapper, &gone, &applets, &wrong, &down, &zap_down] {
        let logs = container_logs(agent, None);
        assert!(!shown(&logs), "a secret in {agent}'s log:\n{logs}");
    }

    for (name, _) in &secrets {
        keyring.delete(name).await.unwrap();
    }
    api.stop().await;
}
