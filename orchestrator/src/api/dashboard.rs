//! The seed's dashboard API: agents with their history, logs, fleet
//! statistics, and live updates over WebSocket and server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use myca_agents::protocol::TaskStatus;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use super::extract::{Path, Query};
use super::{ApiError, ApiState};
use crate::events::Event;
use crate::pool::{logs, LogQuery};
use crate::service::FleetService;
use crate::store::{MessageFilter, Page};
use crate::topology::{build, FleetSnapshot, Topology};

/// How often an idle WebSocket gets `{"type": "heartbeat"}`.
const WS_HEARTBEAT: Duration = Duration::from_secs(30);
const HISTORY_ROWS: u32 = 20;
const DEFAULT_LOG_TAIL: usize = 200;

pub async fn agents(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let agents = state.service.agents().await?;
    Ok(Json(json!({ "agents": agents, "total": agents.len() })))
}

pub async fn agent(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let agent = super::agents::known(&state, &id).await?;
    let store = &state.service.store;
    Ok(Json(json!({
        "agent": agent,
        "recent_actions": store.actions(&id, HISTORY_ROWS).await?,
        "metrics": store.metrics(&id, HISTORY_ROWS).await?,
        "messages": store
            .messages(&MessageFilter::agent(&id), &Page::first(HISTORY_ROWS))
            .await?
            .items,
        "snapshots": store.snapshots(Some(&id), &Page::first(HISTORY_ROWS)).await?.items,
    })))
}

/// Most log lines one answer holds; more is refused with 422.
pub const MAX_LOG_TAIL: usize = 10_000;

#[derive(Deserialize)]
pub struct LogsQuery {
    tail: Option<usize>,
    since: Option<DateTime<Utc>>,
}

/// The container's recent output (stdout and stderr apart, timestamped).
pub async fn agent_logs(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(query): Query<LogsQuery>,
) -> Result<Json<Value>, ApiError> {
    let tail = query.tail.unwrap_or(DEFAULT_LOG_TAIL);
    if !(1..=MAX_LOG_TAIL).contains(&tail) {
        return Err(ApiError::Unprocessable(format!(
            "tail {tail} is out of range: 1 to {MAX_LOG_TAIL} lines"
        )));
    }
    super::agents::known(&state, &id).await?;
    let query = LogQuery {
        follow: false,
        tail: Some(tail),
        since: query.since,
    };
    let pool = state.service.hosts.pool_of(&id).await?;
    let lines: Vec<_> = logs(pool.docker(), &id, &query)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|error| ApiError::Unavailable(format!("Docker engine: {error}")))?;
    Ok(Json(json!({ "agent_id": id, "logs": lines })))
}

pub async fn stats(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let service = &state.service;
    let agents = service.agents().await?;
    let mut tasks = serde_json::Map::new();
    for status in [
        TaskStatus::Pending,
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::TimedOut,
        TaskStatus::DeadLettered,
    ] {
        tasks.insert(
            status.as_str().to_owned(),
            json!(service.store.count_tasks(status).await?),
        );
    }
    Ok(Json(json!({
        "total_agents": agents.len(),
        "running_agents": agents.iter().filter(|a| a.container_state == "running").count(),
        "tasks": tasks,
        "activity": service.store.activity_summary().await?,
        "recent_errors": service.store.recent_errors().await?.len(),
        "timestamp": Utc::now(),
    })))
}

/// Whether an event changes what the agent list shows.
fn changes_agents(event: &Event) -> bool {
    matches!(event, Event::Container { .. } | Event::TaskFinished { .. })
}

async fn agents_json(state: &ApiState, only: Option<&str>) -> Value {
    let agents = state.service.agents().await.unwrap_or_default();
    let agents: Vec<_> = agents
        .into_iter()
        .filter(|a| only.is_none_or(|id| a.agent_id == id))
        .collect();
    json!(agents)
}

/// A request that is not a WebSocket handshake gets a JSON error like every
/// other route (426 when it could be upgraded but did not ask, else 400).
pub async fn ws(
    State(state): State<ApiState>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|rejection| {
        let detail = format!("{}: connect with a WebSocket client", rejection.body_text());
        match rejection.status().as_u16() {
            426 => ApiError::UpgradeRequired(detail),
            _ => ApiError::BadRequest(detail),
        }
    })?;
    Ok(upgrade.on_upgrade(move |socket| live(socket, state)))
}

async fn send(socket: &mut WebSocket, value: Value) -> bool {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .is_ok()
}

/// `initial_state`, then an `agent_update` whenever agents change, a
/// `heartbeat` when idle, `pong` to `ping`; `subscribe` narrows updates to one agent.
async fn live(mut socket: WebSocket, state: ApiState) {
    let mut events = state.service.bus.subscribe();
    let mut closing = state.closing.clone();
    let mut only: Option<String> = None;
    let initial = json!({ "type": "initial_state", "agents": agents_json(&state, None).await });
    if !send(&mut socket, initial).await {
        return;
    }
    let mut idle = tokio::time::interval(WS_HEARTBEAT);
    idle.reset();
    loop {
        let outgoing = tokio::select! {
            event = events.recv() => match event {
                Ok(event) if changes_agents(&event) && only.as_deref().is_none_or(|id| id == event.agent_id()) => {
                    Some(json!({
                        "type": "agent_update",
                        "agents": agents_json(&state, only.as_deref()).await,
                        "timestamp": Utc::now(),
                    }))
                }
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).unwrap_or_default();
                    match message["type"].as_str() {
                        Some("ping") => Some(json!({ "type": "pong" })),
                        Some("subscribe") => {
                            only = message["agent_id"].as_str().map(str::to_owned);
                            Some(json!({ "type": "subscribed", "agent_id": only }))
                        }
                        _ => Some(json!({ "type": "error", "detail": "expected {\"type\": \"ping\"} or {\"type\": \"subscribe\", \"agent_id\": …}" })),
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => None,
            },
            _ = idle.tick() => Some(json!({ "type": "heartbeat" })),
            _ = closing.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        };
        if let Some(message) = outgoing {
            if !send(&mut socket, message).await {
                return;
            }
            idle.reset();
        }
    }
}

/// Server-sent events: an `agent_update` now and whenever agents change.
pub async fn stream(
    State(state): State<ApiState>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let events = state.service.bus.subscribe();
    let updates = futures_util::stream::unfold(
        (state, events, true),
        |(state, mut events, first)| async move {
            let mut closing = state.closing.clone();
            if !first {
                loop {
                    let event = tokio::select! {
                        event = events.recv() => event,
                        _ = closing.changed() => return None,
                    };
                    match event {
                        Ok(event) if changes_agents(&event) => break,
                        Ok(_) | Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
            let update =
                json!({ "type": "agent_update", "agents": agents_json(&state, None).await });
            let event = SseEvent::default().data(update.to_string());
            Some((Ok(event), (state, events, false)))
        },
    );
    Sse::new(updates).keep_alive(KeepAlive::default())
}

/// The longest window the topology weighs edges over: 30 days.
pub const MAX_WINDOW_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Deserialize)]
pub struct TopologyQuery {
    /// The flow window (default an hour).
    window_seconds: Option<i64>,
}

/// Nodes and weighted edges a UI draws directly.
pub async fn topology(
    State(state): State<ApiState>,
    Query(query): Query<TopologyQuery>,
) -> Result<Json<Topology>, ApiError> {
    Ok(Json(
        topology_of(&state.service, query.window_seconds.unwrap_or(3600)).await?,
    ))
}

/// The fleet's topology over the last `window_seconds` (the window's too).
pub async fn topology_of(
    service: &FleetService,
    window_seconds: i64,
) -> Result<Topology, ApiError> {
    if !(1..=MAX_WINDOW_SECONDS).contains(&window_seconds) {
        return Err(ApiError::Unprocessable(format!(
            "window_seconds {window_seconds} is out of range: 1 to {MAX_WINDOW_SECONDS}"
        )));
    }
    let since = Utc::now() - chrono::Duration::seconds(window_seconds);
    let agents = service.agents().await?;
    let tasks = service.store.task_counts_since(since).await?;
    let messages = service.store.message_counts_since(since).await?;
    let store = service.store.backend().to_string();
    Ok(build(&FleetSnapshot {
        hosts: &service.hosts.views(),
        store: &store,
        agents: &agents,
        tasks: &tasks,
        messages: &messages,
        window_seconds,
    }))
}

/// Every agent's health: status from heartbeats and container, queue lag.
pub async fn health(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "agents": state.service.health().await? })))
}
