//! The health monitor: heartbeats and container state combined per agent,
//! with its queue lag. An overdue heartbeat makes a running agent `error`;
//! an agent in error is restarted when its policy allows. Every change of
//! status is a typed event on the bus.

use std::collections::HashMap;
use std::sync::Weak;
use std::time::Duration;

use chrono::Utc;
use myca_agents::protocol::AgentStatus;
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::events::Event;
use crate::pool::PoolError;
use crate::service::FleetService;

/// Heartbeats this many intervals late make an agent overdue.
pub const OVERDUE_INTERVALS: i64 = 3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentHealth {
    pub agent_id: String,
    pub status: AgentStatus,
    pub container_state: String,
    pub heartbeat_age_seconds: Option<i64>,
    pub heartbeat_overdue: bool,
    /// Tasks queued for this agent and not yet completed.
    pub queue_lag: u64,
}

impl FleetService {
    /// Every agent's health now.
    pub async fn health(&self) -> Result<Vec<AgentHealth>, PoolError> {
        let mut report = Vec::new();
        for agent in self.pool.agents().await? {
            let interval = self
                .pool
                .spawn_config(&agent.agent_id)
                .await
                .ok()
                .flatten()
                .map_or(10, |c| c.heartbeat_interval.max(1));
            let age = self
                .heartbeats
                .get(&agent.agent_id)
                .map(|record| (Utc::now() - record.received_at).num_seconds());
            let running = agent.is_running();
            let overdue = running
                && age.is_some_and(|age| {
                    age > OVERDUE_INTERVALS * i64::try_from(interval).unwrap_or(i64::MAX)
                });
            let mut status = self.agent_view(agent.clone()).status;
            if overdue {
                status = AgentStatus::Error;
            }
            report.push(AgentHealth {
                queue_lag: self.broker.queue_lag(&agent.agent_id).await.unwrap_or(0),
                agent_id: agent.agent_id,
                status,
                container_state: agent.state,
                heartbeat_age_seconds: age,
                heartbeat_overdue: overdue,
            });
        }
        Ok(report)
    }
}

/// Checks every `interval`, publishing transitions and restarting agents in
/// error whose policy allows it (auto_restart, fewer than max_restarts); on
/// the same beat fills gaps when the requirements ask for auto-creation.
/// Holds the service weakly: it ends when the service is dropped.
pub fn start_health_monitor(service: Weak<FleetService>, interval: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: HashMap<String, AgentStatus> = HashMap::new();
        let mut restarts: HashMap<String, u32> = HashMap::new();
        loop {
            tokio::time::sleep(interval).await;
            let Some(service) = service.upgrade() else {
                return;
            };
            let report = match service.health().await {
                Ok(report) => report,
                Err(error) => {
                    tracing::warn!(%error, "health check failed");
                    continue;
                }
            };
            if let Err(error) = service.gaps.auto_fill().await {
                tracing::warn!(%error, "gaps not filled");
            }
            for health in report {
                let previous = last.insert(health.agent_id.clone(), health.status);
                if previous != Some(health.status) {
                    service
                        .bus
                        .record(Event::Health {
                            agent_id: health.agent_id.clone(),
                            from: previous,
                            to: health.status,
                            heartbeat_overdue: health.heartbeat_overdue,
                            queue_lag: health.queue_lag,
                            at: Utc::now(),
                        })
                        .await;
                }
                if health.heartbeat_overdue {
                    restart_if_allowed(&service, &health.agent_id, &mut restarts).await;
                }
            }
        }
    })
}

async fn restart_if_allowed(
    service: &FleetService,
    agent_id: &str,
    restarts: &mut HashMap<String, u32>,
) {
    let Ok(Some(config)) = service.pool.spawn_config(agent_id).await else {
        return;
    };
    let done = restarts.entry(agent_id.to_owned()).or_default();
    if !config.auto_restart || *done >= config.max_restarts {
        return;
    }
    *done += 1;
    tracing::warn!(
        agent_id,
        attempt = *done,
        "heartbeat overdue; restarting the agent"
    );
    if let Err(error) = service.pool.restart(agent_id).await {
        tracing::warn!(%error, agent_id, "restart failed");
    }
}
