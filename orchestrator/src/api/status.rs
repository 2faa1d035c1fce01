use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use myca_agents::protocol::TaskStatus;
use serde_json::{json, Value};

use super::{ApiError, ApiState};

/// The seed's body; needs no key, so probes can use it.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "service": "myca-orchestrator" }))
}

/// The seed's `/status` body, with what this product adds.
pub async fn status(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let service = &state.service;
    let agents = service.agents().await?;
    let running = agents
        .iter()
        .filter(|a| a.container_state == "running")
        .count();
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for agent in &agents {
        *by_type.entry(agent.agent_type.as_str()).or_default() += 1;
    }
    let pending = service.store.count_tasks(TaskStatus::Pending).await?
        + service.store.count_tasks(TaskStatus::Queued).await?
        + service.store.count_tasks(TaskStatus::Running).await?;
    let brokers = service.hosts.brokers();
    let connected = brokers.iter().map(|b| b.broker.run_id());
    let broker_connected = !brokers.is_empty()
        && futures_util::future::join_all(connected)
            .await
            .iter()
            .all(Result::is_ok);
    Ok(Json(json!({
        "status": "running",
        "started": true,
        "started_at": service.started_at,
        "uptime_seconds": (Utc::now() - service.started_at).num_seconds(),
        "total_agents": agents.len(),
        "pool_stats": {
            "running": running,
            "stopped": agents.len() - running,
            "by_type": by_type,
        },
        "pending_tasks": pending,
        "dead_lettered_tasks": service.store.count_tasks(TaskStatus::DeadLettered).await?,
        "message_broker_connected": broker_connected,
        "store": service.store.backend(),
    })))
}
