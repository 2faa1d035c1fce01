use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AgentStatus;

/// A command on `agent:{id}`: `{"command": "pause"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum AgentCommand {
    /// Finish running tasks, take no new ones.
    Pause,
    Resume,
    /// Shut down gracefully, as on SIGTERM.
    Stop,
    /// Publish a snapshot of state, config, pending tasks and memory.
    Snapshot,
    /// Drop this task: abort its handler if it runs, never record it as done.
    Cancel {
        task_id: Uuid,
    },
}

/// What an agent publishes on `orchestrator:heartbeats` every interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub agent_id: String,
    pub agent_type: String,
    pub status: AgentStatus,
    pub timestamp: DateTime<Utc>,
    pub uptime_seconds: u64,
    pub current_tasks: u32,
    pub tasks_completed: u64,
    pub tasks_failed: u64,
    pub tasks_timed_out: u64,
    /// Tasks dropped on a `cancel` command.
    #[serde(default)]
    pub tasks_cancelled: u64,
}

/// The body of an agent's `GET /health` (HTTP 200 when healthy, else 503).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `healthy` or `unhealthy`.
    pub status: String,
    pub agent_id: String,
    pub agent_status: AgentStatus,
    pub uptime_seconds: u64,
}
