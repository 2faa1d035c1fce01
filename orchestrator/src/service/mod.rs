//! The orchestrator service: one object that runs a fleet end to end — the
//! pool on a Docker engine, its broker, the task ledger, history, snapshots
//! and agents' memory. `myca serve` runs it behind the HTTP API; the
//! desktop app embeds the same object.

mod agents;
mod config;
mod stage;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use crate::broker::{serve_knowledge, Broker, BrokerError, HeartbeatTracker};
use crate::broker_image::ensure_broker_image;
use crate::events::{EventBus, TaskCounts};
use crate::gaps::GapFactory;
use crate::health::{start_health_monitor, MonitorSettings};
use crate::history::{start_retention, HistoryWriter, DEFAULT_RETENTION_INTERVAL};
use crate::hosts::{connect, Host, HostError, HostProfile};
use crate::ledger::{start_ledger, TaskLedger};
use crate::messaging::MessageRouter;
use crate::pool::{
    ensure_managed_broker, start_sampler, watch_events, AgentNetwork, AgentPool, PoolError,
    PoolSettings,
};
use crate::scratch_image::ImageError;
use crate::scrub::Scrubber;
use crate::secrets::{forget_removed_agents, serve_credentials};
use crate::snapshots::SnapshotManager;
use crate::store::{HistoryRetention, SnapshotRetention, Store, StoreError};

pub use agents::AgentView;
pub use config::{BrokerChoice, ServiceConfig};
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
    pub broker: Broker,
    pub pool: Arc<AgentPool>,
    pub ledger: TaskLedger,
    pub messages: MessageRouter,
    pub gaps: GapFactory,
    pub snapshots: SnapshotManager,
    pub heartbeats: Arc<HeartbeatTracker>,
    pub started_at: DateTime<Utc>,
    /// The URL the orchestrator reaches the broker at (for status reports).
    pub broker_url: String,
    /// The Docker host the fleet runs on, as configured.
    pub host_profile: HostProfile,
    /// Keeps the SSH link (and its forwards) of a remote host open.
    _host: Host,
    history: Option<HistoryWriter>,
    background: Vec<JoinHandle<()>>,
    monitor: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl FleetService {
    pub async fn start(config: ServiceConfig) -> Result<Arc<Self>, ServiceError> {
        Self::start_reporting(config, &|_| {}).await
    }

    /// Starts the service, telling `reached` each stage as it begins (the
    /// window shows them while the fleet comes up).
    pub async fn start_reporting(
        config: ServiceConfig,
        reached: &(dyn Fn(StartStage) + Sync),
    ) -> Result<Arc<Self>, ServiceError> {
        reached(StartStage::Store);
        let store = Store::open_and_migrate(&config.database).await?;
        reached(StartStage::DockerHost);
        let host = connect(&config.host).await?;
        let docker = host.docker.clone();
        reached(StartStage::Broker);
        let (broker_url, agent_redis_url) = match &config.broker {
            BrokerChoice::External(url) => (url.clone(), url.clone()),
            BrokerChoice::Managed { redis_server } => {
                let AgentNetwork::Bridge(network) = &config.agent_network else {
                    return Err(ServiceError::ManagedBrokerOnHostNetwork);
                };
                let image = ensure_broker_image(&docker, redis_server).await?;
                let managed =
                    ensure_managed_broker(&docker, network, &image.tag, &config.instance).await?;
                // On a remote host: through an SSH forward, never a published port.
                let reached = host.reach(&managed.ip, managed.port).await?;
                (format!("redis://{reached}/0"), managed.agent_url)
            }
        };
        let broker = Broker::connect(&broker_url).await?;
        reached(StartStage::AgentImage);
        let image = crate::agent_image::ensure_agent_image(&docker, &config.agent_binary).await?;
        let scrubber = Scrubber::default();
        let pool = AgentPool::open(
            docker.clone(),
            PoolSettings {
                image: image.tag,
                redis_url: agent_redis_url,
                network: config.agent_network.clone(),
                first_port: config.first_agent_port,
                stop_grace: config.stop_grace,
                instance: config.instance.clone(),
            },
        )
        .await?
        .with_scrubber(scrubber.clone())
        .with_docker_socket(host.docker_socket(&config.host).await);
        let pool = Arc::new(pool);

        reached(StartStage::FleetServices);
        let (bus, recorded) = EventBus::recorded(config.history.queue);
        let history =
            HistoryWriter::start(store.clone(), recorded, scrubber.clone(), config.history);
        let heartbeats = Arc::new(broker.heartbeats().await?);
        let ledger = TaskLedger::new(
            store.clone(),
            broker.clone(),
            bus.clone(),
            Arc::clone(&heartbeats),
        );
        // A stable name: a restarted orchestrator finishes what it had read.
        let consumer = "orchestrator".to_owned();
        let messages =
            MessageRouter::new(broker.clone(), store.clone(), bus.clone(), scrubber.clone());
        let background = vec![
            messages.clone().start(consumer.clone()),
            start_ledger(ledger.clone(), broker.clone(), consumer.clone()),
            serve_knowledge(
                broker.client().clone(),
                store.clone(),
                scrubber.clone(),
                consumer.clone(),
            ),
            serve_credentials(broker.client().clone(), Arc::clone(&pool), consumer),
            forget_removed_agents(&bus, scrubber),
            watch_events(docker.clone(), config.instance.clone(), bus.clone()),
            start_sampler(
                docker,
                config.instance.clone(),
                bus.clone(),
                config.stats_interval,
                last_task_counts(Arc::clone(&heartbeats)),
            ),
            start_retention(
                store.clone(),
                HistoryRetention::default(),
                SnapshotRetention::default(),
                DEFAULT_RETENTION_INTERVAL,
            ),
        ];
        let snapshots = SnapshotManager::start(store.clone(), broker.clone(), Arc::clone(&pool));
        let gaps = GapFactory::new(store.clone(), Arc::clone(&pool));
        tracing::info!(
            broker = %crate::redact::redact_url(&broker_url),
            instance = %config.instance,
            "orchestrator service started"
        );
        let service = Arc::new(Self {
            store,
            bus,
            broker,
            pool,
            ledger,
            messages,
            gaps,
            snapshots,
            heartbeats,
            started_at: Utc::now(),
            broker_url,
            host_profile: config.host.clone(),
            _host: host,
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

    /// Stops the background work; history recorded so far is written first.
    pub async fn shutdown(mut self) {
        for task in self.background.drain(..) {
            task.abort();
        }
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

/// An agent's task counters from its last heartbeat.
fn last_task_counts(
    heartbeats: Arc<HeartbeatTracker>,
) -> impl Fn(&str) -> Option<TaskCounts> + Send + 'static {
    move |agent_id| {
        heartbeats.get(agent_id).map(|record| TaskCounts {
            completed: record.heartbeat.tasks_completed,
            failed: record.heartbeat.tasks_failed,
        })
    }
}
