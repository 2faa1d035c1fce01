use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, Path, Query};
use super::page::{paged_json, PageQuery};
use super::{ApiError, ApiState};
use crate::snapshots::Restored;
use crate::store::StoredSnapshot;

pub async fn list(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    myca_agents::protocol::validate_agent_id(&id)?;
    let snapshots = state
        .service
        .store
        .snapshots(Some(&id), &paging.page()?)
        .await?;
    Ok(Json(paged_json("snapshots", snapshots)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    #[serde(default)]
    reason: Option<String>,
}

pub async fn create(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Body(request): Body<CreateRequest>,
) -> Result<Json<Value>, ApiError> {
    super::agents::known(&state, &id).await?;
    let reason = request.reason.unwrap_or_else(|| "manual".to_owned());
    let snapshot_id = state.service.snapshots.create(&id, &reason).await?;
    Ok(Json(
        json!({ "snapshot_id": snapshot_id, "agent_id": id, "reason": reason }),
    ))
}

pub async fn one(
    State(state): State<ApiState>,
    Path(id): Path<i64>,
) -> Result<Json<StoredSnapshot>, ApiError> {
    state
        .service
        .store
        .snapshot(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no snapshot {id}")))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// Restore under another id (default: the snapshot's agent).
    #[serde(default)]
    agent_id: Option<String>,
}

pub async fn restore(
    State(state): State<ApiState>,
    Path(id): Path<i64>,
    Body(request): Body<RestoreRequest>,
) -> Result<Json<Restored>, ApiError> {
    Ok(Json(
        state
            .service
            .snapshots
            .restore(id, request.agent_id.as_deref())
            .await?,
    ))
}
