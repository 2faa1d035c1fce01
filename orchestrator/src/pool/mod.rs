//! A pool of agent containers on one Docker engine: spawn, stop, restart,
//! remove and scale, with the engine itself as the inventory (every
//! container labelled `mas.agent=true` and with the pool's fleet instance
//! belongs to the pool, so dropping and recreating the pool adopts what runs).

mod broker;
mod grant;
mod instance;
mod inventory;
mod logs;
mod privileges;
mod spec;
mod stats;
mod watch;

use std::collections::HashMap;
use std::time::Duration;

use bollard::errors::Error as DockerError;
use bollard::models::NetworkCreateRequest;
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptionsBuilder, RemoveContainerOptionsBuilder,
    RestartContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use myca_agents::kinds::{admit, Refusal};
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentConfig, Privilege, ProtocolError};
use tokio::sync::Mutex;

use crate::scrub::{is_secret_variable, Scrubber};
use crate::secrets::{CredentialError, Credentials};

pub use broker::{broker_container, ensure_managed_broker, ManagedBroker, BROKER_CONTAINER};
pub use grant::CredentialGrant;
pub use instance::{FleetInstance, InvalidInstance, DEFAULT_INSTANCE, LABEL_INSTANCE};
pub use inventory::PooledAgent;
pub use logs::{logs, LogLine, LogQuery, LogStream};
pub use privileges::{granted, HostSocket, LABEL_GRANTS};
pub use spec::{container_body, AgentNetwork, AGENT_USER, LABEL_AGENT_CONFIG, LABEL_AGENT_PORT};
pub use stats::start_sampler;
pub use watch::watch_events;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("invalid agent configuration: {0}")]
    InvalidConfig(#[from] ProtocolError),
    /// An unknown kind or settings its kind refuses.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error("no agent {0:?} in this pool")]
    UnknownAgent(String),
    #[error(
        "agent {agent_id:?} cannot be created here: its container name is taken by fleet \
         instance {instance:?} on this engine; choose another agent id"
    )]
    NameTaken { agent_id: String, instance: String },
    #[error("agent id {agent_id:?} is taken by a running {agent_type}; choose another agent id")]
    IdInUse {
        agent_id: String,
        agent_type: String,
    },
    #[error("Docker engine: {0}")]
    Engine(#[from] DockerError),
    #[error("the managed broker is not reachable: {0}")]
    BrokerUnreachable(String),
    #[error("this engine has no image {image} and no registry to pull it from: {how_to_provide}")]
    ImageMissing {
        image: String,
        how_to_provide: &'static str,
    },
    #[error("grants: this host's Docker socket cannot be granted: {0}")]
    SocketUnavailable(String),
}

/// Agent images come from `agent_image::ensure_agent_image` (built here
/// from the myca-agent binary) and reach other engines by image shipping.
const PROVIDE_AGENT_IMAGE: &str =
    "build it with the orchestrator's agent image builder and ship it to this host, \
     or `docker load` an exported copy";

/// Maps "no such image" on create to an error that says what to do.
fn missing_image(error: DockerError, image: &str, how_to_provide: &'static str) -> PoolError {
    if status_code(&error) == Some(404) {
        PoolError::ImageMissing {
            image: image.to_owned(),
            how_to_provide,
        }
    } else {
        error.into()
    }
}

#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// The agent image, already on the engine (see `agent_image`).
    pub image: String,
    /// The broker as the agents reach it.
    pub redis_url: String,
    pub network: AgentNetwork,
    /// First AGENT_PORT handed out on the host network.
    pub first_port: u16,
    /// How long a graceful stop waits before the engine kills the agent.
    pub stop_grace: Duration,
    /// The fleet this pool's containers belong to; others' are never touched.
    pub instance: FleetInstance,
}

pub struct AgentPool {
    docker: Docker,
    settings: PoolSettings,
    /// Learns every secret handed to an agent, so nothing stored repeats it.
    scrubber: Scrubber,
    /// Where agents' credentials live (the OS keyring).
    credentials: Credentials,
    /// Serialises choosing a name and a port with creating the container.
    placement: Mutex<()>,
    /// The engine's CPUs: no agent may be given more (Docker refuses it).
    host_cpus: f64,
    /// The engine's own socket, for agents granted it; why not, when unknown.
    docker_socket: Result<HostSocket, String>,
}

impl AgentPool {
    /// Opens the pool, creating its bridge network when it has one.
    pub async fn open(docker: Docker, settings: PoolSettings) -> Result<Self, PoolError> {
        if let AgentNetwork::Bridge(name) = &settings.network {
            ensure_network(&docker, name).await?;
        }
        let info = docker.info().await?;
        Ok(Self {
            docker,
            settings,
            scrubber: Scrubber::default(),
            credentials: Credentials::default(),
            placement: Mutex::new(()),
            host_cpus: info.ncpu.unwrap_or(1).max(1) as f64,
            docker_socket: Err("the pool was opened without its host's socket".to_owned()),
        })
    }

    /// The engine's socket on its host (or why it is not known), which an
    /// agent granted `docker_socket` gets.
    pub fn with_docker_socket(mut self, socket: Result<HostSocket, String>) -> Self {
        self.docker_socket = socket;
        self
    }

    /// Shares `scrubber` (one per orchestrator) instead of the pool's own.
    pub fn with_scrubber(mut self, scrubber: Scrubber) -> Self {
        self.scrubber = scrubber;
        self
    }

    pub fn scrubber(&self) -> &Scrubber {
        &self.scrubber
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// The agent image every container of this pool runs.
    pub fn image(&self) -> &str {
        &self.settings.image
    }

    /// The most CPUs one agent on this engine may be given.
    pub fn host_cpus(&self) -> f64 {
        self.host_cpus
    }

    pub fn instance(&self) -> &FleetInstance {
        &self.settings.instance
    }

    /// Every agent container of this pool's instance, running or not.
    pub async fn agents(&self) -> Result<Vec<PooledAgent>, PoolError> {
        inventory::list(&self.docker, Some(&self.settings.instance)).await
    }

    pub async fn agent(&self, agent_id: &str) -> Result<Option<PooledAgent>, PoolError> {
        Ok(self
            .agents()
            .await?
            .into_iter()
            .find(|a| a.agent_id == agent_id))
    }

    /// A configuration this engine can run: valid, and within its CPUs.
    pub fn check(&self, config: &AgentConfig) -> Result<(), PoolError> {
        config.validate()?;
        if config.cpu_limit > self.host_cpus {
            return Err(ProtocolError::InvalidField {
                field: "cpu_limit",
                reason: format!("this host has {} CPUs", self.host_cpus),
            }
            .into());
        }
        Ok(())
    }

    /// Creates and starts the agent; an agent that exists already is
    /// returned (and started if it was stopped), never duplicated. A kind
    /// the runtime does not run, settings the kind refuses, a managed
    /// variable in `environment` or a credential the keyring lacks is
    /// refused before any container exists. An alias spawns its kind, with
    /// the kind's setting defaults filled in.
    pub async fn spawn(&self, config: &AgentConfig) -> Result<PooledAgent, PoolError> {
        self.check(config)?;
        let (admitted, _) = admit(config)?;
        let config = &admitted;
        let socket = self.docker_socket.as_ref().ok();
        if let (true, Err(reason)) = (
            config.grants.contains(&Privilege::DockerSocket),
            &self.docker_socket,
        ) {
            return Err(PoolError::SocketUnavailable(reason.clone()));
        }
        self.scrubber.learn_from_config(config);
        let name = container_name(&config.agent_id);
        {
            let _placing = self.placement.lock().await;
            // One listing of the whole engine answers both whether the
            // agent exists and which ports the host has given out: every
            // listing here delays every other spawn.
            let engine = inventory::list(&self.docker, None).await?;
            if engine.iter().any(|a| a.agent_id == config.agent_id) {
                // Its name is taken: ours to adopt, or another fleet's.
                self.refuse_foreign(&name, &config.agent_id).await?;
            } else {
                let (config, bootstrap_token) = self.credentials.prepare(config).await?;
                let port = self.next_port(&engine);
                let mut body = container_body(
                    &config,
                    &self.settings.image,
                    &self.settings.redis_url,
                    &self.settings.network,
                    port,
                    bootstrap_token.as_deref(),
                );
                self.settings.instance.claim(&mut body);
                privileges::grant(&mut body, &config.grants, socket);
                let options = CreateContainerOptions {
                    name: Some(name.clone()),
                    ..Default::default()
                };
                match self.docker.create_container(Some(options), body).await {
                    Ok(_) => {
                        tracing::info!(agent_id = %config.agent_id, port, "agent container created")
                    }
                    // Created meanwhile by another orchestrator: adopt it
                    // if it is of this fleet.
                    Err(error) if status_code(&error) == Some(409) => {
                        self.refuse_foreign(&name, &config.agent_id).await?
                    }
                    Err(error) => {
                        return Err(missing_image(
                            error,
                            &self.settings.image,
                            PROVIDE_AGENT_IMAGE,
                        ))
                    }
                }
            }
        }
        self.start(&name).await?;
        self.agent(&config.agent_id)
            .await?
            .ok_or_else(|| PoolError::UnknownAgent(config.agent_id.clone()))
    }

    /// Fails when the container `name` belongs to another fleet instance.
    async fn refuse_foreign(&self, name: &str, agent_id: &str) -> Result<(), PoolError> {
        let labels = self
            .docker
            .inspect_container(name, None)
            .await?
            .config
            .and_then(|config| config.labels)
            .unwrap_or_default();
        if self.settings.instance.owns(&labels) {
            return Ok(());
        }
        Err(PoolError::NameTaken {
            agent_id: agent_id.to_owned(),
            instance: instance::owner(&labels).to_owned(),
        })
    }

    async fn start(&self, name: &str) -> Result<(), PoolError> {
        match self.docker.start_container(name, None).await {
            Ok(()) => Ok(()),
            // 304: already running.
            Err(error) if status_code(&error) == Some(304) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Stops the agent: gracefully (SIGTERM, then the grace period) or at once.
    pub async fn stop(&self, agent_id: &str, force: bool) -> Result<(), PoolError> {
        let name = self.existing(agent_id).await?;
        if force {
            let options = KillContainerOptionsBuilder::new().signal("SIGKILL").build();
            match self.docker.kill_container(&name, Some(options)).await {
                Err(error) if status_code(&error) == Some(409) => Ok(()),
                other => Ok(other?),
            }
        } else {
            let options = StopContainerOptions {
                t: Some(grace_seconds(self.settings.stop_grace)),
                ..Default::default()
            };
            match self.docker.stop_container(&name, Some(options)).await {
                Err(error) if status_code(&error) == Some(304) => Ok(()),
                other => Ok(other?),
            }
        }
    }

    /// Restarts the same container: no second container, no name conflict.
    pub async fn restart(&self, agent_id: &str) -> Result<PooledAgent, PoolError> {
        let name = self.existing(agent_id).await?;
        let options = RestartContainerOptions {
            t: Some(grace_seconds(self.settings.stop_grace)),
            ..Default::default()
        };
        self.docker.restart_container(&name, Some(options)).await?;
        self.agent(agent_id)
            .await?
            .ok_or_else(|| PoolError::UnknownAgent(agent_id.to_owned()))
    }

    /// Removes the agent's container (stopping it first if it runs).
    pub async fn remove(&self, agent_id: &str) -> Result<(), PoolError> {
        let name = self.existing(agent_id).await?;
        let options = RemoveContainerOptionsBuilder::new().force(true).build();
        self.docker.remove_container(&name, Some(options)).await?;
        self.scrubber.forget_agent(agent_id);
        Ok(())
    }

    /// Makes `replicas` agents of `template.agent_type` run, named
    /// `{type}-{n}`; extra replicas are stopped and removed, highest first.
    /// They share the type's task stream, so work spreads over them.
    pub async fn scale(
        &self,
        template: &AgentConfig,
        replicas: usize,
    ) -> Result<Vec<PooledAgent>, PoolError> {
        let prefix = format!("{}-", template.agent_type);
        let replica_number = |agent: &PooledAgent| {
            (agent.agent_type == template.agent_type)
                .then(|| agent.agent_id.strip_prefix(&prefix)?.parse::<usize>().ok())
                .flatten()
        };
        let existing: Vec<usize> = self
            .agents()
            .await?
            .iter()
            .filter_map(replica_number)
            .collect();
        for n in existing.iter().filter(|n| **n > replicas) {
            self.remove(&format!("{prefix}{n}")).await?;
        }
        let spawns = (1..=replicas).map(|n| {
            let mut config = template.clone();
            config.agent_id = format!("{prefix}{n}");
            async move { self.spawn(&config).await }
        });
        let mut agents = Vec::with_capacity(replicas);
        for spawned in futures_util::future::join_all(spawns).await {
            agents.push(spawned?);
        }
        Ok(agents)
    }

    /// The configuration the agent was spawned with, secret-named values
    /// masked (from its container's label). The secrets in its environment
    /// are learned on the way, so an adopted agent's are masked too.
    pub async fn spawn_config(&self, agent_id: &str) -> Result<Option<AgentConfig>, PoolError> {
        let name = self.existing(agent_id).await?;
        let container = self.docker.inspect_container(&name, None).await?.config;
        let container = container.unwrap_or_default();
        for variable in container.env.iter().flatten() {
            if let Some((key, value)) = variable.split_once('=') {
                if is_secret_variable(key) {
                    self.scrubber.learn_for(agent_id, value);
                }
            }
        }
        Ok(container
            .labels
            .and_then(|labels| labels.get(LABEL_AGENT_CONFIG).cloned())
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    async fn existing(&self, agent_id: &str) -> Result<String, PoolError> {
        match self.agent(agent_id).await? {
            Some(agent) => Ok(container_name(&agent.agent_id)),
            None => Err(PoolError::UnknownAgent(agent_id.to_owned())),
        }
    }

    /// On the host network, the lowest port at or above `first_port` that
    /// none of `engine` (every agent container of this engine, whatever its
    /// fleet instance) claims; elsewhere the default 8080.
    fn next_port(&self, engine: &[PooledAgent]) -> u16 {
        if self.settings.network != AgentNetwork::Host {
            return myca_agents::protocol::names::DEFAULT_AGENT_PORT;
        }
        let taken: Vec<u16> = engine.iter().filter_map(|a| a.port).collect();
        (self.settings.first_port..=u16::MAX)
            .find(|port| !taken.contains(port))
            .unwrap_or(self.settings.first_port)
    }
}

async fn ensure_network(docker: &Docker, name: &str) -> Result<(), PoolError> {
    if docker.inspect_network(name, None).await.is_ok() {
        return Ok(());
    }
    let request = NetworkCreateRequest {
        name: name.to_owned(),
        driver: Some("bridge".to_owned()),
        labels: Some(HashMap::from([(
            "mas.network".to_owned(),
            "true".to_owned(),
        )])),
        ..Default::default()
    };
    match docker.create_network(request).await {
        Err(error) if status_code(&error) == Some(409) => Ok(()),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

fn status_code(error: &DockerError) -> Option<u16> {
    match error {
        DockerError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

fn grace_seconds(grace: Duration) -> i32 {
    i32::try_from(grace.as_secs()).unwrap_or(i32::MAX)
}
