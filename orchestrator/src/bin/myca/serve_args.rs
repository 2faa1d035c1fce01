//! `myca serve`'s flags, each with its environment variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use myca_orchestrator::config::{
    default_data_dir, parse_docker_host, DatabaseTarget, DEFAULT_DOCKER_SOCKET,
};
use myca_orchestrator::history::HistorySettings;
use myca_orchestrator::pool::AgentNetwork;
use myca_orchestrator::serve::DEFAULT_BIND;
use myca_orchestrator::service::{BrokerChoice, ServiceConfig};

#[derive(Args)]
pub struct ServeArgs {
    /// Address of the HTTP API.
    #[arg(long, env = "MYCA_LISTEN", default_value = DEFAULT_BIND)]
    pub listen: SocketAddr,
    /// `sqlite:PATH` or `postgres://…`; default a SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// An existing Redis for the fleet; without it a managed broker (`mas-redis`) runs on the agents' network.
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    /// `unix:///path/to/docker.sock`; default the local socket.
    #[arg(long, env = "DOCKER_HOST")]
    docker_host: Option<String>,
    /// The agents' network: a bridge network name, or `host`.
    #[arg(long, env = "MYCA_AGENT_NETWORK", default_value = "mas-network")]
    agent_network: String,
    /// The static myca-agent binary; default `myca-agent` beside `myca`.
    #[arg(long, env = "MYCA_AGENT_BINARY")]
    agent_binary: Option<PathBuf>,
    /// The redis-server binary the managed broker's image is built from; default the one on PATH.
    #[arg(long, env = "MYCA_REDIS_SERVER")]
    redis_server: Option<PathBuf>,
    /// The API key clients send as X-API-Key; default one generated on first run and kept in the OS keyring.
    #[arg(long, env = "MAS_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// First agent HTTP port on the host network.
    #[arg(long, env = "MYCA_FIRST_AGENT_PORT", default_value_t = 18080)]
    first_agent_port: u16,
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn beside_this_binary(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join(name);
    candidate.is_file().then_some(candidate)
}

fn existing(path: PathBuf, what: &str) -> anyhow::Result<PathBuf> {
    if !Path::new(&path).is_file() {
        bail!("{what} not found at {}", path.display());
    }
    Ok(path)
}

impl ServeArgs {
    pub fn service_config(&self) -> anyhow::Result<ServiceConfig> {
        let database = match &self.database_url {
            Some(url) if !url.is_empty() => DatabaseTarget::parse(url)?,
            _ => DatabaseTarget::sqlite_in(&default_data_dir()?),
        };
        let docker_socket = match &self.docker_host {
            Some(host) if !host.is_empty() => parse_docker_host(host)?,
            _ => PathBuf::from(DEFAULT_DOCKER_SOCKET),
        };
        let agent_network = match self.agent_network.as_str() {
            "" => bail!("--agent-network is empty"),
            "host" => AgentNetwork::Host,
            name => AgentNetwork::Bridge(name.to_owned()),
        };
        let agent_binary = match &self.agent_binary {
            Some(path) => existing(path.clone(), "the agent binary (--agent-binary)")?,
            None => beside_this_binary("myca-agent").context(
                "the static myca-agent binary is not beside myca: build it (see README) and pass \
                 --agent-binary or MYCA_AGENT_BINARY",
            )?,
        };
        let broker = match &self.redis_url {
            Some(url) if !url.is_empty() => BrokerChoice::External(url.clone()),
            _ => BrokerChoice::Managed {
                redis_server: match &self.redis_server {
                    Some(path) => existing(path.clone(), "redis-server (--redis-server)")?,
                    None => on_path("redis-server").context(
                        "a managed broker is built from redis-server, which is not on PATH: \
                         install the Debian package redis-server or give --redis-url",
                    )?,
                },
            },
        };
        Ok(ServiceConfig {
            database,
            broker,
            docker_socket,
            agent_network,
            agent_binary,
            first_agent_port: self.first_agent_port,
            stop_grace: Duration::from_secs(10),
            stats_interval: Duration::from_secs(10),
            health_interval: Duration::from_secs(5),
            history: HistorySettings::default(),
        })
    }
}
