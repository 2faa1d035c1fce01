//! One connected host: its engine (over its SSH link when remote), the
//! agent image on it, its pool, and the broker its agents use.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::broker_runtime::BrokerRuntime;
use super::state::EngineFacts;
use super::FleetParts;
use crate::broker_image::ensure_broker_image;
use crate::hosts::{connect, Host, HostProfile};
use crate::pool::{
    ensure_managed_broker, start_sampler, watch_events, AgentNetwork, AgentPool, PoolSettings,
    PooledAgent,
};
use crate::service::{ServiceError, StartStage};

/// Where each host's agents find their broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerChoice {
    /// One Redis every host's agents reach at this URL (and so does the
    /// orchestrator).
    External(String),
    /// `mas-redis` on each host's agent network, built from this machine's
    /// redis-server; the orchestrator reaches it through the host's link.
    Managed { redis_server: PathBuf },
}

/// The name of the broker every host shares when one Redis URL is configured.
pub const SHARED_BROKER: &str = "shared";

/// How every host of the fleet is set up.
#[derive(Debug, Clone)]
pub struct HostSettings {
    pub broker: BrokerChoice,
    pub agent_network: AgentNetwork,
    /// The static `myca-agent` binary the agent image is built from.
    pub agent_binary: PathBuf,
    pub first_agent_port: u16,
    pub stop_grace: Duration,
    pub stats_interval: Duration,
    pub instance: crate::pool::FleetInstance,
}

pub struct HostRuntime {
    pub profile: HostProfile,
    pub pool: Arc<AgentPool>,
    pub broker: Arc<BrokerRuntime>,
    pub engine: EngineFacts,
    /// What the engine listed last, shown (as `unknown`) while it cannot be asked.
    last_inventory: Mutex<Vec<PooledAgent>>,
    /// Keeps the SSH link and its forwards open.
    _link: Host,
    background: Vec<JoinHandle<()>>,
}

impl HostRuntime {
    /// Connects to the host and readies everything its agents need. With a
    /// shared broker, `shared` is it; otherwise the host's own managed
    /// broker is started (or adopted) and its consumers begin.
    pub async fn start(
        profile: HostProfile,
        parts: &FleetParts,
        reached: &(dyn Fn(StartStage) + Sync),
    ) -> Result<Self, ServiceError> {
        let settings = &parts.settings;
        reached(StartStage::DockerHost);
        let link = connect(&profile).await?;
        let docker = link.docker.clone();
        let info = docker.info().await.map_err(crate::hosts::HostError::from)?;
        let engine = EngineFacts {
            id: info.id.unwrap_or_default(),
            docker_version: info.server_version.unwrap_or_default(),
            os: info.operating_system.unwrap_or_default(),
            cpus: info.ncpu.unwrap_or(1).max(1) as f64,
            memory_bytes: info.mem_total.unwrap_or(0).max(0) as u64,
        };
        reached(StartStage::Broker);
        let (broker, agent_redis_url) = match (&settings.broker, parts.hosts.shared_broker()) {
            (BrokerChoice::External(url), Some(shared)) => (shared, url.clone()),
            (BrokerChoice::External(url), None) => {
                let shared = Arc::new(BrokerRuntime::start(SHARED_BROKER, url, parts).await?);
                parts.hosts.use_shared_broker(Arc::clone(&shared));
                (shared, url.clone())
            }
            (BrokerChoice::Managed { redis_server }, _) => {
                let AgentNetwork::Bridge(network) = &settings.agent_network else {
                    return Err(ServiceError::ManagedBrokerOnHostNetwork);
                };
                let image = ensure_broker_image(&docker, redis_server).await?;
                let managed =
                    ensure_managed_broker(&docker, network, &image.tag, &settings.instance).await?;
                // On a remote host: through an SSH forward, never a published port.
                let reached = link.reach(&managed.ip, managed.port).await?;
                let url = format!("redis://{reached}/0");
                let broker = BrokerRuntime::start(&profile.name, &url, parts).await?;
                (Arc::new(broker), managed.agent_url)
            }
        };
        reached(StartStage::AgentImage);
        let image = crate::agent_image::ensure_agent_image(&docker, &settings.agent_binary).await?;
        let pool = AgentPool::open(
            docker.clone(),
            PoolSettings {
                image: image.tag,
                redis_url: agent_redis_url,
                network: settings.agent_network.clone(),
                first_port: settings.first_agent_port,
                stop_grace: settings.stop_grace,
                instance: settings.instance.clone(),
            },
        )
        .await?
        .with_scrubber(parts.scrubber.clone())
        .with_docker_socket(link.docker_socket(&profile).await);
        let heartbeats = Arc::clone(&broker.heartbeats);
        let background = vec![
            watch_events(docker.clone(), settings.instance.clone(), parts.bus.clone()),
            start_sampler(
                docker,
                settings.instance.clone(),
                parts.bus.clone(),
                settings.stats_interval,
                move |agent_id| {
                    heartbeats
                        .get(agent_id)
                        .map(|record| crate::events::TaskCounts {
                            completed: record.heartbeat.tasks_completed,
                            failed: record.heartbeat.tasks_failed,
                        })
                },
            ),
        ];
        tracing::info!(host = %profile.name, broker = %broker.key, "host up");
        Ok(Self {
            profile,
            pool: Arc::new(pool),
            broker,
            engine,
            last_inventory: Mutex::new(Vec::new()),
            _link: link,
            background,
        })
    }

    pub fn name(&self) -> &str {
        &self.profile.name
    }

    /// The engine's agents, remembered for when it cannot be asked.
    pub async fn agents(&self) -> Result<Vec<PooledAgent>, crate::pool::PoolError> {
        let agents = self.pool.agents().await?;
        *self
            .last_inventory
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = agents.clone();
        Ok(agents)
    }

    /// What the engine listed the last time it answered.
    pub fn last_inventory(&self) -> Vec<PooledAgent> {
        self.last_inventory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether the engine answers a ping within `within`.
    pub async fn answers(&self, within: Duration) -> Result<(), String> {
        match tokio::time::timeout(within, self.pool.docker().ping()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(format!("Docker engine: {error}")),
            Err(_) => Err(format!(
                "Docker engine did not answer within {} s",
                within.as_secs()
            )),
        }
    }
}

impl Drop for HostRuntime {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
    }
}
