//! The embedded fleet's settings: the same service as `myca serve`, with
//! the desktop's defaults (SQLite in the app's data directory, the local
//! Docker engine, a managed broker) and the same environment overrides.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{ConfigError, OrchestratorConfig};
use crate::health::DEFAULT_RESTART_RECOVERY;
use crate::history::HistorySettings;
use crate::hosts::{HostKind, HostProfile};
use crate::locate::{beside_this_binary, on_path};
use crate::pool::{AgentNetwork, FleetInstance};
use crate::service::{BrokerChoice, ServiceConfig};

pub const AGENT_BINARY_ENV: &str = "MYCA_AGENT_BINARY";
pub const INSTANCE_ENV: &str = "MYCA_INSTANCE";
/// A bridge network's name, or `host`.
pub const AGENT_NETWORK_ENV: &str = "MYCA_AGENT_NETWORK";
pub const FIRST_AGENT_PORT_ENV: &str = "MYCA_FIRST_AGENT_PORT";
const AGENT_NETWORK: &str = "mas-network";
const FIRST_AGENT_PORT: u16 = 18080;

#[derive(Debug, thiserror::Error)]
pub enum DesktopConfigError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "the static myca-agent binary was not found beside the app: install it there or set \
         {AGENT_BINARY_ENV} to its path"
    )]
    NoAgentBinary,
    #[error("{INSTANCE_ENV}: {0}")]
    Instance(String),
    #[error("{FIRST_AGENT_PORT_ENV} {0:?} is not a port number")]
    FirstPort(String),
}

/// Reads the environment: `MYCA_DATABASE_URL`, `MYCA_REDIS_URL` (an
/// external broker; default a managed one), `DOCKER_HOST`,
/// `MYCA_AGENT_BINARY`, `MYCA_INSTANCE`, `MYCA_AGENT_NETWORK`,
/// `MYCA_FIRST_AGENT_PORT` (as `myca serve` reads them).
pub fn desktop_service_config(data_dir: &Path) -> Result<ServiceConfig, DesktopConfigError> {
    let base = OrchestratorConfig::from_env(Some(data_dir))?;
    let broker = match std::env::var(crate::config::REDIS_URL_ENV) {
        Ok(url) if !url.is_empty() => BrokerChoice::External(url),
        // Without redis-server the start fails at the broker stage with a hint.
        _ => BrokerChoice::Managed {
            redis_server: on_path("redis-server").unwrap_or_else(|| PathBuf::from("redis-server")),
        },
    };
    let agent_binary = match std::env::var_os(AGENT_BINARY_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => beside_this_binary("myca-agent").ok_or(DesktopConfigError::NoAgentBinary)?,
    };
    let instance = match std::env::var(INSTANCE_ENV) {
        Ok(name) if !name.is_empty() => {
            FleetInstance::parse(&name).map_err(|e| DesktopConfigError::Instance(e.to_string()))?
        }
        _ => FleetInstance::default(),
    };
    let agent_network = match std::env::var(AGENT_NETWORK_ENV).as_deref() {
        Ok("host") => AgentNetwork::Host,
        Ok(name) if !name.is_empty() => AgentNetwork::Bridge(name.to_owned()),
        _ => AgentNetwork::Bridge(AGENT_NETWORK.into()),
    };
    let first_agent_port = match std::env::var(FIRST_AGENT_PORT_ENV) {
        Ok(port) if !port.is_empty() => port
            .parse()
            .map_err(|_| DesktopConfigError::FirstPort(port))?,
        _ => FIRST_AGENT_PORT,
    };
    Ok(ServiceConfig {
        database: base.database,
        broker,
        host: HostProfile::new(
            "local",
            HostKind::Local {
                socket: base.docker_socket,
            },
        ),
        agent_network,
        agent_binary,
        first_agent_port,
        stop_grace: Duration::from_secs(10),
        stats_interval: Duration::from_secs(10),
        health_interval: Duration::from_secs(5),
        restart_recovery: DEFAULT_RESTART_RECOVERY,
        instance,
        history: HistorySettings::default(),
    })
}
