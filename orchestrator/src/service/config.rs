//! How the service is set up: `myca serve`'s flags, or the desktop app's defaults.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::DatabaseTarget;
use crate::history::HistorySettings;
use crate::hosts::HostProfile;
use crate::pool::{AgentNetwork, FleetInstance};

/// Where the fleet's Redis comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerChoice {
    /// An existing Redis, reached at this URL by the orchestrator and the agents.
    External(String),
    /// `mas-redis` on the agents' network, built from this machine's redis-server.
    Managed { redis_server: PathBuf },
}

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub database: DatabaseTarget,
    pub broker: BrokerChoice,
    /// The Docker engine the fleet runs on: the local socket or a host over SSH.
    pub host: HostProfile,
    pub agent_network: AgentNetwork,
    /// The static `myca-agent` binary the agent image is built from.
    pub agent_binary: PathBuf,
    /// First AGENT_PORT on the host network.
    pub first_agent_port: u16,
    pub stop_grace: Duration,
    pub stats_interval: Duration,
    /// How often the health monitor looks at every agent.
    pub health_interval: Duration,
    /// How long an agent must stay healthy before the health monitor's
    /// budget of restarts for it is whole again.
    pub restart_recovery: Duration,
    /// The fleet this service runs: it sees and touches only containers
    /// labelled with it, so several services can share one engine.
    pub instance: FleetInstance,
    pub history: HistorySettings,
}
