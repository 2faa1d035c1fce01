//! `monitoring-agent` in a real container, spawned by the seed's name for
//! it (`monitoring`), against Debian's real Prometheus and Alertmanager on
//! loopback: instant and range queries, scrape targets (one down), the
//! firing alert, a silence; a bad query in Prometheus' own words, a bad
//! payload, and a Prometheus that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_e2e::prometheus_stack::{PrometheusStack, FIRING_ALERT};
use myca_orchestrator::config::DatabaseTarget;
use serde_json::json;

#[tokio::test]
async fn monitoring_agent_queries_prometheus_and_silences_alertmanager() {
    let stack = PrometheusStack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let settings =
        json!({"prometheus_url": stack.prometheus_url, "alertmanager_url": stack.alertmanager_url});
    let ops = unique_agent_id("monitor");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &ops,
        json!({"agent_type": "monitoring", "category": "infrastructure", "memory_limit": 64, "settings": settings}),
    )
    .await;
    assert_eq!(spawned["agent_type"], "monitoring-agent");

    let up = completed(
        &api,
        &ops,
        "query",
        json!({"query": "up{job=\"prometheus\"}"}),
    )
    .await;
    assert_eq!(up["resultType"], "vector");
    assert_eq!(up["result"][0]["value"][1], "1", "{up}");
    let now = chrono::Utc::now().timestamp();
    let range = json!({"query": "vector(2)", "start": (now - 60).to_string(), "end": now.to_string(), "step": "15s"});
    let series = completed(&api, &ops, "query_range", range).await;
    assert_eq!(series["resultType"], "matrix");
    assert_eq!(series["result"][0]["values"][0][1], "2", "{series}");

    let targets = completed(&api, &ops, "targets", json!({})).await;
    assert_eq!(targets["down"], 1, "{targets}");
    let gone = targets["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["job"] == "gone")
        .unwrap();
    assert_eq!(gone["health"], "down");

    let alerts = completed(&api, &ops, "alerts", json!({})).await;
    let firing = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["alertname"] == FIRING_ALERT)
        .unwrap();
    assert_eq!(firing["state"], "active");
    let silence = json!({"matchers": [{"name": "alertname", "value": FIRING_ALERT}], "duration_minutes": 30, "comment": "e2e"});
    let silenced = completed(&api, &ops, "create_silence", silence).await;
    let silence_id = silenced["silence_id"].as_str().unwrap().to_owned();
    let stored: serde_json::Value = myca_e2e::http_client()
        .get(format!(
            "{}/api/v2/silence/{silence_id}",
            stack.alertmanager_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["status"]["state"], "active", "{stored}");
    assert_eq!(stored["comment"], "e2e");

    let bad_query = failed(&api, &ops, "query", json!({"query": "sum("})).await;
    assert!(
        bad_query.starts_with("prometheus: refused the request (400): "),
        "{bad_query}"
    );
    assert!(bad_query.contains("parse error"), "{bad_query}");
    let bad_payload = failed(
        &api,
        &ops,
        "create_silence",
        json!({"matchers": [], "comment": ""}),
    )
    .await;
    assert_eq!(bad_payload, "invalid payload: payload.comment: needs at least 1 characters; payload.matchers: needs at least 1 items");

    let blind = unique_agent_id("monitor-down");
    let nowhere = json!({"prometheus_url": "http://127.0.0.1:1"});
    spawn_healthy(&api, &mut guard, &blind, json!({"agent_type": "monitoring-agent", "category": "infrastructure", "memory_limit": 64, "settings": nowhere})).await;
    let down = failed(&api, &blind, "targets", json!({})).await;
    assert!(down.starts_with("prometheus: unreachable: "), "{down}");

    api.stop().await;
}
