//! Whether a configuration may become an agent: a kind this runtime runs
//! (by id or alias), settings that match the kind's schema, and grants that
//! match the privileges the kind declares and its settings need. Checked
//! before any container exists.

use super::{find, FieldError, KindSpec};
use crate::protocol::{AgentConfig, Privilege, DOCKER_SOCKET_IN_AGENT};
use crate::runtime::handlers::UnknownAgentType;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    UnknownKind(#[from] UnknownAgentType),
    #[error("invalid settings for kind {kind}: {}", join(.errors))]
    Settings {
        kind: &'static str,
        errors: Vec<FieldError>,
    },
    /// A grant the kind does not use, or settings that need one not given.
    #[error("grants: {0}")]
    Grants(String),
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl Refusal {
    /// Each field's problem, for a form to show beside the field.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Refusal::UnknownKind(unknown) => vec![FieldError {
                field: "agent_type".to_owned(),
                message: unknown.to_string(),
            }],
            Refusal::Settings { errors, .. } => errors.clone(),
            Refusal::Grants(message) => vec![FieldError {
                field: "grants".to_owned(),
                message: message.clone(),
            }],
        }
    }
}

/// `config` as it is spawned: `agent_type` the kind's registry id (an
/// alias resolved), settings with the kind's defaults filled in.
pub fn admit(config: &AgentConfig) -> Result<(AgentConfig, &'static KindSpec), Refusal> {
    let kind = find(&config.agent_type).ok_or_else(|| UnknownAgentType::new(&config.agent_type))?;
    let settings = kind
        .settings(&config.settings)
        .map_err(|errors| Refusal::Settings {
            kind: kind.kind,
            errors,
        })?;
    check_grants(kind, &config.grants, &settings)?;
    let mut admitted = config.clone();
    admitted.agent_type = kind.kind.to_owned();
    admitted.settings = settings;
    admitted.grants.sort();
    admitted.grants.dedup();
    Ok((admitted, kind))
}

/// A privilege is given only to a kind that declares it; a kind whose
/// settings need one it was not granted is refused rather than spawned to
/// fail every task (a `unix://` Docker host is reachable only through the
/// granted mount, and only at the path the mount uses).
fn check_grants(
    kind: &KindSpec,
    grants: &[Privilege],
    settings: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), Refusal> {
    if let Some(unused) = grants.iter().find(|g| !kind.privileges.contains(g)) {
        return Err(Refusal::Grants(format!(
            "kind {} does not use the privilege {unused}; remove it from \"grants\"",
            kind.kind
        )));
    }
    for privilege in kind.privileges.iter().filter(|p| p.needed_by(settings)) {
        let host = settings["docker_host"].as_str().unwrap_or_default();
        if !grants.contains(privilege) {
            return Err(Refusal::Grants(format!(
                "settings.docker_host {host} is the host's Docker socket, which a {} reaches only \
                 when the operator grants it: add \"grants\": [\"{privilege}\"], or name a \
                 tcp:// engine in settings.docker_host",
                kind.kind
            )));
        }
        let expected = format!("unix://{DOCKER_SOCKET_IN_AGENT}");
        if host != expected {
            return Err(Refusal::Grants(format!(
                "the granted Docker socket is mounted at {expected}; settings.docker_host {host} \
                 names no socket inside the agent's container"
            )));
        }
    }
    Ok(())
}
