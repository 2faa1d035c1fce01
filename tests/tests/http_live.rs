//! Live dashboard updates over the real stack: the WebSocket's
//! initial_state, an agent_update after a spawn, ping/pong; the SSE stream;
//! the dashboard's agent detail and logs.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer, API_KEY};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

const PATIENCE: Duration = Duration::from_secs(40);

async fn next_json<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .expect("valid frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON message");
        }
    }
}

#[tokio::test]
async fn websocket_and_sse_follow_the_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());

    let refused =
        tokio_tungstenite::connect_async(format!("ws://{}/api/dashboard/ws", api.address)).await;
    assert!(refused.is_err(), "the WebSocket needs the key");
    let (mut socket, _) = tokio_tungstenite::connect_async(format!(
        "ws://{}/api/dashboard/ws?api_key={API_KEY}",
        api.address
    ))
    .await
    .expect("WebSocket opens with ?api_key=");
    let initial = next_json(&mut socket).await;
    assert_eq!(initial["type"], "initial_state");
    assert!(initial["agents"].is_array());

    socket
        .send(Message::Text(json!({"type": "ping"}).to_string().into()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "pong");

    let sse = api
        .client
        .get(api.url(&format!("/api/dashboard/stream?api_key={API_KEY}")))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);
    assert!(sse.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut sse_body = sse.bytes_stream();
    let first = tokio::time::timeout(PATIENCE, sse_body.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let first = String::from_utf8_lossy(&first);
    assert!(
        first.starts_with("data: ") && first.contains("agent_update"),
        "{first}"
    );

    let id = unique_agent_id("live");
    guard.watch(container_name(&id));
    let (code, spawned): (u16, Value) = {
        let response = api
            .request(Method::POST, "/agents/spawn")
            .json(&json!({"agent_id": id, "agent_type": "test-agent", "category": "core", "memory_limit": 64}))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    };
    assert_eq!(code, 200, "{spawned}");
    let update = loop {
        let message = next_json(&mut socket).await;
        if message["type"] == "agent_update"
            && message["agents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["agent_id"] == json!(id))
        {
            break message;
        }
    };
    assert!(update["timestamp"].is_string());
    let pushed = tokio::time::timeout(PATIENCE, sse_body.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&pushed).contains(&id),
        "the SSE stream saw the spawn"
    );

    wait_healthy(spawned["port"].as_u64().unwrap() as u16, PATIENCE).await;
    let detail: Value = api
        .request(Method::GET, &format!("/api/dashboard/agents/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["agent"]["agent_id"], json!(id));
    assert!(detail["recent_actions"].is_array());
    let logs: Value = api
        .request(
            Method::GET,
            &format!("/api/dashboard/agents/{id}/logs?tail=50"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lines = logs["logs"].as_array().unwrap();
    assert!(
        lines.iter().any(|l| l["text"]
            .as_str()
            .unwrap_or_default()
            .contains("agent starting")),
        "{logs}"
    );
    let stats: Value = api
        .request(Method::GET, "/api/dashboard/stats")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(stats["total_agents"].as_u64().unwrap() >= 1, "{stats}");

    api.service.first_pool().unwrap().remove(&id).await.unwrap();
    api.stop().await;
}
