//! Access beyond an agent's own container: a kind declares what it needs
//! (`KindSpec::privileges`), the operator grants it per spawn
//! (`AgentConfig::grants`), and only then does the orchestrator give it.

use serde::{Deserialize, Serialize};

/// Where a granted Docker socket appears inside the agent's container, so a
/// kind's `docker_host` of `unix:///var/run/docker.sock` reaches it.
pub const DOCKER_SOCKET_IN_AGENT: &str = "/var/run/docker.sock";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    /// The Docker engine socket of the agent's host, bind-mounted at
    /// [`DOCKER_SOCKET_IN_AGENT`] with the socket's group added to the
    /// agent's user: whoever holds it controls that engine.
    DockerSocket,
    /// The directories of the agent's host that its spawn names in the
    /// `host_directories` setting, each mounted read-write at the same path
    /// (the agent runs as uid 65534, which must be able to use them; the
    /// kernel and runtime filesystems /proc, /sys, /dev and /run are
    /// refused). Naming them in the spawn is the grant.
    HostDirectories,
}

impl Privilege {
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::DockerSocket => "docker_socket",
            Privilege::HostDirectories => "host_directories",
        }
    }

    /// Whether settings of a kind that declares this privilege need it
    /// granted: a `docker_host` on a unix socket is only reachable through
    /// the granted mount (a `tcp://` engine needs no grant).
    pub fn needed_by(self, settings: &serde_json::Map<String, serde_json::Value>) -> bool {
        match self {
            Privilege::DockerSocket => settings
                .get("docker_host")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|host| host.starts_with("unix://")),
            Privilege::HostDirectories => false,
        }
    }
}

impl std::fmt::Display for Privilege {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
