//! Agent-to-agent messages through the orchestrator, over HTTP and the real
//! stack: a request answered by a real agent with the same correlation id,
//! acknowledged when asked, an expired one kept but not delivered, all stored.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(40);

#[tokio::test]
async fn a_request_is_answered_with_its_correlation_and_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let cfo = unique_agent_id("cfo-agent");
    guard.watch(container_name(&cfo));
    let (code, spawned) = api.call(Method::POST,
        "/agents/spawn",
        Some(json!({"agent_id": cfo, "agent_type": "test-agent", "category": "corporate", "memory_limit": 64})),
    )
    .await;
    assert_eq!(code, 200, "{spawned}");
    wait_healthy(spawned["port"].as_u64().unwrap() as u16, PATIENCE).await;

    // The seed's body, plus an acknowledgement request.
    let (code, sent) = api
        .call(
            Method::POST,
            "/messages",
            Some(
                json!({"from_agent": "ceo-agent", "to_agent": cfo, "message_type": "request",
                    "payload": {"task_type": "echo", "budget": 1200}, "priority": 5,
                    "requires_ack": true}),
            ),
        )
        .await;
    assert_eq!(code, 200, "{sent}");
    assert_eq!(sent["status"], "sent");
    let id = sent["message_id"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + PATIENCE;
    let replies = loop {
        let (_, listed) = api
            .call(Method::GET, &format!("/messages?correlation_id={id}"), None)
            .await;
        let replies = listed["messages"].as_array().cloned().unwrap_or_default();
        if replies.iter().any(|m| m["message_type"] == "response") {
            break replies;
        }
        assert!(Instant::now() < deadline, "no response: {listed}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let response = replies
        .iter()
        .find(|m| m["message_type"] == "response")
        .unwrap();
    assert_eq!(response["from_agent"], json!(cfo));
    assert_eq!(response["to_agent"], "ceo-agent");
    assert_eq!(response["payload"]["result"]["budget"], 1200);
    assert!(
        replies.iter().any(|m| m["message_type"] == "ack"),
        "{replies:?}"
    );
    let (_, original) = api
        .call(Method::GET, &format!("/messages/{id}"), None)
        .await;
    assert_eq!(original["acknowledged"], true, "{original}");

    // A request for a task type the agent lacks is answered with an error.
    let (_, sent) = api
        .call(
            Method::POST,
            "/messages",
            Some(
                json!({"from_agent": "ceo-agent", "to_agent": cfo, "message_type": "request",
                    "payload": {"task_type": "budget_check"}}),
            ),
        )
        .await;
    let unknown = sent["message_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, listed) = api
            .call(
                Method::GET,
                &format!("/messages?correlation_id={unknown}"),
                None,
            )
            .await;
        if let Some(reply) = listed["messages"].as_array().and_then(|m| m.first()) {
            assert!(
                reply["payload"]["error"]
                    .as_str()
                    .unwrap()
                    .contains("budget_check"),
                "{reply}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no error reply");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Expired on arrival: stored, never delivered.
    let (code, expired) = api.call(Method::POST,
        "/messages",
        Some(
            json!({"from_agent": "ceo-agent", "to_agent": cfo, "message_type": "event", "ttl": 0}),
        ),
    )
    .await;
    assert_eq!((code, expired["delivery"].clone()), (200, json!("expired")));
    let (_, history) = api
        .call(Method::GET, &format!("/messages?agent_id={cfo}"), None)
        .await;
    assert!(
        history["messages"].as_array().unwrap().len() >= 5,
        "{history}"
    );

    // The topology shows the message flow between the two, weighted.
    let (code, topology) = api.call(Method::GET, "/api/dashboard/topology", None).await;
    assert_eq!(code, 200);
    let flow = topology["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["kind"] == "messages" && e["source"] == "ceo-agent" && e["target"] == json!(cfo)
        })
        .cloned()
        .unwrap_or_else(|| panic!("no message edge: {topology}"));
    assert!(flow["weight"].as_i64().unwrap() >= 3, "{flow}");
    let node = topology["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == json!(cfo))
        .cloned()
        .unwrap();
    assert_eq!(
        (node["kind"].clone(), node["isolated"].clone()),
        (json!("agent"), json!(false))
    );

    // Bad input.
    let (code, _) = api
        .call(
            Method::POST,
            "/messages",
            Some(json!({"from_agent": "a", "to_agent": "nobody-here", "message_type": "request"})),
        )
        .await;
    assert_eq!(code, 404);
    let (code, _) = api
        .call(
            Method::POST,
            "/messages",
            Some(json!({"from_agent": "a", "to_agent": cfo, "message_type": "shout"})),
        )
        .await;
    assert_eq!(code, 422);

    api.service
        .first_pool()
        .unwrap()
        .remove(&cfo)
        .await
        .unwrap();
    api.stop().await;
}
