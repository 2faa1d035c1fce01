//! The catalog of kinds as the API serves and enforces it: `GET /catalog`
//! lists every declared kind with its schemas; a spawn with settings its
//! kind refuses gets 422 naming each field before any container exists; a
//! task whose payload does not match its declared schema fails naming each
//! field, in a real agent container.

use bollard::query_parameters::InspectContainerOptions;
use myca_agents::kinds::catalog;
use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn the_catalog_is_served_and_enforced_at_spawn_and_per_task() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());

    let (code, served) = api.call(Method::GET, "/catalog", None).await;
    assert_eq!(code, 200, "{served}");
    assert_eq!(served["kinds"], serde_json::to_value(catalog()).unwrap());
    let test_agent = served["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "test-agent")
        .unwrap();
    let echo = test_agent["task_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo");
    assert!(echo.is_some(), "{test_agent}");

    // Settings the kind does not declare: 422 naming the field, no container.
    let refused = unique_agent_id("badsettings");
    let (code, answer) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(
                json!({"agent_id": refused, "agent_type": "test-agent", "category": "core",
                        "memory_limit": 64, "settings": {"surprise": 1}}),
            ),
        )
        .await;
    assert_eq!(code, 422, "{answer}");
    let detail = answer["detail"].as_str().unwrap();
    assert!(
        detail.contains("settings.surprise: is not a known field"),
        "{detail}"
    );
    let container = api
        .service
        .first_pool()
        .unwrap()
        .docker()
        .inspect_container(&container_name(&refused), None::<InspectContainerOptions>)
        .await;
    assert!(container.is_err(), "a container exists for {refused}");

    // A payload its task type's schema refuses fails the task, naming each field.
    let worker = unique_agent_id("payloads");
    spawn_healthy(
        &api,
        &mut guard,
        &worker,
        json!({"agent_type": "test-agent", "category": "core", "memory_limit": 64}),
    )
    .await;
    let error = failed(
        &api,
        &worker,
        "remember",
        json!({"value": 1, "ttl_seconds": 0}),
    )
    .await;
    assert_eq!(
        error,
        "invalid payload: payload.key: is required; payload.ttl_seconds: must be at least 1"
    );
    let remembered = completed(&api, &worker, "remember", json!({"key": "k", "value": 1})).await;
    assert_eq!(remembered, json!({"remembered": "k"}));
    let capabilities = completed(&api, &worker, "get_capabilities", Value::Null).await;
    let declared: Vec<&str> = test_agent["task_types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut declared: Vec<Value> = declared.into_iter().map(Value::from).collect();
    declared.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(capabilities["capabilities"], Value::Array(declared));

    api.stop().await;
}
