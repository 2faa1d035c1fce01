//! One broker of the fleet and the orchestrator's work on it: results into
//! the ledger, messages relayed, knowledge and credentials served,
//! snapshots collected, heartbeats tracked. A host's managed broker has
//! one; hosts sharing one Redis URL share one.

use std::sync::Arc;

use tokio::task::JoinHandle;

use super::FleetParts;
use crate::broker::{serve_knowledge, Broker, BrokerError, HeartbeatTracker};
use crate::ledger::start_results;
use crate::secrets::serve_credentials;

/// A stable consumer name: a restarted orchestrator finishes what it had read.
const CONSUMER: &str = "orchestrator";

pub struct BrokerRuntime {
    /// Its host's name, or `shared`: what the ledger records per task.
    pub key: String,
    pub broker: Broker,
    /// The URL the orchestrator reaches it at (a loopback SSH forward for a
    /// remote host's broker).
    pub url: String,
    pub heartbeats: Arc<HeartbeatTracker>,
    background: Vec<JoinHandle<()>>,
}

impl BrokerRuntime {
    pub async fn start(key: &str, url: &str, parts: &FleetParts) -> Result<Self, BrokerError> {
        let broker = Broker::connect(url).await?;
        let heartbeats = Arc::new(broker.heartbeats().await?);
        let client = broker.client().clone();
        let background = vec![
            start_results(
                parts.ledger.clone(),
                key.to_owned(),
                broker.clone(),
                CONSUMER.to_owned(),
            ),
            parts
                .messages
                .clone()
                .start(broker.clone(), CONSUMER.to_owned()),
            serve_knowledge(
                client.clone(),
                parts.store.clone(),
                parts.scrubber.clone(),
                CONSUMER.to_owned(),
            ),
            serve_credentials(client.clone(), parts.hosts.clone(), CONSUMER.to_owned()),
            parts.snapshots.collect_from(client),
        ];
        Ok(Self {
            key: key.to_owned(),
            broker,
            url: url.to_owned(),
            heartbeats,
            background,
        })
    }
}

impl Drop for BrokerRuntime {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
    }
}
