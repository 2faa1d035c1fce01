use axum::extract::State;
use axum::Json;
use myca_agents::protocol::{AgentTask, TaskPriority, TaskStatus};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::extract::{Body, Path, Query};
use super::{ApiError, ApiState};
use crate::store::{LedgerEntry, Route, TaskFilter};

/// The seed's task body; exactly one of `agent_id`, `agent_type` and
/// `capability` says where it goes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    agent_id: Option<String>,
    #[serde(default)]
    agent_type: Option<String>,
    #[serde(default)]
    capability: Option<String>,
    task_type: String,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    priority: TaskPriority,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    max_retries: Option<u32>,
    #[serde(default)]
    requester_agent: Option<String>,
}

impl TaskRequest {
    fn route(&self) -> Result<Route, ApiError> {
        match (&self.agent_id, &self.agent_type, &self.capability) {
            (Some(id), None, None) => Ok(Route::Agent(id.clone())),
            (None, Some(agent_type), None) => Ok(Route::Type(agent_type.clone())),
            (None, None, Some(capability)) => Ok(Route::Capability(capability.clone())),
            _ => Err(ApiError::Unprocessable(
                "give exactly one of agent_id, agent_type and capability".into(),
            )),
        }
    }
}

pub async fn submit(
    State(state): State<ApiState>,
    Body(request): Body<TaskRequest>,
) -> Result<Json<Value>, ApiError> {
    let route = request.route()?;
    if request.task_type.trim().is_empty() {
        return Err(ApiError::Unprocessable("task_type is empty".into()));
    }
    if let Route::Agent(id) = &route {
        super::agents::known(&state, id).await?;
    }
    let mut task = AgentTask::new(
        request.agent_id.clone().unwrap_or_default(),
        request.task_type,
        request.payload,
    );
    if let Some(id) = request.id {
        task.id = id;
    }
    task.priority = request.priority;
    task.timeout = request.timeout.unwrap_or(task.timeout);
    task.max_retries = request.max_retries.unwrap_or(task.max_retries);
    task.requester_agent = request.requester_agent;
    let entry = state.service.ledger.submit(task, route).await?;
    Ok(Json(json!({
        "task_id": entry.task.id,
        "status": "submitted",
        "ledger_status": entry.task.status,
    })))
}

pub async fn one(
    State(state): State<ApiState>,
    Path(id): Path<Uuid>,
) -> Result<Json<LedgerEntry>, ApiError> {
    state
        .service
        .ledger
        .task(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no task {id}")))
}

pub async fn list(
    State(state): State<ApiState>,
    Query(filter): Query<TaskFilter>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "tasks": state.service.store.tasks(&filter).await? }),
    ))
}

pub async fn dead_letters(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let filter = TaskFilter {
        status: Some(TaskStatus::DeadLettered),
        ..TaskFilter::default()
    };
    Ok(Json(
        json!({ "tasks": state.service.store.tasks(&filter).await? }),
    ))
}
