//! What the fleet knows of each host, as the API and the window show it.

use serde::Serialize;

/// Where a host's connection stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HostState {
    /// Being reached for the first time (or again after a change).
    Connecting,
    Up,
    /// Was reachable, or never was; its agents show `unknown` meanwhile.
    Unreachable {
        reason: String,
    },
    /// The operator turned it off: nothing is placed on it or asked of it.
    Disabled,
    /// Its SSH host key is not the pinned one: refused until the operator
    /// confirms the new key (or the machine is put right).
    KeyChanged {
        pinned: String,
        presented: String,
    },
    /// Reached, but not taken into the fleet (its engine is another host's).
    Refused {
        reason: String,
    },
}

impl HostState {
    pub fn is_up(&self) -> bool {
        matches!(self, HostState::Up)
    }
}

/// The engine behind a host, read when it came up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct EngineFacts {
    /// The engine's own ID: two profiles reaching one engine are one host.
    pub id: String,
    pub docker_version: String,
    pub os: String,
    pub cpus: f64,
    #[ts(type = "number")]
    pub memory_bytes: u64,
}

/// One host of the fleet (`GET /hosts`).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HostView {
    pub name: String,
    /// `unix:///var/run/docker.sock` or `ssh://user@host:port`.
    pub address: String,
    pub enabled: bool,
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(flatten)]
    pub state: HostState,
    pub engine: Option<EngineFacts>,
    pub running_agents: usize,
    /// CPUs and memory its running agents are limited to: what placement
    /// weighs against the engine's capacity.
    pub reserved_cpus: f64,
    #[ts(type = "number")]
    pub reserved_memory_mb: u64,
    /// The broker its agents use: its own managed one, or `shared`.
    pub broker: Option<String>,
}
