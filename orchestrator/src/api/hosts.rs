//! Hosts at runtime: every host of the fleet with its state; adding one
//! (an SSH host seen for the first time waits until the client confirms
//! the key fingerprint it presented), enabling, disabling, relabelling and
//! removing one while the service runs. Profiles are kept in SQL.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, Object, Path, Query};
use super::{ApiError, ApiState};
use crate::hosts::{placeholder_fingerprint, test_profile, HostProfile};
use crate::service::{AgentsOnRemoval, HostsError, JoinedHost};

impl From<HostsError> for ApiError {
    fn from(error: HostsError) -> Self {
        match error {
            HostsError::Invalid(_) | HostsError::NotSsh => {
                ApiError::Unprocessable(error.to_string())
            }
            HostsError::FirstHost(_) | HostsError::NotPresented { .. } => {
                ApiError::Conflict(error.to_string())
            }
            HostsError::Unknown(_) | HostsError::NotPending(_) => {
                ApiError::NotFound(error.to_string())
            }
            HostsError::KeyUnreadable { .. } => ApiError::Unavailable(error.to_string()),
            HostsError::Store(error) => error.into(),
            HostsError::HostSet(error) => error.into(),
            HostsError::Pool(error) => error.into(),
        }
    }
}

/// Each host's saved profile with its state now.
pub async fn list(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let service = &state.service;
    let hosts: Vec<Value> = service
        .hosts
        .views()
        .into_iter()
        .map(|view| {
            let mut entry =
                serde_json::to_value(service.hosts.profile(&view.name)).unwrap_or(Value::Null);
            if let (Some(entry), Value::Object(view)) = (entry.as_object_mut(), json!(view)) {
                entry.extend(view);
            }
            entry
        })
        .collect();
    Ok(Json(json!({ "hosts": hosts })))
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

/// Adds (or replaces) a host. An SSH profile without
/// `host_key_fingerprint` is first contact: the key the server presents is
/// read and answered for the client to confirm
/// (`POST /hosts/{name}/confirm`); nothing is saved or connected before.
pub async fn save(
    State(state): State<ApiState>,
    Body(mut body): Body<Value>,
) -> Result<Json<Value>, ApiError> {
    tags_are_names(&body)?;
    let first_contact = body["kind"] == "ssh" && body.get("host_key_fingerprint").is_none();
    if first_contact {
        // A placeholder the real key replaces, so the rest is checked now.
        body["host_key_fingerprint"] = json!(placeholder_fingerprint());
    }
    let profile: HostProfile =
        serde_json::from_value(body).map_err(|error| ApiError::Unprocessable(error.to_string()))?;
    if first_contact {
        let name = profile.name.clone();
        let presented = state.service.first_contact(profile).await?;
        return Ok(Json(json!({
            "name": name,
            "status": "pending_confirmation",
            "presented_fingerprint": presented,
        })));
    }
    joined(state.service.join_host(profile).await?)
}

fn joined(host: JoinedHost) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({
        "name": host.name,
        "status": host.status,
        "presented_fingerprint": null,
    })))
}

#[derive(Deserialize)]
pub struct Confirmation {
    fingerprint: String,
}

/// Pins the key a first contact presented, if the client confirms the same.
pub async fn confirm(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Object(confirmation): Object<Confirmation>,
) -> Result<Json<Value>, ApiError> {
    joined(
        state
            .service
            .confirm_host(&name, &confirmation.fingerprint)
            .await?,
    )
}

/// Each field optional, but never null: the document says what it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostChange {
    #[serde(default, deserialize_with = "not_null")]
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    labels: Option<BTreeMap<String, String>>,
}

fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Enables, disables or relabels a host; it reconnects with the change.
pub async fn change(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Object(change): Object<HostChange>,
) -> Result<Json<Value>, ApiError> {
    joined(
        state
            .service
            .change_host(&name, change.enabled, change.labels)
            .await?,
    )
}

#[derive(Deserialize)]
pub struct RemovalQuery {
    agents: Option<AgentsOnRemoval>,
}

pub async fn remove(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Query(query): Query<RemovalQuery>,
) -> Result<Json<Value>, ApiError> {
    let agents = query.agents.unwrap_or(AgentsOnRemoval::Leave);
    let stopped = state.service.remove_host(&name, agents).await?;
    Ok(Json(
        json!({ "name": name, "status": "deleted", "agents_stopped": stopped }),
    ))
}

/// "Test connection": engine version, API version, OS, CPUs, memory, disk,
/// containers and round-trip latency — or why the host cannot be reached.
/// A connection test always answers with a report: what the engine said,
/// or why it could not be reached (that is the test's finding, not a
/// failure of this request).
pub async fn test(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let profile = state.service.host_profile(&name).await?;
    Ok(Json(match test_profile(&profile).await {
        Ok(report) => json!({ "name": name, "reachable": true, "report": report }),
        Err(error) => json!({ "name": name, "reachable": false, "error": error.to_string() }),
    }))
}
