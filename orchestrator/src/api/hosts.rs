//! Hosts at runtime: every host of the fleet with its state; adding one
//! (an SSH host seen for the first time waits until the client confirms
//! the key fingerprint it presented), enabling, disabling, relabelling and
//! removing one while the service runs. Profiles are kept in SQL.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::extract::{Body, Object, Path, Query};
use super::{ApiError, ApiState};
use crate::hosts::{connect, test_connection, HostKind, HostProfile};
use crate::ssh::discover_host_fingerprint;

/// How long reading a first-contact host key may take.
const KEY_WITHIN: Duration = Duration::from_secs(10);

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

fn first_host_is_fixed(state: &ApiState, name: &str) -> Result<(), ApiError> {
    if name == state.service.first_host {
        return Err(ApiError::Conflict(format!(
            "{name:?} is the host the service was started on; change it with the service's options"
        )));
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
        body["host_key_fingerprint"] = json!(format!("SHA256:{}", "A".repeat(43)));
    }
    let mut profile: HostProfile =
        serde_json::from_value(body).map_err(|error| ApiError::Unprocessable(error.to_string()))?;
    profile
        .validate()
        .map_err(|error| ApiError::Unprocessable(error.to_string()))?;
    first_host_is_fixed(&state, &profile.name)?;
    if first_contact {
        let presented = presented_key(&profile).await?;
        if let HostKind::Ssh {
            host_key_fingerprint,
            ..
        } = &mut profile.kind
        {
            host_key_fingerprint.clone_from(&presented);
        }
        let name = profile.name.clone();
        state.service.hosts.await_confirmation(profile);
        return Ok(Json(json!({
            "name": name,
            "status": "pending_confirmation",
            "presented_fingerprint": presented,
        })));
    }
    Ok(Json(join(&state, profile).await?))
}

/// The SHA256 fingerprint of the key the SSH server presents.
async fn presented_key(profile: &HostProfile) -> Result<String, ApiError> {
    let HostKind::Ssh { host, port, .. } = &profile.kind else {
        return Err(ApiError::Unprocessable("only an SSH host has a key".into()));
    };
    match tokio::time::timeout(KEY_WITHIN, discover_host_fingerprint(host, *port)).await {
        Ok(Ok(fingerprint)) => Ok(fingerprint),
        Ok(Err(error)) => Err(ApiError::Unavailable(format!(
            "cannot read the host key of {host}:{port}: {error}"
        ))),
        Err(_) => Err(ApiError::Unavailable(format!(
            "{host}:{port} presented no host key within {} s",
            KEY_WITHIN.as_secs()
        ))),
    }
}

/// Saves the profile and starts connecting (unless it is disabled).
async fn join(state: &ApiState, profile: HostProfile) -> Result<Value, ApiError> {
    let service = &state.service;
    service.store.put_host(&profile).await?;
    service.hosts.add(profile.clone(), service.parts());
    Ok(json!({
        "name": profile.name,
        "status": if profile.enabled { "connecting" } else { "disabled" },
        "presented_fingerprint": null,
    }))
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
    let profile = state
        .service
        .hosts
        .confirmed(&name, &confirmation.fingerprint)
        .map_err(|pending| match pending {
            None => ApiError::NotFound(format!("no host {name:?} waits for confirmation")),
            Some(presented) => ApiError::Conflict(format!(
                "{name:?} presented {presented}, not {}; nothing was pinned",
                confirmation.fingerprint
            )),
        })?;
    Ok(Json(join(&state, profile).await?))
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
    first_host_is_fixed(&state, &name)?;
    let mut profile = state
        .service
        .store
        .host(&name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no host {name:?}")))?;
    if let Some(enabled) = change.enabled {
        profile.enabled = enabled;
    }
    if let Some(labels) = change.labels {
        profile.labels = labels;
    }
    Ok(Json(join(&state, profile).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentsOnRemoval {
    /// They keep running on the machine; the fleet forgets them.
    Leave,
    /// Stopped and removed first (the host must be up).
    Stop,
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
    first_host_is_fixed(&state, &name)?;
    let service = &state.service;
    let known =
        service.store.host(&name).await?.is_some() || service.hosts.profile(&name).is_some();
    if !known {
        return Err(ApiError::NotFound(format!("no host {name:?}")));
    }
    let mut stopped = Vec::new();
    if matches!(query.agents, Some(AgentsOnRemoval::Stop)) {
        let host = service.hosts.host(&name)?;
        for agent in host.agents().await? {
            host.pool.stop(&agent.agent_id, false).await?;
            host.pool.remove(&agent.agent_id).await?;
            stopped.push(agent.agent_id);
        }
    }
    service.store.delete_host(&name).await?;
    service.hosts.remove(&name);
    Ok(Json(
        json!({ "name": name, "status": "deleted", "agents_stopped": stopped }),
    ))
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
    let profile = match state.service.store.host(&name).await? {
        Some(profile) => profile,
        None => state
            .service
            .hosts
            .profile(&name)
            .ok_or_else(|| ApiError::NotFound(format!("no host {name:?}")))?,
    };
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
