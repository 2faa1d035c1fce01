//! The live fleet: agents that can take work now. Routing and waiting
//! reasons read it, never a fixed table.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, Utc};
use myca_agents::protocol::AgentStatus;

use crate::broker::BrokerError;
use crate::health::OVERDUE_INTERVALS;
use crate::hostset::{BrokerRuntime, HostSet};

/// A heartbeat older than this (overdue at the default 10 s interval) no
/// longer makes an agent live.
const LIVE_WITHIN_SECONDS: i64 = 10 * OVERDUE_INTERVALS;

/// A live agent: its type and the broker it reads its streams on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LiveAgent {
    agent_type: String,
    broker: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveFleet {
    agents: BTreeMap<String, LiveAgent>,
}

impl LiveFleet {
    /// Every live agent on the brokers of the hosts that are up. A broker
    /// that cannot be asked counts as having none (its host is away).
    pub async fn observe(hosts: &HostSet) -> Self {
        let brokers = hosts.brokers();
        let looks = brokers.iter().map(|broker| Self::observe_one(broker));
        let mut agents = BTreeMap::new();
        for (broker, look) in brokers
            .iter()
            .zip(futures_util::future::join_all(looks).await)
        {
            match look {
                Ok(live) => agents.extend(live),
                Err(error) => {
                    tracing::warn!(broker = %broker.key, %error, "cannot look at this broker's agents")
                }
            }
        }
        Self { agents }
    }

    /// Agents whose last heartbeat is recent and not a goodbye, and that
    /// read their streams on this broker (heartbeats of agents on other
    /// databases or servers reach every subscriber; their work cannot).
    async fn observe_one(
        runtime: &BrokerRuntime,
    ) -> Result<BTreeMap<String, LiveAgent>, BrokerError> {
        let now = Utc::now();
        let beating: BTreeMap<String, String> = runtime
            .heartbeats
            .all()
            .into_values()
            .filter(|record| now - record.received_at <= Duration::seconds(LIVE_WITHIN_SECONDS))
            .filter(|record| {
                !matches!(
                    record.heartbeat.status,
                    AgentStatus::Shutdown | AgentStatus::Dead | AgentStatus::Archived
                )
            })
            .map(|record| (record.heartbeat.agent_id, record.heartbeat.agent_type))
            .collect();
        let ids: Vec<String> = beating.keys().cloned().collect();
        let listening: HashSet<String> =
            runtime.broker.listening(&ids).await?.into_iter().collect();
        Ok(beating
            .into_iter()
            .filter(|(id, _)| listening.contains(id))
            .map(|(id, agent_type)| {
                let broker = runtime.key.clone();
                (id, LiveAgent { agent_type, broker })
            })
            .collect())
    }

    pub fn has_agent(&self, agent_id: &str) -> bool {
        self.agents.contains_key(agent_id)
    }

    /// The broker a live agent reads its streams on.
    pub fn broker_of(&self, agent_id: &str) -> Option<&str> {
        self.agents.get(agent_id).map(|a| a.broker.as_str())
    }

    /// Live agents of `agent_type`.
    pub fn replicas(&self, agent_type: &str) -> usize {
        self.agents
            .values()
            .filter(|a| a.agent_type == agent_type)
            .count()
    }

    /// Live agents of `agent_type` per broker.
    pub fn replicas_by_broker(&self, agent_type: &str) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for agent in self.agents.values().filter(|a| a.agent_type == agent_type) {
            *counts.entry(agent.broker.as_str()).or_default() += 1;
        }
        counts
    }

    /// Whether `broker` has a live agent `agent_id` / of `agent_type`.
    pub fn serves(&self, broker: &str, placement: &super::Placement) -> bool {
        match placement {
            super::Placement::Agent(id) => self.broker_of(id) == Some(broker),
            super::Placement::Type(kind) => {
                self.replicas_by_broker(kind)
                    .get(broker)
                    .copied()
                    .unwrap_or(0)
                    > 0
            }
        }
    }
}

#[cfg(test)]
impl LiveFleet {
    /// Agents as (id, type, broker).
    pub(super) fn of(agents: &[(&str, &str, &str)]) -> Self {
        Self {
            agents: agents
                .iter()
                .map(|(id, kind, broker)| {
                    let live = LiveAgent {
                        agent_type: (*kind).to_owned(),
                        broker: (*broker).to_owned(),
                    };
                    ((*id).to_owned(), live)
                })
                .collect(),
        }
    }
}
