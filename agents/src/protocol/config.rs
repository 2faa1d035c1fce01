use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::names::env;
use super::{integral, validate_kind, AgentCategory, CredentialRef, Privilege, ProtocolError};

/// How an agent is configured; the seed's spawn body (`agent_id`,
/// `agent_type`, `category`, `display_name`, `cpu_limit`, `memory_limit`) is
/// a complete one, every other field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentConfig {
    pub agent_id: String,
    pub agent_type: String,
    pub category: AgentCategory,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "defaults::version")]
    pub version: String,
    /// CPUs (fractions allowed).
    #[serde(default = "defaults::cpu_limit")]
    pub cpu_limit: f64,
    /// Megabytes.
    #[serde(
        default = "defaults::memory_limit",
        deserialize_with = "integral::exact"
    )]
    pub memory_limit: u32,
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Agent ids this agent needs running.
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub settings: Map<String, Value>,
    /// Extra, non-secret environment for the container; no managed variable
    /// (`names::env::MANAGED`). A secret-named value given here is moved to
    /// the OS keyring at spawn and delivered like a credential.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    /// Credentials the agent needs, by reference: their values stay in the
    /// OS keyring and reach the agent sealed at start, never in its container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<CredentialRef>,
    /// Privileges the operator grants this agent (its kind must declare
    /// them): `["docker_socket"]` mounts the host's Docker socket.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Privilege>,
    #[serde(
        default = "defaults::max_concurrent_tasks",
        deserialize_with = "integral::exact"
    )]
    pub max_concurrent_tasks: u32,
    /// Seconds.
    #[serde(
        default = "defaults::task_timeout",
        deserialize_with = "integral::exact"
    )]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub task_timeout: u64,
    /// Seconds.
    #[serde(
        default = "defaults::heartbeat_interval",
        deserialize_with = "integral::exact"
    )]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub heartbeat_interval: u64,
    /// Seconds.
    #[serde(
        default = "defaults::health_check_interval",
        deserialize_with = "integral::exact"
    )]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub health_check_interval: u64,
    #[serde(default = "defaults::yes")]
    pub auto_restart: bool,
    #[serde(
        default = "defaults::max_restarts",
        deserialize_with = "integral::exact"
    )]
    pub max_restarts: u32,
    #[serde(default)]
    pub requires_approval: bool,
    /// Image override; the orchestrator's own agent image when absent.
    #[serde(default)]
    pub image: Option<String>,
    /// The fleet host to run on, by name; none lets the orchestrator's
    /// placement choose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Labels a host must carry, with these values, to be chosen.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub host_labels: BTreeMap<String, String>,
}

mod defaults {
    pub fn version() -> String {
        "1.0.0".to_owned()
    }
    pub fn cpu_limit() -> f64 {
        1.0
    }
    pub fn memory_limit() -> u32 {
        512
    }
    pub fn max_concurrent_tasks() -> u32 {
        5
    }
    pub fn task_timeout() -> u64 {
        300
    }
    pub fn heartbeat_interval() -> u64 {
        10
    }
    pub fn health_check_interval() -> u64 {
        30
    }
    pub fn yes() -> bool {
        true
    }
    pub fn max_restarts() -> u32 {
        3
    }
}

/// Smallest memory limit an agent container can run in, in MB.
pub const MIN_MEMORY_MB: u32 = 16;
/// The smallest CPU share Docker accepts.
pub const MIN_CPUS: f64 = 0.01;
pub const MAX_CONCURRENT_TASKS: u64 = 1000;
/// A week: the longest a task (or a config's task timeout) may run.
pub const MAX_TIMEOUT_SECONDS: u64 = 7 * 24 * 3600;
/// An hour: the longest heartbeat or health-check interval.
pub const MAX_INTERVAL_SECONDS: u64 = 3600;
pub const MAX_RESTARTS: u64 = 1000;

impl AgentConfig {
    /// A configuration with every default, for the given identity.
    pub fn new(
        agent_id: impl Into<String>,
        agent_type: impl Into<String>,
        category: AgentCategory,
    ) -> Self {
        Self {
            agent_id: agent_id.into(),
            agent_type: agent_type.into(),
            category,
            display_name: String::new(),
            description: String::new(),
            version: defaults::version(),
            cpu_limit: defaults::cpu_limit(),
            memory_limit: defaults::memory_limit(),
            capabilities: Vec::new(),
            dependencies: Vec::new(),
            settings: Map::new(),
            environment: BTreeMap::new(),
            credentials: Vec::new(),
            grants: Vec::new(),
            max_concurrent_tasks: defaults::max_concurrent_tasks(),
            task_timeout: defaults::task_timeout(),
            heartbeat_interval: defaults::heartbeat_interval(),
            health_check_interval: defaults::health_check_interval(),
            auto_restart: defaults::yes(),
            max_restarts: defaults::max_restarts(),
            requires_approval: false,
            image: None,
            host: None,
            host_labels: BTreeMap::new(),
        }
    }

    pub fn validate(&self) -> Result<(), ProtocolError> {
        validate_agent_id(&self.agent_id)?;
        validate_kind("agent_type", &self.agent_type)?;
        let invalid = |field, reason: &str| {
            Err(ProtocolError::InvalidField {
                field,
                reason: reason.to_owned(),
            })
        };
        if !(self.cpu_limit.is_finite() && self.cpu_limit >= MIN_CPUS) {
            return invalid("cpu_limit", "must be at least 0.01 CPUs");
        }
        if self.memory_limit < MIN_MEMORY_MB {
            return invalid("memory_limit", "must be at least 16 MB");
        }
        for (field, value, range) in self.bounded_fields() {
            if !range.contains(&value) {
                return Err(ProtocolError::InvalidField {
                    field,
                    reason: format!("must be {} to {}", range.start(), range.end()),
                });
            }
        }
        if let Some(managed) = self
            .environment
            .keys()
            .find(|name| env::MANAGED.contains(&name.as_str()))
        {
            return Err(ProtocolError::ManagedVariable(managed.clone()));
        }
        // What the container runtime cannot set (it answers with a 500).
        let unsettable = self.environment.iter().any(|(name, value)| {
            name.is_empty() || name.contains(['=', '\0']) || value.contains('\0')
        });
        if unsettable {
            return invalid(
                "environment",
                "a variable name must be non-empty without '=' or NUL, a value without NUL",
            );
        }
        self.credentials
            .iter()
            .try_for_each(CredentialRef::validate)?;
        // As the document says (unique items); a name and an alias of the
        // same source are one reference, one name from two sources is a conflict.
        let repeated = self
            .credentials
            .iter()
            .enumerate()
            .any(|(i, r)| self.credentials[..i].contains(r));
        if repeated {
            return invalid("credentials", "lists the same reference twice");
        }
        let mut refs: Vec<(&str, &str)> = self
            .credentials
            .iter()
            .map(|r| (r.name(), r.source()))
            .collect();
        refs.sort_unstable();
        refs.dedup();
        if let Some(twice) = refs.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(ProtocolError::ConflictingCredential(twice[0].0.to_owned()));
        }
        // As the document says (unique items).
        let mut grants = self.grants.clone();
        grants.sort_unstable();
        grants.dedup();
        if grants.len() != self.grants.len() {
            return invalid("grants", "each privilege may be granted once");
        }
        Ok(())
    }

    /// The integer settings with the range each must be in: wide enough for
    /// any real fleet, narrow enough that no timer or counter overflows.
    fn bounded_fields(&self) -> [(&'static str, u64, std::ops::RangeInclusive<u64>); 5] {
        [
            (
                "max_concurrent_tasks",
                u64::from(self.max_concurrent_tasks),
                1..=MAX_CONCURRENT_TASKS,
            ),
            ("task_timeout", self.task_timeout, 1..=MAX_TIMEOUT_SECONDS),
            (
                "heartbeat_interval",
                self.heartbeat_interval,
                1..=MAX_INTERVAL_SECONDS,
            ),
            (
                "health_check_interval",
                self.health_check_interval,
                0..=MAX_INTERVAL_SECONDS,
            ),
            (
                "max_restarts",
                u64::from(self.max_restarts),
                0..=MAX_RESTARTS,
            ),
        ]
    }
}

/// Agent ids become container names and Redis keys: 2–63 characters of
/// lowercase letters, digits and hyphens, not starting with a hyphen.
pub fn validate_agent_id(id: &str) -> Result<(), ProtocolError> {
    let valid_chars = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let valid = (2..=63).contains(&id.len()) && valid_chars && !id.starts_with('-');
    if valid {
        Ok(())
    } else {
        Err(ProtocolError::InvalidAgentId(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_variables_and_doubled_credentials_are_refused() {
        let mut config = AgentConfig::new("a1", "custom", AgentCategory::Core);
        config
            .environment
            .insert("REDIS_URL".into(), "redis://elsewhere".into());
        let error = config.validate().unwrap_err();
        assert_eq!(error, ProtocolError::ManagedVariable("REDIS_URL".into()));
        assert!(error.to_string().contains("REDIS_URL"), "{error}");
        for (name, value) in [("A\0B", "v"), ("A=B", "v"), ("", "v"), ("OK", "v\0")] {
            let mut config = AgentConfig::new("a1", "custom", AgentCategory::Core);
            config.environment.insert(name.into(), value.into());
            let refused = config.validate().unwrap_err().to_string();
            assert!(
                refused.contains("environment"),
                "{name:?}={value:?}: {refused}"
            );
        }

        let mut config = AgentConfig::new("a1", "custom", AgentCategory::Core);
        config.environment.insert("REGION".into(), "eu".into());
        config.credentials = vec![
            CredentialRef::Named("K".into()),
            CredentialRef::Aliased {
                name: "K".into(),
                from: "other".into(),
            },
        ];
        assert_eq!(
            config.validate(),
            Err(ProtocolError::ConflictingCredential("K".into()))
        );
        config.credentials.pop();
        config.credentials.push(CredentialRef::Aliased {
            name: "K".into(),
            from: "K".into(),
        });
        assert_eq!(config.validate(), Ok(()), "one source, spelled two ways");
        config.credentials.push(CredentialRef::Named("K".into()));
        assert!(config.validate().unwrap_err().to_string().contains("twice"));
    }
}
