use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AgentStatus;

/// An agent's current runtime state, as the seed's `AgentState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentState {
    pub agent_id: String,
    pub status: AgentStatus,
    #[serde(default)]
    pub container_id: Option<String>,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_heartbeat: Option<DateTime<Utc>>,
    /// Ids of the tasks running now.
    #[serde(default)]
    pub current_tasks: Vec<String>,
    #[serde(default)]
    pub tasks_completed: u64,
    #[serde(default)]
    pub tasks_failed: u64,
    #[serde(default)]
    pub messages_sent: u64,
    #[serde(default)]
    pub messages_received: u64,
    #[serde(default)]
    pub error_count: u64,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub cpu_percent: f64,
    #[serde(default)]
    pub memory_mb: f64,
    #[serde(default)]
    pub uptime_seconds: u64,
    /// What the agent consumed from the services it calls, by counter
    /// (`input_tokens`, `output_tokens`); absent while nothing was counted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub usage: BTreeMap<String, u64>,
}

impl AgentState {
    pub fn new(agent_id: impl Into<String>, status: AgentStatus) -> Self {
        Self {
            agent_id: agent_id.into(),
            status,
            container_id: None,
            started_at: None,
            last_heartbeat: None,
            current_tasks: Vec::new(),
            tasks_completed: 0,
            tasks_failed: 0,
            messages_sent: 0,
            messages_received: 0,
            error_count: 0,
            last_error: None,
            cpu_percent: 0.0,
            memory_mb: 0.0,
            uptime_seconds: 0,
            usage: BTreeMap::new(),
        }
    }
}
