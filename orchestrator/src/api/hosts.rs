use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::extract::{Body, Path};
use super::{ApiError, ApiState};
use crate::hosts::{connect, test_connection, HostProfile, HostReport};

pub async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "hosts": state.service.store.hosts().await? })))
}

pub async fn save(
    State(state): State<ApiState>,
    Body(profile): Body<HostProfile>,
) -> Result<Json<HostProfile>, ApiError> {
    let name = profile.name.trim();
    if name.is_empty() || name.len() > 100 || name.contains('/') {
        return Err(ApiError::Unprocessable(
            "a host name is 1-100 characters without '/'".into(),
        ));
    }
    state.service.store.put_host(&profile).await?;
    Ok(Json(profile))
}

pub async fn remove(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !state.service.store.delete_host(&name).await? {
        return Err(ApiError::NotFound(format!("no host {name:?}")));
    }
    Ok(Json(json!({ "name": name, "status": "deleted" })))
}

/// "Test connection": engine version, API version, OS, CPUs, memory,
/// containers and round-trip latency — or why the host cannot be reached.
pub async fn test(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<HostReport>, ApiError> {
    let profile = state
        .service
        .store
        .host(&name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no host {name:?}")))?;
    let host = connect(&profile)
        .await
        .map_err(|error| ApiError::Unavailable(error.to_string()))?;
    let report = test_connection(&host.docker)
        .await
        .map_err(|error| ApiError::Unavailable(format!("Docker engine: {error}")))?;
    Ok(Json(report))
}
