//! The health monitor: heartbeats and container state combined per agent,
//! with its queue lag. An overdue heartbeat makes a running agent `error`;
//! an agent in error is restarted when its policy allows. Every change of
//! status is a typed event on the bus.

mod budget;

use std::collections::{HashMap, HashSet};
use std::sync::Weak;
use std::time::{Duration, Instant};

use chrono::Utc;
use myca_agents::protocol::AgentStatus;
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::events::Event;
use crate::pool::PoolError;
use crate::service::FleetService;
use crate::store::AgentAction;

use budget::RestartBudgets;
pub use budget::DEFAULT_RESTART_RECOVERY;

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
    /// Every agent's health now (an agent whose host is away is `unknown`,
    /// never overdue: nothing can be said of it).
    pub async fn health(&self) -> Result<Vec<AgentHealth>, PoolError> {
        let mut report = Vec::new();
        for placed in self.hosts.all_agents().await {
            let agent = placed.agent.clone();
            let host = match placed.reachable {
                true => self.hosts.host(&placed.host).ok(),
                false => None,
            };
            let interval = match &host {
                Some(host) => host.pool.spawn_config(&agent.agent_id).await.ok().flatten(),
                None => None,
            }
            .map_or(10, |c| c.heartbeat_interval.max(1));
            let age = self
                .heartbeat(&agent.agent_id)
                .map(|record| (Utc::now() - record.received_at).num_seconds());
            let running = placed.reachable && agent.is_running();
            let overdue = running
                && age.is_some_and(|age| {
                    age > OVERDUE_INTERVALS * i64::try_from(interval).unwrap_or(i64::MAX)
                });
            let mut status = self.agent_view(placed).status;
            if overdue {
                status = AgentStatus::Error;
            }
            let queue_lag = match &host {
                Some(host) => host
                    .broker
                    .broker
                    .queue_lag(&agent.agent_id)
                    .await
                    .unwrap_or(0),
                None => 0,
            };
            report.push(AgentHealth {
                queue_lag,
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

/// How the health monitor runs.
#[derive(Debug, Clone, Copy)]
pub struct MonitorSettings {
    /// How often it looks at every agent.
    pub interval: Duration,
    /// How long an agent must stay healthy before its restart budget is
    /// whole again.
    pub restart_recovery: Duration,
}

/// Checks every `interval`, publishing transitions and restarting agents in
/// error whose policy allows it (auto_restart, fewer than max_restarts since
/// the last healthy stretch of `restart_recovery`); on the same beat fills
/// gaps when the requirements ask for auto-creation. Only the service's own
/// fleet instance is looked at. Holds the service weakly: it ends when the
/// service is dropped.
pub fn start_health_monitor(
    service: Weak<FleetService>,
    settings: MonitorSettings,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: HashMap<String, AgentStatus> = HashMap::new();
        let mut budgets = RestartBudgets::new(settings.restart_recovery);
        loop {
            tokio::time::sleep(settings.interval).await;
            let Some(service) = service.upgrade() else {
                return;
            };
            let listed_at = Utc::now();
            let report = match service.health().await {
                Ok(report) => report,
                Err(error) => {
                    tracing::warn!(%error, "health check failed");
                    continue;
                }
            };
            // What belongs to agents gone (or to other instances) goes too.
            let present: HashSet<&str> = report.iter().map(|h| h.agent_id.as_str()).collect();
            last.retain(|agent_id, _| present.contains(agent_id.as_str()));
            budgets.retain(|agent_id| present.contains(agent_id));
            for broker in service.hosts.brokers() {
                broker
                    .heartbeats
                    .retain(listed_at, |agent_id| present.contains(agent_id));
            }
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
                budgets.observe(&health.agent_id, health.is_healthy(), Instant::now());
                if health.heartbeat_overdue {
                    restart_if_allowed(&service, &health.agent_id, &mut budgets).await;
                }
            }
        }
    })
}

impl AgentHealth {
    fn is_healthy(&self) -> bool {
        !self.heartbeat_overdue
            && matches!(
                self.status,
                AgentStatus::Active | AgentStatus::Busy | AgentStatus::Idle
            )
    }
}

/// Restarts the agent if its policy and budget allow, and records the
/// attempt in its history as `health_restart`.
async fn restart_if_allowed(service: &FleetService, agent_id: &str, budgets: &mut RestartBudgets) {
    let Ok(Some(config)) = service.spawn_config(agent_id).await else {
        return;
    };
    if !config.auto_restart {
        return;
    }
    let Some(attempt) = budgets.take(agent_id, config.max_restarts) else {
        return;
    };
    tracing::warn!(agent_id, attempt, "heartbeat overdue; restarting the agent");
    let outcome = service.restart(agent_id).await;
    if let Err(error) = &outcome {
        tracing::warn!(%error, agent_id, "restart failed");
    }
    let mut action = AgentAction::new(agent_id, "health_restart", outcome.is_ok());
    action.input_summary = Some(format!(
        "heartbeat overdue; restart {attempt} of {}",
        config.max_restarts
    ));
    action.output_summary = outcome.err().map(|error| error.to_string());
    service.bus.record(Event::Action { action }).await;
}
