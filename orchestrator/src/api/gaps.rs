use axum::extract::State;
use axum::Json;
use myca_agents::protocol::Privilege;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::extract::{Body, Path, Query};
use super::page::{checked_limit, paged_json, PageQuery};
use super::{ApiError, ApiState};
use crate::gaps::{Filled, GapError, Requirements, TemplateError, TEMPLATES};
use crate::store::ApprovalStatus;

impl From<GapError> for ApiError {
    fn from(error: GapError) -> Self {
        match error {
            GapError::NotAGap(_) | GapError::UnknownApproval(_) => {
                ApiError::NotFound(error.to_string())
            }
            GapError::AlreadyDecided(_) | GapError::Template(TemplateError::Exists(_)) => {
                ApiError::Conflict(error.to_string())
            }
            GapError::Template(_) | GapError::InvalidRequirements(_) => {
                ApiError::Unprocessable(error.to_string())
            }
            GapError::Pool(pool) => pool.into(),
            GapError::Placement(placement) => placement.into(),
            GapError::Store(store) => store.into(),
            GapError::Corrupt(_) => ApiError::Internal(error.to_string()),
        }
    }
}

/// The seed's `GET /gaps`: missing agents, most severe first.
pub async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let gaps = state.service.gaps.gaps().await?;
    Ok(Json(json!({ "total": gaps.len(), "gaps": gaps })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Who asks or decides (recorded in the audit trail).
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

fn actor_name(by: &Option<String>) -> &str {
    by.as_deref()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or("api")
}

impl Actor {
    fn name(&self) -> &str {
        actor_name(&self.by)
    }
}

/// A fill's body: who asks, and the privileges the agent is given.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FillBody {
    #[serde(default)]
    by: Option<String>,
    /// `["docker_socket"]` for a kind that needs the host's Docker socket.
    #[serde(default)]
    grants: Vec<Privilege>,
}

pub async fn fill(
    State(state): State<ApiState>,
    Path(agent_id): Path<String>,
    Body(fill): Body<FillBody>,
) -> Result<Json<Filled>, ApiError> {
    Ok(Json(
        state
            .service
            .gaps
            .fill(&agent_id, actor_name(&fill.by), &fill.grants)
            .await?,
    ))
}

pub async fn requirements(State(state): State<ApiState>) -> Result<Json<Requirements>, ApiError> {
    Ok(Json(state.service.gaps.requirements().await?))
}

#[derive(Deserialize)]
pub struct ByQuery {
    by: Option<String>,
}

pub async fn set_requirements(
    State(state): State<ApiState>,
    Query(query): Query<ByQuery>,
    Body(requirements): Body<Requirements>,
) -> Result<Json<Requirements>, ApiError> {
    let by = query.by.unwrap_or_else(|| "api".to_owned());
    state
        .service
        .gaps
        .set_requirements(&requirements, &by)
        .await?;
    Ok(Json(requirements))
}

#[derive(Deserialize)]
pub struct ApprovalQuery {
    status: Option<ApprovalStatus>,
    limit: Option<u32>,
}

pub async fn approvals(
    State(state): State<ApiState>,
    Query(query): Query<ApprovalQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = checked_limit(query.limit)?;
    Ok(Json(
        json!({ "approvals": state.service.store.approvals(query.status, limit).await? }),
    ))
}

async fn decide(
    state: &ApiState,
    id: Uuid,
    approve: bool,
    actor: &Actor,
) -> Result<Json<Filled>, ApiError> {
    Ok(Json(
        state
            .service
            .gaps
            .decide(id, approve, actor.name(), actor.comment.as_deref())
            .await?,
    ))
}

pub async fn approve(
    State(state): State<ApiState>,
    Path(id): Path<Uuid>,
    Body(actor): Body<Actor>,
) -> Result<Json<Filled>, ApiError> {
    decide(&state, id, true, &actor).await
}

pub async fn reject(
    State(state): State<ApiState>,
    Path(id): Path<Uuid>,
    Body(actor): Body<Actor>,
) -> Result<Json<Filled>, ApiError> {
    decide(&state, id, false, &actor).await
}

pub async fn templates() -> Json<Value> {
    Json(json!({ "templates": TEMPLATES }))
}

pub async fn audit(
    State(state): State<ApiState>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(paged_json(
        "audit",
        state.service.store.audit(&paging.page()?).await?,
    )))
}
