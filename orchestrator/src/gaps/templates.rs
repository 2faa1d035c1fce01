//! Agent templates: resource defaults per category, and the checks an
//! agent configuration passes before the factory creates it.

use myca_agents::protocol::{validate_agent_id, AgentCategory, AgentConfig, CredentialRef};
use myca_agents::runtime::handlers::{ensure_known_kind, UnknownAgentType};
use serde::Serialize;

/// A category's defaults for new agents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    pub name: &'static str,
    pub category: AgentCategory,
    pub cpu_limit: f64,
    pub memory_limit: u32,
    pub max_concurrent_tasks: u32,
    pub description: &'static str,
}

const fn template(
    name: &'static str,
    category: AgentCategory,
    cpu_limit: f64,
    memory_limit: u32,
    max_concurrent_tasks: u32,
    description: &'static str,
) -> Template {
    Template {
        name,
        category,
        cpu_limit,
        memory_limit,
        max_concurrent_tasks,
        description,
    }
}

/// One per category, plus the seed's `route-monitor`.
pub const TEMPLATES: &[Template] = &[
    template(
        "core",
        AgentCategory::Core,
        1.0,
        512,
        10,
        "Orchestration helpers: routing, events",
    ),
    template(
        "corporate",
        AgentCategory::Corporate,
        0.5,
        256,
        5,
        "Decisions and approvals",
    ),
    template(
        "financial",
        AgentCategory::Financial,
        0.5,
        256,
        5,
        "Budgets and spending",
    ),
    template(
        "mycology",
        AgentCategory::Mycology,
        0.5,
        256,
        5,
        "Mycology research workflows",
    ),
    template(
        "research",
        AgentCategory::Research,
        1.0,
        512,
        5,
        "Research and analysis",
    ),
    template(
        "infrastructure",
        AgentCategory::Infrastructure,
        1.0,
        512,
        5,
        "Infrastructure management",
    ),
    template(
        "security",
        AgentCategory::Security,
        0.5,
        256,
        5,
        "Security monitoring",
    ),
    template(
        "device",
        AgentCategory::Device,
        0.25,
        128,
        3,
        "IoT device control",
    ),
    template("data", AgentCategory::Data, 1.0, 1024, 5, "Data operations"),
    template(
        "integration",
        AgentCategory::Integration,
        0.5,
        256,
        5,
        "External integrations",
    ),
    template(
        "communication",
        AgentCategory::Communication,
        0.5,
        256,
        5,
        "Messaging and voice",
    ),
    template(
        "route-monitor",
        AgentCategory::Data,
        0.25,
        128,
        5,
        "API route monitoring",
    ),
];

pub fn template_for(category: AgentCategory) -> &'static Template {
    TEMPLATES
        .iter()
        .find(|t| t.category == category)
        .unwrap_or(&TEMPLATES[0])
}

/// A configuration for a new agent: of the kind `agent_type` names (an
/// alias resolved) with the kind's defaults, or from its category's template
/// when no kind has that name (the factory's checks then refuse it). A
/// kind's credentials are referenced by their own names: whatever the
/// operator keeps in the keyring under those names reaches the agent.
pub fn config_from_template(
    agent_id: &str,
    agent_type: &str,
    category: AgentCategory,
) -> AgentConfig {
    if let Some(kind) = myca_agents::kinds::find(agent_type) {
        let mut config = AgentConfig::new(agent_id, kind.kind, category);
        config.cpu_limit = kind.defaults.cpu_limit;
        config.memory_limit = kind.defaults.memory_limit_mb;
        config.max_concurrent_tasks = kind.defaults.max_concurrent_tasks;
        config.description = kind.description.to_owned();
        config.credentials = kind
            .credentials
            .iter()
            .map(|credential| CredentialRef::Named(credential.name.to_owned()))
            .collect();
        return config;
    }
    let template = template_for(category);
    let mut config = AgentConfig::new(agent_id, agent_type, category);
    config.cpu_limit = template.cpu_limit;
    config.memory_limit = template.memory_limit;
    config.max_concurrent_tasks = template.max_concurrent_tasks;
    config.description = template.description.to_owned();
    config
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("invalid agent id {0:?}: 2-63 characters a-z, 0-9 and '-', not starting with '-'")]
    AgentId(String),
    #[error("agent {0:?} exists already")]
    Exists(String),
    #[error(transparent)]
    UnknownType(#[from] UnknownAgentType),
}

/// The factory's checks: id pattern, uniqueness, a kind the runtime runs.
pub fn validate_new(config: &AgentConfig, existing: &[String]) -> Result<(), TemplateError> {
    validate_agent_id(&config.agent_id)
        .map_err(|_| TemplateError::AgentId(config.agent_id.clone()))?;
    if existing.contains(&config.agent_id) {
        return Err(TemplateError::Exists(config.agent_id.clone()));
    }
    ensure_known_kind(&config.agent_type)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_a_template_and_checks_hold() {
        for category in [
            AgentCategory::Core,
            AgentCategory::Corporate,
            AgentCategory::Infrastructure,
            AgentCategory::Security,
            AgentCategory::Device,
            AgentCategory::Data,
            AgentCategory::Integration,
        ] {
            assert_eq!(template_for(category).category, category);
        }
        let config = config_from_template("ops-1", "test-agent", AgentCategory::Device);
        // The kind's defaults, not the category's.
        assert_eq!(config.memory_limit, 128);
        assert_eq!(config.cpu_limit, 0.5);
        let unknown_kind = config_from_template("ops-2", "nobody", AgentCategory::Data);
        assert_eq!(unknown_kind.memory_limit, 1024);
        // The seed's required `proxmox-agent` (type `proxmox`) fills as the real kind.
        let seed = config_from_template("proxmox-agent", "proxmox", AgentCategory::Infrastructure);
        assert_eq!(seed.agent_type, "proxmox-agent");
        assert_eq!(
            seed.credentials,
            [CredentialRef::Named("PROXMOX_TOKEN_SECRET".into())],
            "the kind's credentials, by the names the keyring keeps them under"
        );
        assert!(config.credentials.is_empty(), "test-agent needs none");
        assert_eq!(validate_new(&seed, &[]), Ok(()));
        assert_eq!(validate_new(&config, &[]), Ok(()));
        assert!(matches!(
            validate_new(&config, &["ops-1".into()]),
            Err(TemplateError::Exists(_))
        ));
        let bad = config_from_template("Ops!", "test-agent", AgentCategory::Core);
        assert!(matches!(
            validate_new(&bad, &[]),
            Err(TemplateError::AgentId(_))
        ));
        let unknown = config_from_template("oracle-agent", "oracle", AgentCategory::Corporate);
        assert!(matches!(
            validate_new(&unknown, &[]),
            Err(TemplateError::UnknownType(_))
        ));
    }
}
