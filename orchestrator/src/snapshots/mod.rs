//! Snapshots of agents: taken on request (and stored automatically when an
//! agent stops gracefully or restarts), restored into a fresh container with
//! pending work re-enqueued and memory put back.

mod collector;
mod restore;

use std::sync::Arc;
use std::time::Duration;

use myca_agents::protocol::AgentCommand;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::broker::{Broker, BrokerError};
use crate::pool::{AgentPool, PoolError};
use crate::store::{Store, StoreError};
use collector::{Collector, Waiters};

pub use restore::Restored;

/// How long an agent has to answer a snapshot request.
pub const SNAPSHOT_WITHIN: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("agent {0:?} is not listening for commands (not running, or on another broker)")]
    NotListening(String),
    #[error("agent {agent_id:?} did not answer the snapshot request within {within:?}")]
    NoAnswer { agent_id: String, within: Duration },
    #[error("no snapshot {0}")]
    Unknown(i64),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid agent id for the restored agent: {0}")]
    InvalidAgentId(#[from] myca_agents::protocol::ProtocolError),
}

/// Snapshots for one pool: its broker carries the requests and the agents' answers.
pub struct SnapshotManager {
    store: Store,
    broker: Broker,
    pool: Arc<AgentPool>,
    waiters: Waiters,
    collector: JoinHandle<()>,
}

impl SnapshotManager {
    /// Starts storing every snapshot the pool's agents publish.
    pub fn start(store: Store, broker: Broker, pool: Arc<AgentPool>) -> Self {
        let waiters = Waiters::default();
        let collector = Collector {
            client: broker.client().clone(),
            store: store.clone(),
            pool: Arc::clone(&pool),
            scrubber: pool.scrubber().clone(),
            waiters: Arc::clone(&waiters),
            consumer: format!("snapshots-{}", std::process::id()),
        };
        Self {
            store,
            broker,
            pool,
            waiters,
            collector: tokio::spawn(collector.run()),
        }
    }

    /// Asks the agent for its snapshot, stores it with `reason` and returns its id.
    pub async fn create(&self, agent_id: &str, reason: &str) -> Result<i64, SnapshotError> {
        let (sender, receiver) = oneshot::channel();
        self.waiters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(agent_id.to_owned())
            .or_default()
            .push((reason.to_owned(), sender));
        let listeners = self
            .broker
            .send_command(agent_id, AgentCommand::Snapshot)
            .await?;
        if listeners == 0 {
            return Err(SnapshotError::NotListening(agent_id.to_owned()));
        }
        match tokio::time::timeout(SNAPSHOT_WITHIN, receiver).await {
            Ok(Ok(id)) => Ok(id),
            _ => Err(SnapshotError::NoAnswer {
                agent_id: agent_id.to_owned(),
                within: SNAPSHOT_WITHIN,
            }),
        }
    }
}

impl Drop for SnapshotManager {
    fn drop(&mut self) {
        self.collector.abort();
    }
}
