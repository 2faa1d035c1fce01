use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{AgentConfig, AgentState, AgentTask};

/// An agent's state frozen for persistence or a restore elsewhere; the seed's
/// `agent_snapshots` row. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentSnapshot {
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    pub agent_id: String,
    #[serde(default = "Utc::now")]
    pub snapshot_time: DateTime<Utc>,
    pub state: AgentState,
    pub config: AgentConfig,
    #[serde(default)]
    pub pending_tasks: Vec<AgentTask>,
    #[serde(default)]
    pub memory_state: Value,
    #[serde(default)]
    pub reason: String,
}
