//! Docker hosts: the local engine, or a remote one reached over SSH.

mod report;
mod ssh_config;
mod ssh_docker;
mod validate;

use std::path::PathBuf;

use bollard::Docker;
use serde::{Deserialize, Serialize};

pub use report::{test_connection, test_profile, DiskSpace, HostReport};
pub use ssh_config::{parse_ssh_config, read_ssh_config, SshConfigEntry, SshConfigError};
pub use ssh_docker::{connect_over_ssh, SshLink};
pub use validate::{
    placeholder_fingerprint, InvalidProfile, FINGERPRINT_PATTERN, HOST_ADDRESS_PATTERN,
    HOST_NAME_PATTERN, PATH_PATTERN, SECRET_NAME_PATTERN, SSH_USER_PATTERN,
};

use crate::config::DEFAULT_DOCKER_SOCKET;
use crate::docker::DockerError;
use crate::pool::HostSocket;
use crate::ssh::{SshAuth, SshError};

/// How the orchestrator reaches one Docker engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostProfile {
    pub name: String,
    #[serde(flatten)]
    pub kind: HostKind,
    /// A disabled host is kept but neither connected nor given agents.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// What placement constraints match (`zone=eu`, `gpu=yes`).
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostKind {
    Local {
        #[serde(default = "default_socket")]
        socket: PathBuf,
    },
    Ssh {
        host: String,
        #[serde(
            default = "default_ssh_port",
            deserialize_with = "myca_agents::protocol::integral::exact"
        )]
        port: u16,
        user: String,
        auth: SshAuth,
        #[serde(default = "default_remote_socket")]
        docker_socket: String,
        /// SHA-256 fingerprint the operator confirmed; nothing else is trusted.
        host_key_fingerprint: String,
    },
}

impl HostProfile {
    /// An enabled profile without labels.
    pub fn new(name: impl Into<String>, kind: HostKind) -> Self {
        Self {
            name: name.into(),
            kind,
            enabled: true,
            labels: Default::default(),
        }
    }

    /// Where the engine is, as a URL whose scheme says how it is reached:
    /// `unix:///var/run/docker.sock` or `ssh://user@host:port`.
    pub fn address(&self) -> String {
        match &self.kind {
            HostKind::Local { socket } => format!("unix://{}", socket.display()),
            HostKind::Ssh {
                host, port, user, ..
            } if host.contains(':') => format!("ssh://{user}@[{host}]:{port}"),
            HostKind::Ssh {
                host, port, user, ..
            } => format!("ssh://{user}@{host}:{port}"),
        }
    }
}

fn default_socket() -> PathBuf {
    PathBuf::from(DEFAULT_DOCKER_SOCKET)
}

fn default_ssh_port() -> u16 {
    22
}

fn default_remote_socket() -> String {
    DEFAULT_DOCKER_SOCKET.to_owned()
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Docker(#[from] DockerError),
    #[error(transparent)]
    Ssh(#[from] SshError),
    #[error("Docker engine: {0}")]
    Engine(#[from] bollard::errors::Error),
    #[error("cannot open a local forward: {0}")]
    Forward(std::io::Error),
}

/// A connected engine, and the SSH link it rides on when it is remote.
pub struct Host {
    pub docker: Docker,
    link: Option<std::sync::Arc<SshLink>>,
    forwards: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Host {
    /// An address this process can connect to that reaches `ip:port` as
    /// the host sees it: directly for the local engine, through an SSH
    /// forward on loopback for a remote one.
    pub async fn reach(&self, ip: &str, port: u16) -> Result<String, HostError> {
        let Some(link) = &self.link else {
            return Ok(format!("{ip}:{port}"));
        };
        let (local, task) = link
            .forward_tcp(ip, port)
            .await
            .map_err(HostError::Forward)?;
        if let Ok(mut forwards) = self.forwards.lock() {
            forwards.push(task);
        }
        Ok(local.to_string())
    }
}

impl Host {
    /// The engine's socket on its host and the group that may use it, for
    /// agents granted `docker_socket`; why it is not known otherwise.
    pub async fn docker_socket(&self, profile: &HostProfile) -> Result<HostSocket, String> {
        match (&profile.kind, &self.link) {
            (HostKind::Local { socket }, _) => {
                use std::os::unix::fs::MetadataExt;
                let metadata = tokio::fs::metadata(socket)
                    .await
                    .map_err(|error| format!("{}: {error}", socket.display()))?;
                Ok(HostSocket {
                    path: socket.display().to_string(),
                    gid: metadata.gid(),
                })
            }
            (HostKind::Ssh { docker_socket, .. }, Some(link)) => {
                let output = link
                    .exec(&format!("stat -c %g {}", single_quoted(docker_socket)))
                    .await
                    .map_err(|error| error.to_string())?;
                let text = String::from_utf8_lossy(&output.stdout);
                let gid = text.trim().parse().map_err(|_| {
                    format!(
                        "stat of {docker_socket} on the host answered {:?}",
                        String::from_utf8_lossy(&output.stderr).trim()
                    )
                })?;
                Ok(HostSocket {
                    path: docker_socket.clone(),
                    gid,
                })
            }
            (HostKind::Ssh { .. }, None) => Err("no SSH link to the host".to_owned()),
        }
    }
}

impl Host {
    /// `df -Pk path` as run on the engine's machine.
    async fn df(&self, path: &str) -> Result<String, String> {
        let (status, stdout, stderr) = match &self.link {
            None => {
                let output = tokio::process::Command::new("df")
                    .arg("-Pk")
                    .arg(path)
                    .output()
                    .await
                    .map_err(|error| format!("cannot run df: {error}"))?;
                (output.status.success(), output.stdout, output.stderr)
            }
            Some(link) => {
                let output = link
                    .exec(&format!("df -Pk {}", single_quoted(path)))
                    .await
                    .map_err(|error| error.to_string())?;
                (output.exit_status == Some(0), output.stdout, output.stderr)
            }
        };
        match status {
            true => Ok(String::from_utf8_lossy(&stdout).into_owned()),
            false => Err(format!(
                "df {path}: {}",
                String::from_utf8_lossy(&stderr).trim()
            )),
        }
    }
}

/// `text` as one word of a POSIX shell command line.
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("over_ssh", &self.link.is_some())
            .finish()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Ok(forwards) = self.forwards.lock() {
            forwards.iter().for_each(|task| task.abort());
        }
    }
}

/// Connects to the profile's engine and settles the API version.
pub async fn connect(profile: &HostProfile) -> Result<Host, HostError> {
    let connected = |docker, link| Host {
        docker,
        link,
        forwards: std::sync::Mutex::new(Vec::new()),
    };
    match &profile.kind {
        HostKind::Local { socket } => {
            Ok(connected(crate::docker::connect_local(socket).await?, None))
        }
        HostKind::Ssh {
            host,
            port,
            user,
            auth,
            docker_socket,
            host_key_fingerprint,
        } => {
            let target = crate::ssh::SshTarget {
                host: host.clone(),
                port: *port,
                user: user.clone(),
                auth: auth.clone(),
            };
            let (docker, link) =
                connect_over_ssh(target, host_key_fingerprint.clone(), docker_socket.clone())
                    .await?;
            Ok(connected(docker, Some(link)))
        }
    }
}
