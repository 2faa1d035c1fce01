//! The pool's inventory, read from the engine by label.
//! Containers of other fleet instances are filtered here, on our side:
//! Docker's label filter cannot match the unlabelled containers the default
//! instance adopts.

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;
use myca_agents::protocol::names::{
    LABEL_AGENT, LABEL_AGENT_CATEGORY, LABEL_AGENT_ID, LABEL_AGENT_TYPE,
};
use myca_agents::protocol::{AgentConfig, Privilege};
use serde::Serialize;

use super::instance::FleetInstance;
use super::spec::{LABEL_AGENT_CONFIG, LABEL_AGENT_PORT};
use super::PoolError;

/// An agent container as the engine reports it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PooledAgent {
    pub agent_id: String,
    pub agent_type: String,
    pub category: String,
    pub container_id: String,
    /// Docker's state: created, running, restarting, exited, dead…
    pub state: String,
    pub port: Option<u16>,
    /// Privileges the operator granted it (its `mas.grants` label).
    pub grants: Vec<Privilege>,
    /// CPUs and megabytes it was given (from its spawn configuration).
    pub cpu_limit: f64,
    #[ts(type = "number")]
    pub memory_limit_mb: u64,
}

impl PooledAgent {
    pub fn is_running(&self) -> bool {
        self.state == "running"
    }
}

/// The agent containers of `instance`, or of every instance on the engine
/// (for what the engine's host shares, such as ports).
pub(super) async fn list(
    docker: &Docker,
    instance: Option<&FleetInstance>,
) -> Result<Vec<PooledAgent>, PoolError> {
    let filters = HashMap::from([("label".to_owned(), vec![format!("{LABEL_AGENT}=true")])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let containers = docker.list_containers(Some(options)).await?;
    let mut agents: Vec<PooledAgent> = containers
        .into_iter()
        .filter_map(|container| {
            let labels = container.labels.unwrap_or_default();
            if instance.is_some_and(|instance| !instance.owns(&labels)) {
                return None;
            }
            let label = |name: &str| labels.get(name).cloned().unwrap_or_default();
            let limits = labels
                .get(LABEL_AGENT_CONFIG)
                .and_then(|raw| serde_json::from_str::<AgentConfig>(raw).ok());
            Some(PooledAgent {
                agent_id: labels.get(LABEL_AGENT_ID)?.clone(),
                agent_type: label(LABEL_AGENT_TYPE),
                category: label(LABEL_AGENT_CATEGORY),
                container_id: container.id?,
                state: container.state.map(|s| s.to_string()).unwrap_or_default(),
                port: labels.get(LABEL_AGENT_PORT).and_then(|p| p.parse().ok()),
                grants: super::granted(&labels),
                cpu_limit: limits.as_ref().map_or(0.0, |c| c.cpu_limit),
                memory_limit_mb: limits.as_ref().map_or(0, |c| u64::from(c.memory_limit)),
            })
        })
        .collect();
    agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
    Ok(agents)
}
