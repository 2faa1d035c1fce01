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

use crate::broker::BrokerError;
use crate::hostset::{HostSet, HostSetError};
use crate::pool::PoolError;
use crate::scrub::Scrubber;
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
    Placement(#[from] HostSetError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid agent id for the restored agent: {0}")]
    InvalidAgentId(#[from] myca_agents::protocol::ProtocolError),
}

/// Snapshots of the fleet's agents: requests go over the agent's own
/// broker, every broker's snapshots stream is collected into SQL.
#[derive(Clone)]
pub struct SnapshotManager {
    store: Store,
    hosts: HostSet,
    scrubber: Scrubber,
    waiters: Waiters,
}

impl SnapshotManager {
    pub fn new(store: Store, hosts: HostSet, scrubber: Scrubber) -> Self {
        Self {
            store,
            hosts,
            scrubber,
            waiters: Waiters::default(),
        }
    }

    /// Stores every snapshot the agents on this broker publish, until the
    /// returned task is aborted.
    pub fn collect_from(&self, client: redis::Client) -> JoinHandle<()> {
        let collector = Collector {
            client,
            store: self.store.clone(),
            hosts: self.hosts.clone(),
            scrubber: self.scrubber.clone(),
            waiters: Arc::clone(&self.waiters),
            consumer: format!("snapshots-{}", std::process::id()),
        };
        tokio::spawn(collector.run())
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
        let (host, _) = self
            .hosts
            .locate(agent_id)
            .await?
            .ok_or_else(|| SnapshotError::NotListening(agent_id.to_owned()))?;
        let listeners = host
            .broker
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
