//! The last heartbeat of every agent, kept current from `orchestrator:heartbeats`.
//! Pub/sub spans Redis databases, so other fleets' heartbeats arrive here
//! too: the service prunes the map to its own fleet on every health check.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use myca_agents::protocol::names::HEARTBEATS_CHANNEL;
use myca_agents::protocol::Heartbeat;
use tokio::sync::watch;

use super::subscription::subscribe;
use super::BrokerError;

#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatRecord {
    /// When the orchestrator received it (agents' clocks may differ).
    pub received_at: DateTime<Utc>,
    pub heartbeat: Heartbeat,
}

/// Stops following heartbeats when dropped.
pub struct HeartbeatTracker {
    latest: Arc<Mutex<HashMap<String, HeartbeatRecord>>>,
    changed: watch::Receiver<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl HeartbeatTracker {
    pub(super) async fn start(client: &redis::Client) -> Result<Self, BrokerError> {
        let mut messages = subscribe(client, &[HEARTBEATS_CHANNEL]).await?;
        let latest = Arc::new(Mutex::new(HashMap::new()));
        let (bump, changed) = watch::channel(0u64);
        let store = latest.clone();
        let task = tokio::spawn(async move {
            while let Some(message) = messages.recv().await {
                let Ok(heartbeat) = serde_json::from_str::<Heartbeat>(&message.payload) else {
                    tracing::warn!(payload = %message.payload, "ignoring a malformed heartbeat");
                    continue;
                };
                let record = HeartbeatRecord {
                    received_at: Utc::now(),
                    heartbeat,
                };
                if let Ok(mut map) = store.lock() {
                    map.insert(record.heartbeat.agent_id.clone(), record);
                }
                bump.send_modify(|n| *n += 1);
            }
        });
        Ok(Self {
            latest,
            changed,
            task,
        })
    }

    pub fn get(&self, agent_id: &str) -> Option<HeartbeatRecord> {
        self.latest.lock().ok()?.get(agent_id).cloned()
    }

    pub fn all(&self) -> HashMap<String, HeartbeatRecord> {
        self.latest
            .lock()
            .map(|map| map.clone())
            .unwrap_or_default()
    }

    /// Forgets the agents `keep` rejects, unless their last heartbeat
    /// arrived after `listed_at`: the fleet was listed then, and an agent
    /// spawned since is not on the list yet.
    pub fn retain(&self, listed_at: DateTime<Utc>, keep: impl Fn(&str) -> bool) {
        if let Ok(mut map) = self.latest.lock() {
            map.retain(|agent_id, record| keep(agent_id) || record.received_at > listed_at);
        }
    }

    /// Waits until a heartbeat of `agent_id` satisfies `condition`.
    pub async fn wait_for(
        &self,
        agent_id: &str,
        timeout: std::time::Duration,
        condition: impl Fn(&Heartbeat) -> bool,
    ) -> Option<HeartbeatRecord> {
        let mut changed = self.changed.clone();
        tokio::time::timeout(timeout, async {
            loop {
                if let Some(record) = self.get(agent_id).filter(|r| condition(&r.heartbeat)) {
                    return Some(record);
                }
                changed.changed().await.ok()?;
            }
        })
        .await
        .ok()
        .flatten()
    }
}

impl Drop for HeartbeatTracker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use myca_agents::protocol::AgentStatus;

    use super::*;

    fn record(agent_id: &str, received_at: DateTime<Utc>) -> (String, HeartbeatRecord) {
        let heartbeat = Heartbeat {
            agent_id: agent_id.to_owned(),
            agent_type: "test-agent".to_owned(),
            status: AgentStatus::Idle,
            timestamp: received_at,
            uptime_seconds: 1,
            current_tasks: 0,
            tasks_completed: 0,
            tasks_failed: 0,
            tasks_timed_out: 0,
            tasks_cancelled: 0,
        };
        let record = HeartbeatRecord {
            received_at,
            heartbeat,
        };
        (agent_id.to_owned(), record)
    }

    #[tokio::test]
    async fn pruning_keeps_the_fleet_and_agents_newer_than_the_listing() {
        let listed_at = Utc::now();
        let before = listed_at - Duration::seconds(5);
        let after = listed_at + Duration::seconds(1);
        let latest = HashMap::from([
            record("listed", before),
            record("removed", before),
            record("other-fleet", before),
            record("spawned-since", after),
        ]);
        let tracker = HeartbeatTracker {
            latest: Arc::new(Mutex::new(latest)),
            changed: watch::channel(0).1,
            task: tokio::spawn(async {}),
        };
        tracker.retain(listed_at, |agent_id| agent_id == "listed");
        let mut left: Vec<String> = tracker.all().into_keys().collect();
        left.sort();
        assert_eq!(left, ["listed", "spawned-since"]);
    }
}
