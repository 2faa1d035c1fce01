//! Agents as the API shows them: the engine's inventory joined with each
//! agent's last heartbeat.

use chrono::{DateTime, Duration, Utc};
use myca_agents::protocol::{AgentConfig, AgentStatus, Privilege};
use serde::Serialize;

use super::FleetService;
use crate::events::Event;
use crate::pool::{PoolError, PooledAgent};
use crate::store::AgentAction;

/// A heartbeat older than this many intervals makes a running agent `error`.
const OVERDUE_INTERVALS: i64 = 3;
/// The interval assumed when the agent's own is unknown.
const DEFAULT_HEARTBEAT_SECONDS: i64 = 10;

/// The seed's agent entry (`GET /agents`), with what the engine knows.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AgentView {
    pub agent_id: String,
    pub agent_type: String,
    pub category: String,
    pub status: AgentStatus,
    pub container_id: String,
    /// Docker's state: running, exited, restarting…
    pub container_state: String,
    pub port: Option<u16>,
    pub last_heartbeat: Option<DateTime<Utc>>,
    #[ts(type = "number")]
    pub uptime_seconds: u64,
    pub current_tasks: u32,
    #[ts(type = "number")]
    pub tasks_completed: u64,
    #[ts(type = "number")]
    pub tasks_failed: u64,
    /// Privileges the operator granted the agent at spawn.
    pub grants: Vec<Privilege>,
}

impl FleetService {
    pub(crate) fn agent_view(&self, agent: PooledAgent) -> AgentView {
        let heartbeat = self.heartbeats.get(&agent.agent_id);
        let status = match (&heartbeat, agent.state.as_str()) {
            (_, "created") => AgentStatus::Spawning,
            (_, "restarting") => AgentStatus::Spawning,
            (_, "paused") => AgentStatus::Paused,
            (_, "exited" | "dead" | "removing") => AgentStatus::Dead,
            (None, _) => AgentStatus::Spawning,
            (Some(record), _) => {
                let overdue = Duration::seconds(DEFAULT_HEARTBEAT_SECONDS * OVERDUE_INTERVALS);
                if Utc::now() - record.received_at > overdue {
                    AgentStatus::Error
                } else {
                    record.heartbeat.status
                }
            }
        };
        let beat = heartbeat.map(|record| record.heartbeat);
        AgentView {
            status,
            last_heartbeat: beat.as_ref().map(|b| b.timestamp),
            uptime_seconds: beat.as_ref().map_or(0, |b| b.uptime_seconds),
            current_tasks: beat.as_ref().map_or(0, |b| b.current_tasks),
            tasks_completed: beat.as_ref().map_or(0, |b| b.tasks_completed),
            tasks_failed: beat
                .as_ref()
                .map_or(0, |b| b.tasks_failed + b.tasks_timed_out),
            agent_id: agent.agent_id,
            agent_type: agent.agent_type,
            category: agent.category,
            container_id: agent.container_id,
            container_state: agent.state,
            port: agent.port,
            grants: agent.grants,
        }
    }

    pub async fn agents(&self) -> Result<Vec<AgentView>, PoolError> {
        Ok(self
            .pool
            .agents()
            .await?
            .into_iter()
            .map(|agent| self.agent_view(agent))
            .collect())
    }

    pub async fn agent(&self, agent_id: &str) -> Result<Option<AgentView>, PoolError> {
        Ok(self
            .pool
            .agent(agent_id)
            .await?
            .map(|agent| self.agent_view(agent)))
    }

    /// Spawns (or returns the existing) agent.
    /// Privileges it was granted are recorded in its history, so the
    /// operator finds who holds which in SQL as well as on the container.
    pub async fn spawn(&self, config: &AgentConfig) -> Result<AgentView, PoolError> {
        let agent = self.pool.spawn(config).await?;
        if !config.grants.is_empty() {
            let mut action = AgentAction::new(&agent.agent_id, "privileges_granted", true);
            let names: Vec<&str> = agent.grants.iter().map(|g| g.as_str()).collect();
            action.input_summary = Some(names.join(","));
            self.bus.record(Event::Action { action }).await;
        }
        Ok(self.agent_view(agent))
    }
}
