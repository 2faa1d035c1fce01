//! Stores every snapshot agents append to `mas:snapshots` — asked for, or
//! published on a graceful stop or before a restart — completed with what
//! the orchestrator knows and stripped of secrets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use myca_agents::protocol::names::SNAPSHOTS_STREAM;
use myca_agents::protocol::AgentSnapshot;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use crate::broker::consume_forever;
use crate::hostset::HostSet;
use crate::scrub::Scrubber;
use crate::store::Store;

/// The entry field holding the snapshot's JSON.
const SNAPSHOT_FIELD: &str = "snapshot";
/// The reason an agent gives a snapshot taken on command.
const REQUESTED: &str = "requested";
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// Callers waiting for an agent's next stored snapshot, with the reason they gave.
pub(super) type Waiters = Arc<Mutex<HashMap<String, Vec<(String, oneshot::Sender<i64>)>>>>;

pub(super) struct Collector {
    pub client: redis::Client,
    pub store: Store,
    pub hosts: HostSet,
    pub scrubber: Scrubber,
    pub waiters: Waiters,
    pub consumer: String,
}

impl Collector {
    pub async fn run(self) {
        let client = self.client.clone();
        let consumer = self.consumer.clone();
        let collector = &self;
        consume_forever(client, SNAPSHOTS_STREAM, &consumer, |entry| async move {
            match entry
                .get::<String>(SNAPSHOT_FIELD)
                .and_then(|raw| serde_json::from_str::<AgentSnapshot>(&raw).ok())
            {
                Some(snapshot) => collector.keep(snapshot).await,
                None => tracing::warn!(entry_id = %entry.id, "dropping a malformed snapshot"),
            }
        })
        .await;
    }

    async fn keep(&self, snapshot: AgentSnapshot) {
        let agent_id = snapshot.agent_id.clone();
        let waiting = self
            .waiters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&agent_id)
            .unwrap_or_default();
        let mut complete = self.complete(snapshot).await;
        if complete.reason == REQUESTED {
            if let Some((reason, _)) = waiting.first() {
                complete.reason = reason.clone();
            }
        }
        // The entry is acknowledged only once stored, so wait out a store outage.
        let mut wait = RETRY_FIRST;
        let id = loop {
            match self.store.insert_snapshot(&complete).await {
                Ok(id) => break id,
                Err(error) => {
                    tracing::warn!(%error, %agent_id, "snapshot not stored yet; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(RETRY_MAX);
                }
            }
        };
        tracing::info!(%agent_id, id, reason = %complete.reason, "snapshot stored");
        for (_, waiter) in waiting {
            let _ = waiter.send(id);
        }
    }

    /// Adds the spawn configuration and long-term memory the agent itself
    /// does not hold, then masks every secret.
    async fn complete(&self, mut snapshot: AgentSnapshot) -> AgentSnapshot {
        let agent_id = snapshot.agent_id.clone();
        // The container may be gone already (a stop that removed it).
        let spawned = match self.hosts.pool_of(&agent_id).await {
            Ok(pool) => pool.spawn_config(&agent_id).await.ok().flatten(),
            Err(_) => None,
        };
        if let Some(mut spawned) = spawned {
            spawned.capabilities = std::mem::take(&mut snapshot.config.capabilities);
            snapshot.config = spawned;
        }
        let knowledge: Map<String, Value> = match self.store.all_knowledge(&agent_id).await {
            Ok(entries) => entries
                .into_iter()
                .map(|e| {
                    (
                        e.key,
                        json!({ "value": e.value, "expires_at": e.expires_at }),
                    )
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, %agent_id, "snapshot taken without long-term memory");
                Map::new()
            }
        };
        let mut memory = match snapshot.memory_state {
            Value::Object(memory) => memory,
            _ => Map::new(),
        };
        memory.insert("knowledge".to_owned(), Value::Object(knowledge));
        snapshot.memory_state = Value::Object(memory);
        scrub(snapshot, &self.scrubber)
    }
}

/// The snapshot with secrets masked in every part.
fn scrub(mut snapshot: AgentSnapshot, scrubber: &Scrubber) -> AgentSnapshot {
    scrubber.learn_from_config(&snapshot.config);
    snapshot.config = scrubber.config(&snapshot.config);
    snapshot.memory_state = scrubber.value(&snapshot.memory_state);
    snapshot.state.last_error = snapshot.state.last_error.map(|e| scrubber.text(&e));
    for task in &mut snapshot.pending_tasks {
        task.payload = scrubber.value(&task.payload);
        task.result = task.result.as_ref().map(|r| scrubber.value(r));
        task.error = task.error.as_ref().map(|e| scrubber.text(e));
    }
    snapshot
}
