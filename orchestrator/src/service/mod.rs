//! The orchestrator service: one object that runs a fleet end to end — the
//! pool on a Docker engine, its broker, the task ledger, history, snapshots
//! and agents' memory. `myca serve` runs it behind the HTTP API; the
//! desktop app embeds the same object.

mod agents;
mod config;
mod hosts;
mod scale;
mod stage;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use crate::broker::BrokerError;
use crate::events::EventBus;
use crate::gaps::GapFactory;
use crate::health::{start_health_monitor, MonitorSettings};
use crate::history::{start_retention, HistoryWriter, DEFAULT_RETENTION_INTERVAL};
use crate::hosts::HostError;
use crate::hostset::{BrokerRuntime, FleetParts, HostSet, SHARED_BROKER};
use crate::ledger::{start_housekeeping, TaskLedger};
use crate::messaging::MessageRouter;
use crate::pool::{AgentPool, PoolError};
use crate::scratch_image::ImageError;
use crate::secrets::forget_removed_agents;
use crate::snapshots::SnapshotManager;
use crate::store::{Store, StoreError};

pub use crate::hostset::BrokerChoice;
pub use agents::AgentView;
pub use config::ServiceConfig;
pub use hosts::{
    generated_key_secret, presented_host_key, AgentsOnRemoval, HostsError, JoinedHost,
};
pub use stage::StartStage;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("SQL store")]
    Store(#[from] StoreError),
    #[error("Docker host")]
    Host(#[from] HostError),
    #[error("agent image")]
    Image(#[from] ImageError),
    #[error("broker")]
    Broker(#[from] BrokerError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error("a managed broker needs a bridge network for the agents; with --agent-network host give --redis-url")]
    ManagedBrokerOnHostNetwork,
}

pub struct FleetService {
    pub store: Store,
    pub bus: EventBus,
    /// Every host of the fleet, each with its pool and broker.
    pub hosts: HostSet,
    pub ledger: TaskLedger,
    pub messages: MessageRouter,
    pub gaps: GapFactory,
    pub snapshots: SnapshotManager,
    pub started_at: DateTime<Utc>,
    /// The host the service was started on (`--docker-host`).
    pub first_host: String,
    parts: FleetParts,
    history: Option<HistoryWriter>,
    background: Vec<JoinHandle<()>>,
    monitor: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl FleetService {
    pub async fn start(config: ServiceConfig) -> Result<Arc<Self>, ServiceError> {
        Self::start_reporting(config, &|_| {}).await
    }

    /// Starts the service on its first host, telling `reached` each stage
    /// as it begins (the window shows them while the fleet comes up); the
    /// hosts saved in SQL join in the background as they answer.
    pub async fn start_reporting(
        config: ServiceConfig,
        reached: &(dyn Fn(StartStage) + Sync),
    ) -> Result<Arc<Self>, ServiceError> {
        reached(StartStage::Store);
        let store = Store::open_and_migrate(&config.database).await?;
        let (bus, recorded) = EventBus::recorded(config.history.queue);
        let parts = FleetParts::new(store.clone(), bus.clone(), config.host_settings());
        let history = HistoryWriter::start(
            store.clone(),
            recorded,
            parts.scrubber.clone(),
            config.history,
        );
        let FleetParts {
            hosts,
            ledger,
            messages,
            snapshots,
            scrubber,
            ..
        } = parts.clone();
        if let BrokerChoice::External(url) = &config.broker {
            reached(StartStage::Broker);
            let shared = BrokerRuntime::start(SHARED_BROKER, url, &parts).await?;
            hosts.use_shared_broker(Arc::new(shared));
        }
        hosts
            .add_connected(config.host.clone(), &parts, reached)
            .await?;
        reached(StartStage::FleetServices);
        for profile in store.hosts().await? {
            if profile.name == config.host.name {
                tracing::warn!(host = %profile.name, "a saved host has the first host's name; the first host stands");
                continue;
            }
            hosts.add(profile, &parts);
        }
        let background = vec![
            start_housekeeping(ledger.clone()),
            forget_removed_agents(&bus, scrubber),
            start_retention(
                store.clone(),
                config.history.retention,
                config.history.snapshots,
                DEFAULT_RETENTION_INTERVAL,
            ),
        ];
        let gaps = GapFactory::new(store.clone(), hosts.clone());
        tracing::info!(
            first_host = %config.host.name,
            instance = %config.instance,
            "orchestrator service started"
        );
        let service = Arc::new(Self {
            store,
            bus,
            hosts,
            ledger,
            messages,
            gaps,
            snapshots,
            started_at: Utc::now(),
            first_host: config.host.name.clone(),
            parts,
            history: Some(history),
            background,
            monitor: std::sync::Mutex::new(None),
        });
        let monitor = start_health_monitor(
            Arc::downgrade(&service),
            MonitorSettings {
                interval: config.health_interval,
                restart_recovery: config.restart_recovery,
            },
        );
        *service.monitor.lock().unwrap_or_else(|p| p.into_inner()) = Some(monitor);
        Ok(service)
    }

    /// The pool of the host the service was started on, while it is
    /// connected.
    pub fn first_pool(&self) -> Option<Arc<AgentPool>> {
        self.hosts
            .runtime(&self.first_host)
            .map(|host| Arc::clone(&host.pool))
    }

    /// What a host joining the fleet at runtime is started with.
    pub fn parts(&self) -> &FleetParts {
        &self.parts
    }

    /// Stops the background work; history recorded so far is written first.
    pub async fn shutdown(mut self) {
        for task in self.background.drain(..) {
            task.abort();
        }
        self.hosts.clear();
        // The writer ends once every sender of the recorded lane is gone.
        let history = self.history.take();
        drop(self);
        if let Some(history) = history {
            history.finish().await;
        }
    }
}

impl Drop for FleetService {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
        // Hosts' background work holds the fleet's parts: end it explicitly.
        self.hosts.clear();
        if let Some(monitor) = self
            .monitor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            monitor.abort();
        }
    }
}
