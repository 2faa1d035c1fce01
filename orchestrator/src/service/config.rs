//! How the service is set up: `myca serve`'s flags, or the desktop app's defaults.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::DatabaseTarget;
use crate::history::HistorySettings;
use crate::hosts::HostProfile;
use crate::hostset::{BrokerChoice, HostSettings};
use crate::pool::{AgentNetwork, FleetInstance};

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub database: DatabaseTarget,
    pub broker: BrokerChoice,
    /// The fleet's first Docker engine: the local socket or a host over SSH
    /// (the hosts saved in SQL join it).
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

impl ServiceConfig {
    /// How every host of this service's fleet is set up.
    pub fn host_settings(&self) -> HostSettings {
        HostSettings {
            broker: self.broker.clone(),
            agent_network: self.agent_network.clone(),
            agent_binary: self.agent_binary.clone(),
            first_agent_port: self.first_agent_port,
            stop_grace: self.stop_grace,
            stats_interval: self.stats_interval,
            instance: self.instance.clone(),
        }
    }
}
