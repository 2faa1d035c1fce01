//! The runtime's configuration, from the seed's environment variables.

use std::time::Duration;

use crate::protocol::names::{env, DEFAULT_AGENT_PORT};
use crate::protocol::{AgentCategory, AgentConfig};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{name}={value:?} is invalid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    pub agent_id: String,
    pub agent_type: String,
    pub category: AgentCategory,
    pub redis_url: String,
    pub heartbeat_interval: Duration,
    /// For tasks that do not carry their own timeout.
    pub task_timeout: Duration,
    pub max_concurrent_tasks: usize,
    pub port: u16,
    pub log_level: String,
    /// How long in-flight tasks may finish after SIGTERM before they are handed back.
    pub shutdown_grace: Duration,
    /// Set when the agent has credentials to ask for at start.
    pub bootstrap_token: Option<BootstrapToken>,
    /// The kind's settings (AGENT_SETTINGS), empty when none were given.
    pub settings: serde_json::Map<String, serde_json::Value>,
}

/// The container's bootstrap token: not a credential itself, but what proves
/// a credentials request comes from this container, so never printed.
#[derive(Clone)]
pub struct BootstrapToken(String);

impl BootstrapToken {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BootstrapToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BootstrapToken([redacted])")
    }
}

/// AGENT_SETTINGS: a JSON object, or nothing.
fn settings(
    text: Option<String>,
) -> Result<serde_json::Map<String, serde_json::Value>, ConfigError> {
    match text.filter(|t| !t.is_empty()) {
        None => Ok(serde_json::Map::new()),
        Some(text) => serde_json::from_str(&text).map_err(|error| ConfigError::Invalid {
            name: env::AGENT_SETTINGS,
            value: text,
            reason: format!("expected a JSON object: {error}"),
        }),
    }
}

impl RuntimeConfig {
    /// Reads the configuration through `var` (the process environment in the
    /// binary, a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            var(name)
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match var(name).filter(|v| !v.is_empty()) {
                None => Ok(default),
                Some(value) => match value.parse::<u64>() {
                    Ok(n) if n > 0 => Ok(n),
                    _ => Err(ConfigError::Invalid {
                        name,
                        value,
                        reason: "expected a whole number above 0".to_owned(),
                    }),
                },
            }
        };
        let agent_id = required(env::AGENT_ID)?;
        crate::protocol::validate_agent_id(&agent_id).map_err(|error| ConfigError::Invalid {
            name: env::AGENT_ID,
            value: agent_id.clone(),
            reason: error.to_string(),
        })?;
        let agent_type = required(env::AGENT_TYPE)?;
        let category_text = required(env::AGENT_CATEGORY)?;
        let category = category_text
            .parse()
            .map_err(
                |error: crate::protocol::ProtocolError| ConfigError::Invalid {
                    name: env::AGENT_CATEGORY,
                    value: category_text.clone(),
                    reason: error.to_string(),
                },
            )?;
        let port = number(env::AGENT_PORT, u64::from(DEFAULT_AGENT_PORT))?;
        Ok(Self {
            agent_id,
            agent_type,
            category,
            redis_url: required(env::REDIS_URL)?,
            heartbeat_interval: Duration::from_secs(number(env::HEARTBEAT_INTERVAL, 10)?),
            task_timeout: Duration::from_secs(number(env::TASK_TIMEOUT, 300)?),
            max_concurrent_tasks: usize::try_from(number(env::MAX_CONCURRENT_TASKS, 5)?)
                .unwrap_or(usize::MAX),
            port: u16::try_from(port).map_err(|_| ConfigError::Invalid {
                name: env::AGENT_PORT,
                value: port.to_string(),
                reason: "not a TCP port".to_owned(),
            })?,
            log_level: var(env::LOG_LEVEL)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "info".to_owned()),
            shutdown_grace: Duration::from_secs(number(env::SHUTDOWN_GRACE, 10)?),
            bootstrap_token: var(env::BOOTSTRAP_TOKEN)
                .filter(|v| !v.is_empty())
                .map(BootstrapToken),
            settings: settings(var(env::AGENT_SETTINGS))?,
        })
    }

    /// Entries pending on a consumer that stopped touching them this long
    /// are taken over by a live replica.
    pub fn reclaim_idle(&self) -> Duration {
        (self.heartbeat_interval * 3).max(Duration::from_secs(3))
    }

    /// The agent's configuration as snapshots record it.
    pub fn agent_config(&self, capabilities: Vec<String>) -> AgentConfig {
        let mut config = AgentConfig::new(&self.agent_id, &self.agent_type, self.category);
        config.capabilities = capabilities;
        config.max_concurrent_tasks = u32::try_from(self.max_concurrent_tasks).unwrap_or(u32::MAX);
        config.task_timeout = self.task_timeout.as_secs();
        config.heartbeat_interval = self.heartbeat_interval.as_secs();
        config
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const BASE: [(&str, &str); 4] = [
        ("AGENT_ID", "echo-1"),
        ("AGENT_TYPE", "test-agent"),
        ("AGENT_CATEGORY", "core"),
        ("REDIS_URL", "redis://127.0.0.1:6379/0"),
    ];

    #[test]
    fn defaults_follow_the_seed() {
        let config = RuntimeConfig::from_vars(vars(&BASE)).unwrap();
        assert_eq!(config.port, 8080);
        assert_eq!(config.max_concurrent_tasks, 5);
        assert_eq!(config.heartbeat_interval, Duration::from_secs(10));
        assert_eq!(config.task_timeout, Duration::from_secs(300));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let mut pairs = BASE.to_vec();
        pairs.push(("MAX_CONCURRENT_TASKS", "many"));
        let error = RuntimeConfig::from_vars(vars(&pairs)).unwrap_err();
        assert!(
            error.to_string().contains("MAX_CONCURRENT_TASKS"),
            "{error}"
        );
        let error = RuntimeConfig::from_vars(vars(&BASE[1..])).unwrap_err();
        assert_eq!(error.to_string(), "AGENT_ID is required");
        let mut pairs = BASE.to_vec();
        pairs[0] = ("AGENT_ID", "Bad_Id");
        assert!(RuntimeConfig::from_vars(vars(&pairs)).is_err());
    }
}
