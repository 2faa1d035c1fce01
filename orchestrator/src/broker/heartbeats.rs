//! The last heartbeat of every agent, kept current from `orchestrator:heartbeats`.

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
