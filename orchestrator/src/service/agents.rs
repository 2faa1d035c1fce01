//! Agents as the API shows them: every host's inventory joined with each
//! agent's last heartbeat, and the actions on one agent, done on its host.

use chrono::{DateTime, Duration, Utc};
use myca_agents::kinds::admit;
use myca_agents::protocol::{AgentConfig, AgentStatus, Privilege};
use serde::Serialize;

use super::FleetService;
use crate::broker::HeartbeatRecord;
use crate::events::Event;
use crate::hostset::{HostSetError, PlacedAgent};
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
    /// The fleet host it runs on.
    pub host: String,
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
    /// The agent's last heartbeat, on whichever broker it beats.
    pub fn heartbeat(&self, agent_id: &str) -> Option<HeartbeatRecord> {
        self.hosts
            .brokers()
            .iter()
            .find_map(|broker| broker.heartbeats.get(agent_id))
    }

    pub(crate) fn agent_view(&self, placed: PlacedAgent) -> AgentView {
        let PlacedAgent {
            host,
            reachable,
            agent,
        } = placed;
        let heartbeat = self.heartbeat(&agent.agent_id);
        let status = match (&heartbeat, agent.state.as_str()) {
            _ if !reachable => AgentStatus::Unknown,
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
            host,
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

    /// Every agent on every host (those of a host that is away as last seen,
    /// `unknown`).
    pub async fn agents(&self) -> Result<Vec<AgentView>, PoolError> {
        let mut agents: Vec<AgentView> = self
            .hosts
            .all_agents()
            .await
            .into_iter()
            .map(|placed| self.agent_view(placed))
            .collect();
        agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        Ok(agents)
    }

    pub async fn agent(&self, agent_id: &str) -> Result<Option<AgentView>, PoolError> {
        Ok(self
            .agents()
            .await?
            .into_iter()
            .find(|agent| agent.agent_id == agent_id))
    }

    /// The host running `agent_id` and its inventory entry.
    async fn located(
        &self,
        agent_id: &str,
    ) -> Result<(std::sync::Arc<crate::hostset::HostRuntime>, PooledAgent), PoolError> {
        self.hosts
            .locate(agent_id)
            .await?
            .ok_or_else(|| PoolError::UnknownAgent(agent_id.to_owned()))
    }

    /// Spawns (or returns the existing) agent on the host its configuration
    /// names, else where placement puts it. An id stays unique across the
    /// fleet: an agent of that id on another host is returned as it is.
    /// Privileges it was granted are recorded in its history, so the
    /// operator finds who holds which in SQL as well as on the container.
    pub async fn spawn(&self, config: &AgentConfig) -> Result<AgentView, HostSetError> {
        config.validate().map_err(PoolError::from)?;
        let (admitted, _) = admit(config).map_err(PoolError::from)?;
        if let Some((host, agent)) = self.hosts.locate(&config.agent_id).await? {
            if agent.agent_type != admitted.agent_type {
                return Err(PoolError::IdInUse {
                    agent_id: agent.agent_id,
                    agent_type: agent.agent_type,
                }
                .into());
            }
            return Ok(self.agent_view(PlacedAgent {
                host: host.name().to_owned(),
                reachable: true,
                agent,
            }));
        }
        let host = self.hosts.place(config, config.host.as_deref()).await?;
        let agent = host.pool.spawn(config).await?;
        if !config.grants.is_empty() {
            let mut action = AgentAction::new(&agent.agent_id, "privileges_granted", true);
            let names: Vec<&str> = agent.grants.iter().map(|g| g.as_str()).collect();
            action.input_summary = Some(names.join(","));
            self.bus.record(Event::Action { action }).await;
        }
        Ok(self.agent_view(PlacedAgent {
            host: host.name().to_owned(),
            reachable: true,
            agent,
        }))
    }

    /// Whether `config` could run where it would be placed.
    pub async fn check(&self, config: &AgentConfig) -> Result<(), HostSetError> {
        admit(config).map_err(PoolError::from)?;
        let host = self.hosts.place(config, config.host.as_deref()).await?;
        Ok(host.pool.check(config)?)
    }

    /// Stops the agent on its host (`force`: no grace period).
    pub async fn stop(&self, agent_id: &str, force: bool) -> Result<(), PoolError> {
        let (host, _) = self.located(agent_id).await?;
        host.pool.stop(agent_id, force).await
    }

    pub async fn restart(&self, agent_id: &str) -> Result<AgentView, PoolError> {
        let (host, _) = self.located(agent_id).await?;
        let agent = host.pool.restart(agent_id).await?;
        Ok(self.agent_view(PlacedAgent {
            host: host.name().to_owned(),
            reachable: true,
            agent,
        }))
    }

    pub async fn remove(&self, agent_id: &str) -> Result<(), PoolError> {
        let (host, _) = self.located(agent_id).await?;
        host.pool.remove(agent_id).await
    }

    /// The configuration the agent was spawned with.
    pub async fn spawn_config(&self, agent_id: &str) -> Result<Option<AgentConfig>, PoolError> {
        match self.hosts.locate(agent_id).await? {
            Some((host, _)) => host.pool.spawn_config(agent_id).await,
            None => Ok(None),
        }
    }
}
