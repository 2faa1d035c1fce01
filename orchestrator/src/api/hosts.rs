use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::extract::{Body, Path};
use super::{ApiError, ApiState};
use crate::hosts::{connect, test_connection, HostProfile};

pub async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "hosts": state.service.store.hosts().await? })))
}

/// serde reads an internally tagged enum's tag from a variant number too
/// (`"kind": 0`); the API's tags are names only.
fn tags_are_names(body: &Value) -> Result<(), ApiError> {
    for (tag, value) in [
        ("kind", &body["kind"]),
        ("auth.method", &body["auth"]["method"]),
    ] {
        if !(value.is_string() || value.is_null()) {
            return Err(ApiError::Unprocessable(format!("{tag} must be a string")));
        }
    }
    Ok(())
}

pub async fn save(
    State(state): State<ApiState>,
    Body(body): Body<Value>,
) -> Result<Json<HostProfile>, ApiError> {
    tags_are_names(&body)?;
    let profile: HostProfile =
        serde_json::from_value(body).map_err(|error| ApiError::Unprocessable(error.to_string()))?;
    profile
        .validate()
        .map_err(|error| ApiError::Unprocessable(error.to_string()))?;
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
/// A connection test always answers with a report: what the engine said,
/// or why it could not be reached (that is the test's finding, not a
/// failure of this request).
pub async fn test(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let profile = state
        .service
        .store
        .host(&name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no host {name:?}")))?;
    let outcome = match connect(&profile).await {
        Ok(host) => test_connection(&host.docker)
            .await
            .map_err(|error| format!("Docker engine: {error}")),
        Err(error) => Err(error.to_string()),
    };
    Ok(Json(match outcome {
        Ok(report) => json!({ "name": name, "reachable": true, "report": report }),
        Err(error) => json!({ "name": name, "reachable": false, "error": error }),
    }))
}
