use axum::extract::State;
use axum::Json;
use myca_agents::protocol::AgentConfig;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, Path, Query};
use super::{ApiError, ApiState};
use crate::events::Event;
use crate::service::AgentView;
use crate::store::AgentAction;

pub async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "agents": state.service.agents().await? })))
}

pub(super) async fn known(state: &ApiState, id: &str) -> Result<AgentView, ApiError> {
    state
        .service
        .agent(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no agent {id:?}")))
}

pub async fn one(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<AgentView>, ApiError> {
    Ok(Json(known(&state, &id).await?))
}

/// The seed's spawn body is a complete `AgentConfig`; spawning an existing
/// id returns that agent.
pub async fn spawn(
    State(state): State<ApiState>,
    Body(config): Body<AgentConfig>,
) -> Result<Json<AgentView>, ApiError> {
    Ok(Json(state.service.spawn(&config).await?))
}

/// An agent announcing itself (the seed's agents did on start): recorded
/// in its history; its container, if any, is already in the inventory.
pub async fn register(
    State(state): State<ApiState>,
    Body(config): Body<AgentConfig>,
) -> Result<Json<Value>, ApiError> {
    state.service.check(&config).await?;
    let mut action = AgentAction::new(&config.agent_id, "registered", true);
    action.input_summary = Some(format!("{} ({})", config.agent_type, config.category));
    state.service.bus.record(Event::Action { action }).await;
    let running = state.service.agent(&config.agent_id).await?.is_some();
    Ok(Json(json!({
        "agent_id": config.agent_id,
        "status": "registered",
        "container": running,
    })))
}

#[derive(Deserialize)]
pub struct StopQuery {
    #[serde(default)]
    force: bool,
}

pub async fn stop(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(query): Query<StopQuery>,
) -> Result<Json<Value>, ApiError> {
    known(&state, &id).await?;
    state.service.stop(&id, query.force).await?;
    Ok(Json(json!({ "agent_id": id, "status": "stopped" })))
}

/// Restarts the same container; the agent's graceful stop stores a snapshot first.
pub async fn restart(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    known(&state, &id).await?;
    let agent = state.service.restart(&id).await?;
    Ok(Json(json!({
        "agent_id": id,
        "status": "restarted",
        "container_id": agent.container_id,
    })))
}
