use axum::extract::State;
use axum::Json;
use myca_agents::protocol::{
    integral, validate_agent_id, validate_kind, validate_task_type, AgentTask, TaskPriority,
    TaskStatus, MAX_TIMEOUT_SECONDS,
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::extract::{Body, Path, Query};
use super::page::checked_limit;
use super::{ApiError, ApiState};
use crate::service::FleetService;
use crate::store::{LedgerEntry, Route, TaskCursor, TaskFilter};

/// The seed's task body; exactly one of `agent_id`, `agent_type` and
/// `capability` says where it goes.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct TaskRequest {
    #[serde(default)]
    #[ts(optional)]
    id: Option<Uuid>,
    #[serde(default)]
    #[ts(optional)]
    agent_id: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    agent_type: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    capability: Option<String>,
    task_type: String,
    #[serde(default)]
    #[ts(type = "unknown")]
    payload: Value,
    #[serde(default)]
    #[ts(as = "Option<TaskPriority>", optional)]
    priority: TaskPriority,
    #[serde(default, deserialize_with = "integral::optional")]
    #[ts(as = "Option<u32>", optional)]
    timeout: Option<u64>,
    #[serde(default, deserialize_with = "integral::optional")]
    #[ts(optional)]
    max_retries: Option<u32>,
    #[serde(default)]
    #[ts(optional)]
    requester_agent: Option<String>,
}

/// The most retries a task may ask for.
pub const MAX_TASK_RETRIES: u32 = 100;

impl TaskRequest {
    /// Where the task goes, every name in the shape the document gives.
    fn route(&self) -> Result<Route, ApiError> {
        let route = match (&self.agent_id, &self.agent_type, &self.capability) {
            (Some(id), None, None) => {
                validate_agent_id(id)?;
                Route::Agent(id.clone())
            }
            (None, Some(agent_type), None) => {
                validate_kind("agent_type", agent_type)?;
                Route::Type(agent_type.clone())
            }
            (None, None, Some(capability)) => {
                validate_task_type("capability", capability)?;
                Route::Capability(capability.clone())
            }
            _ => {
                return Err(ApiError::Unprocessable(
                    "give exactly one of agent_id, agent_type and capability".into(),
                ))
            }
        };
        validate_task_type("task_type", &self.task_type)?;
        if self
            .timeout
            .is_some_and(|t| !(1..=MAX_TIMEOUT_SECONDS).contains(&t))
        {
            return Err(ApiError::Unprocessable(format!(
                "timeout must be 1 to {MAX_TIMEOUT_SECONDS} seconds"
            )));
        }
        if self.max_retries.is_some_and(|r| r > MAX_TASK_RETRIES) {
            return Err(ApiError::Unprocessable(format!(
                "max_retries is at most {MAX_TASK_RETRIES}"
            )));
        }
        Ok(route)
    }
}

pub async fn submit(
    State(state): State<ApiState>,
    Body(request): Body<TaskRequest>,
) -> Result<Json<Value>, ApiError> {
    let entry = submit_task(&state.service, request).await?;
    Ok(Json(json!({
        "task_id": entry.task.id,
        "status": "submitted",
        "ledger_status": entry.task.status,
    })))
}

/// Checks the request and hands the task to the ledger (the window's
/// `submit_task` too).
pub async fn submit_task(
    service: &FleetService,
    request: TaskRequest,
) -> Result<LedgerEntry, ApiError> {
    let route = request.route()?;
    if let Route::Agent(id) = &route {
        if service.agent(id).await?.is_none() {
            return Err(ApiError::NotFound(format!("no agent {id:?}")));
        }
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
    Ok(service.ledger.submit(task, route).await?)
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

/// Queued or running → cancelled; 409 when the task has settled already.
pub async fn cancel(
    State(state): State<ApiState>,
    Path(id): Path<Uuid>,
) -> Result<Json<LedgerEntry>, ApiError> {
    Ok(Json(state.service.ledger.cancel(id).await?))
}

#[derive(Deserialize)]
pub struct TaskPageQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A page of tasks newest first, and the cursor of the next one.
async fn page(
    state: &ApiState,
    filter: TaskFilter,
    query: TaskPageQuery,
) -> Result<Json<Value>, ApiError> {
    let (tasks, next) = task_page(&state.service, filter, query.limit, query.cursor).await?;
    Ok(Json(json!({ "tasks": tasks, "next_cursor": next })))
}

/// Tasks newest first after `cursor` (one this API gave out), and the
/// cursor of the next page.
pub async fn task_page(
    service: &FleetService,
    mut filter: TaskFilter,
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<(Vec<LedgerEntry>, Option<String>), ApiError> {
    filter.limit = Some(checked_limit(limit)?);
    let cursor = match &cursor {
        None => None,
        Some(text) => Some(TaskCursor::decode(text).ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "cursor {text:?} is not one this API gave out (next_cursor)"
            ))
        })?),
    };
    let (tasks, next) = service.store.tasks(&filter, cursor).await?;
    Ok((tasks, next.map(|c| c.encode())))
}

pub async fn list(
    State(state): State<ApiState>,
    Query(filter): Query<TaskListFilter>,
    Query(query): Query<TaskPageQuery>,
) -> Result<Json<Value>, ApiError> {
    if let Some(agent_id) = &filter.agent_id {
        validate_agent_id(agent_id)?;
    }
    let filter = TaskFilter {
        status: filter.status,
        agent_id: filter.agent_id,
        limit: None,
    };
    page(&state, filter, query).await
}

#[derive(Deserialize)]
pub struct TaskListFilter {
    status: Option<TaskStatus>,
    agent_id: Option<String>,
}

pub async fn dead_letters(
    State(state): State<ApiState>,
    Query(query): Query<TaskPageQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = TaskFilter {
        status: Some(TaskStatus::DeadLettered),
        ..TaskFilter::default()
    };
    page(&state, filter, query).await
}
