//! Whether a configuration may become an agent: a kind this runtime runs
//! (by id or alias) and settings that match the kind's schema. Checked
//! before any container exists.

use super::{find, FieldError, KindSpec};
use crate::protocol::AgentConfig;
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
    let mut admitted = config.clone();
    admitted.agent_type = kind.kind.to_owned();
    admitted.settings = settings;
    Ok((admitted, kind))
}
