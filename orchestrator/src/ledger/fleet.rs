//! The live fleet: agents that can take work now. Routing and waiting
//! reasons read it, never a fixed table.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, Utc};
use myca_agents::protocol::AgentStatus;

use crate::broker::{Broker, BrokerError, HeartbeatTracker};
use crate::health::OVERDUE_INTERVALS;

/// A heartbeat older than this (overdue at the default 10 s interval) no
/// longer makes an agent live.
const LIVE_WITHIN_SECONDS: i64 = 10 * OVERDUE_INTERVALS;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveFleet {
    /// Agent id → agent type.
    agents: BTreeMap<String, String>,
}

impl LiveFleet {
    /// Agents whose last heartbeat is recent and not a goodbye, and that
    /// read their streams on this broker (heartbeats of agents on other
    /// databases or servers reach every subscriber; their work cannot).
    pub async fn observe(
        heartbeats: &HeartbeatTracker,
        broker: &Broker,
    ) -> Result<Self, BrokerError> {
        let now = Utc::now();
        let beating: BTreeMap<String, String> = heartbeats
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
        let listening: HashSet<String> = broker.listening(&ids).await?.into_iter().collect();
        Ok(Self {
            agents: beating
                .into_iter()
                .filter(|(id, _)| listening.contains(id))
                .collect(),
        })
    }

    pub fn has_agent(&self, agent_id: &str) -> bool {
        self.agents.contains_key(agent_id)
    }

    /// Live agents of `agent_type`.
    pub fn replicas(&self, agent_type: &str) -> usize {
        self.agents.values().filter(|t| *t == agent_type).count()
    }
}

#[cfg(test)]
impl LiveFleet {
    pub(super) fn of(agents: &[(&str, &str)]) -> Self {
        Self {
            agents: agents
                .iter()
                .map(|(id, kind)| ((*id).to_owned(), (*kind).to_owned()))
                .collect(),
        }
    }
}
