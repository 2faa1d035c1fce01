//! `myca serve`'s flags, each with its environment variable.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use myca_orchestrator::config::{
    default_data_dir, parse_docker_host, DatabaseTarget, DEFAULT_DOCKER_SOCKET,
};
use myca_orchestrator::health::DEFAULT_RESTART_RECOVERY;
use myca_orchestrator::history::HistorySettings;
use myca_orchestrator::hosts::{HostKind, HostProfile};
use myca_orchestrator::locate::{beside_this_binary, on_path};
use myca_orchestrator::pool::{AgentNetwork, FleetInstance, DEFAULT_INSTANCE};
use myca_orchestrator::serve::DEFAULT_BIND;
use myca_orchestrator::service::{BrokerChoice, ServiceConfig};
use myca_orchestrator::ssh::SshAuth;

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
    /// `unix:///path/to/docker.sock`, or `ssh://user@host[:port]` for a remote
    /// engine (with --ssh-key and --host-key-fingerprint); default the local socket.
    #[arg(long, env = "DOCKER_HOST")]
    docker_host: Option<String>,
    /// The private key file for an ssh:// Docker host.
    #[arg(long, env = "MYCA_SSH_KEY")]
    ssh_key: Option<PathBuf>,
    /// The SSH host key's SHA256 fingerprint you confirmed; nothing else is trusted.
    #[arg(long, env = "MYCA_HOST_KEY_FINGERPRINT")]
    host_key_fingerprint: Option<String>,
    /// The Docker socket on an ssh:// host.
    #[arg(long, env = "MYCA_REMOTE_DOCKER_SOCKET", default_value = DEFAULT_DOCKER_SOCKET)]
    remote_docker_socket: String,
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
    /// The fleet instance this service runs: it sees and touches only the
    /// containers labelled with it, so several can share one Docker engine.
    #[arg(long, env = "MYCA_INSTANCE", default_value = DEFAULT_INSTANCE)]
    instance: FleetInstance,
    /// Seconds an agent must stay healthy before the health monitor may
    /// again restart it up to its max_restarts.
    #[arg(long, env = "MYCA_RESTART_RECOVERY_SECONDS", default_value_t = DEFAULT_RESTART_RECOVERY.as_secs())]
    restart_recovery_seconds: u64,
}

fn existing(path: PathBuf, what: &str) -> anyhow::Result<PathBuf> {
    if !Path::new(&path).is_file() {
        bail!("{what} not found at {}", path.display());
    }
    Ok(path)
}

impl ServeArgs {
    fn host_profile(&self) -> anyhow::Result<HostProfile> {
        let Some(url) = self
            .docker_host
            .as_deref()
            .filter(|u| u.starts_with("ssh://"))
        else {
            let socket = match &self.docker_host {
                Some(host) if !host.is_empty() => parse_docker_host(host)?,
                _ => PathBuf::from(DEFAULT_DOCKER_SOCKET),
            };
            return Ok(HostProfile::new("local", HostKind::Local { socket }));
        };
        let parsed = url::Url::parse(url).with_context(|| format!("--docker-host {url}"))?;
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .context("--docker-host ssh:// needs a host")?;
        if parsed.username().is_empty() {
            bail!("--docker-host {url}: give the user, ssh://user@host");
        }
        let key = self
            .ssh_key
            .clone()
            .context("an ssh:// Docker host needs --ssh-key")?;
        let fingerprint = self.host_key_fingerprint.clone().context(
            "an ssh:// Docker host needs --host-key-fingerprint: the SHA256 fingerprint of its host key, \
             as you confirmed it (ssh-keyscan HOST | ssh-keygen -lf -)",
        )?;
        Ok(HostProfile::new(
            host.to_owned(),
            HostKind::Ssh {
                host: host.to_owned(),
                port: parsed.port().unwrap_or(22),
                user: parsed.username().to_owned(),
                auth: SshAuth::KeyFile {
                    path: existing(key, "the SSH key (--ssh-key)")?,
                },
                docker_socket: self.remote_docker_socket.clone(),
                host_key_fingerprint: fingerprint,
            },
        ))
    }

    pub fn service_config(&self) -> anyhow::Result<ServiceConfig> {
        let database = match &self.database_url {
            Some(url) if !url.is_empty() => DatabaseTarget::parse(url)?,
            _ => DatabaseTarget::sqlite_in(&default_data_dir()?),
        };
        let host = self.host_profile()?;
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
            host,
            agent_network,
            agent_binary,
            first_agent_port: self.first_agent_port,
            stop_grace: Duration::from_secs(10),
            stats_interval: Duration::from_secs(10),
            health_interval: Duration::from_secs(5),
            restart_recovery: Duration::from_secs(self.restart_recovery_seconds),
            instance: self.instance.clone(),
            history: HistorySettings::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Harness {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> ServeArgs {
        Harness::try_parse_from(std::iter::once("myca").chain(args.iter().copied()))
            .unwrap()
            .serve
    }

    #[test]
    fn docker_hosts_are_a_socket_or_an_ssh_url_with_a_pinned_key() {
        let local = parse(&["--docker-host", "unix:///run/other.sock"])
            .host_profile()
            .unwrap();
        assert_eq!(
            local.kind,
            HostKind::Local {
                socket: "/run/other.sock".into()
            }
        );
        let key = tempfile::NamedTempFile::new().unwrap();
        let key_path = key.path().to_str().unwrap();
        let remote = parse(&[
            "--docker-host",
            "ssh://ops@vm1.example:2222",
            "--ssh-key",
            key_path,
            "--host-key-fingerprint",
            "SHA256:abc",
        ])
        .host_profile()
        .unwrap();
        let HostKind::Ssh {
            host,
            port,
            user,
            host_key_fingerprint,
            docker_socket,
            ..
        } = remote.kind
        else {
            panic!("not ssh: {remote:?}");
        };
        assert_eq!(
            (host.as_str(), port, user.as_str()),
            ("vm1.example", 2222, "ops")
        );
        assert_eq!(host_key_fingerprint, "SHA256:abc");
        assert_eq!(docker_socket, DEFAULT_DOCKER_SOCKET);
        let unpinned =
            parse(&["--docker-host", "ssh://ops@vm1", "--ssh-key", key_path]).host_profile();
        assert!(unpinned
            .unwrap_err()
            .to_string()
            .contains("--host-key-fingerprint"));
        let no_user = parse(&["--docker-host", "ssh://vm1"]).host_profile();
        assert!(no_user.unwrap_err().to_string().contains("ssh://user@host"));
    }

    #[test]
    fn the_fleet_instance_defaults_to_default_and_must_be_a_valid_name() {
        assert_eq!(parse(&[]).instance, FleetInstance::default());
        assert_eq!(parse(&[]).restart_recovery_seconds, 600);
        assert_eq!(parse(&["--instance", "ci-7"]).instance.as_str(), "ci-7");
        let invalid = Harness::try_parse_from(["myca", "--instance", "Not_Valid"]);
        let error = invalid.err().expect("refused").to_string();
        assert!(error.contains("fleet instance name"), "{error}");
    }
}
