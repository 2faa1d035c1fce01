//! A task ledger over one Redis and a store, with the same consumers the
//! service runs on a broker (results, messages, snapshots…), and no Docker
//! host: for tests of the ledger against agent processes.

use std::sync::Arc;
use std::time::Duration;

use myca_orchestrator::events::EventBus;
use myca_orchestrator::hostset::{
    BrokerChoice, BrokerRuntime, FleetParts, HostSettings, SHARED_BROKER,
};
use myca_orchestrator::ledger::{start_housekeeping, TaskLedger};
use myca_orchestrator::pool::AgentNetwork;
use myca_orchestrator::Store;
use tokio::task::JoinHandle;

use crate::agent::agent_binary;
use crate::{free_port, unique_instance};

pub struct LedgerOnRedis {
    pub ledger: TaskLedger,
    parts: FleetParts,
    housekeeping: JoinHandle<()>,
}

impl LedgerOnRedis {
    pub async fn start(store: &Store, redis_url: &str) -> Self {
        // No host joins: these only say what a host would be given.
        let settings = HostSettings {
            broker: BrokerChoice::External(redis_url.to_owned()),
            agent_network: AgentNetwork::Host,
            agent_binary: agent_binary(),
            first_agent_port: free_port(),
            stop_grace: Duration::from_secs(10),
            stats_interval: Duration::from_secs(2),
            instance: unique_instance(),
        };
        let parts = FleetParts::new(store.clone(), EventBus::default(), settings);
        let broker = BrokerRuntime::start(SHARED_BROKER, redis_url, &parts)
            .await
            .expect("the test Redis answers");
        parts.hosts.use_shared_broker(Arc::new(broker));
        Self {
            ledger: parts.ledger.clone(),
            housekeeping: start_housekeeping(parts.ledger.clone()),
            parts,
        }
    }
}

impl Drop for LedgerOnRedis {
    fn drop(&mut self) {
        self.housekeeping.abort();
        self.parts.hosts.clear();
    }
}
