//! How an agent becomes a container: name, labels, environment, limits and
//! hardening, decided in one pure function.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, RestartPolicy, RestartPolicyNameEnum};
use myca_agents::protocol::names::{
    env, LABEL_AGENT, LABEL_AGENT_CATEGORY, LABEL_AGENT_ID, LABEL_AGENT_TYPE,
};
use myca_agents::protocol::AgentConfig;

use crate::scrub::{is_secret_variable, Scrubber};

/// Our own label: the agent's HTTP port, needed on the host network.
pub const LABEL_AGENT_PORT: &str = "mas.agent_port";
/// The agent's configuration, secret-named values masked: what a snapshot
/// records and a restore respawns from.
pub const LABEL_AGENT_CONFIG: &str = "mas.agent_config";
/// The non-root user the agent runs as (nobody).
pub const AGENT_USER: &str = "65534:65534";
/// Scratch space on the otherwise read-only root filesystem.
pub const SCRATCH_TMPFS: (&str, &str) = ("/tmp", "rw,noexec,nosuid,size=16m");

/// Where the pool's agents attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentNetwork {
    /// A user-defined bridge network (created if absent).
    Bridge(String),
    /// The host's network stack, for a broker bound to the host's loopback;
    /// every agent gets a port of its own.
    Host,
}

/// The container for `config`, given the pool's image, broker and network.
/// `bootstrap_token` is set for an agent with credentials to ask for; the
/// credentials themselves never enter the container's configuration.
pub fn container_body(
    config: &AgentConfig,
    image: &str,
    redis_url: &str,
    network: &AgentNetwork,
    port: u16,
    bootstrap_token: Option<&str>,
) -> ContainerCreateBody {
    let labels = HashMap::from([
        (LABEL_AGENT.to_owned(), "true".to_owned()),
        (LABEL_AGENT_ID.to_owned(), config.agent_id.clone()),
        (LABEL_AGENT_TYPE.to_owned(), config.agent_type.clone()),
        (
            LABEL_AGENT_CATEGORY.to_owned(),
            config.category.as_str().to_owned(),
        ),
        (LABEL_AGENT_PORT.to_owned(), port.to_string()),
        (
            LABEL_AGENT_CONFIG.to_owned(),
            serde_json::to_string(&Scrubber::default().config(config)).unwrap_or_default(),
        ),
    ]);
    let mut environment = vec![
        format!("{}={}", env::AGENT_ID, config.agent_id),
        format!("{}={}", env::AGENT_TYPE, config.agent_type),
        format!("{}={}", env::AGENT_CATEGORY, config.category),
        format!("{}={}", env::REDIS_URL, redis_url),
        format!("{}={}", env::HEARTBEAT_INTERVAL, config.heartbeat_interval),
        format!("{}={}", env::TASK_TIMEOUT, config.task_timeout),
        format!(
            "{}={}",
            env::MAX_CONCURRENT_TASKS,
            config.max_concurrent_tasks
        ),
        format!("{}={}", env::AGENT_PORT, port),
    ];
    // Spawning moves secret-named values to the keyring and refuses managed
    // names; neither can reach the container even if a caller skipped that.
    environment.extend(
        config
            .environment
            .iter()
            .filter(|(name, _)| !is_secret_variable(name) && !env::MANAGED.contains(&name.as_str()))
            .map(|(name, value)| format!("{name}={value}")),
    );
    let kind = myca_agents::kinds::find(&config.agent_type);
    let settings = kind
        .map(|kind| kind.agent_settings(&config.settings))
        .unwrap_or_default();
    // Host directories the spawn granted (admission checked each is a
    // plain absolute path), mounted at the same path.
    let binds: Vec<String> = kind
        .map(|kind| kind.host_directories(&config.settings))
        .unwrap_or_default()
        .into_iter()
        .map(|path| format!("{path}:{path}:rw"))
        .collect();
    if !settings.is_empty() {
        let json = serde_json::Value::Object(settings).to_string();
        environment.push(format!("{}={json}", env::AGENT_SETTINGS));
    }
    if let Some(token) = bootstrap_token {
        environment.push(format!("{}={token}", env::BOOTSTRAP_TOKEN));
    }
    let network_mode = match network {
        AgentNetwork::Bridge(name) => name.clone(),
        AgentNetwork::Host => "host".to_owned(),
    };
    let restart_policy = if config.auto_restart {
        RestartPolicy {
            name: Some(RestartPolicyNameEnum::ON_FAILURE),
            maximum_retry_count: Some(i64::from(config.max_restarts)),
        }
    } else {
        RestartPolicy {
            name: Some(RestartPolicyNameEnum::NO),
            maximum_retry_count: None,
        }
    };
    ContainerCreateBody {
        image: Some(image.to_owned()),
        hostname: matches!(network, AgentNetwork::Bridge(_)).then(|| config.agent_id.clone()),
        env: Some(environment),
        labels: Some(labels),
        user: Some(AGENT_USER.to_owned()),
        host_config: Some(HostConfig {
            network_mode: Some(network_mode),
            binds: (!binds.is_empty()).then_some(binds),
            nano_cpus: Some((config.cpu_limit * 1e9) as i64),
            memory: Some(i64::from(config.memory_limit) * 1024 * 1024),
            restart_policy: Some(restart_policy),
            cap_drop: Some(vec!["ALL".to_owned()]),
            security_opt: Some(vec!["no-new-privileges:true".to_owned()]),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([(
                SCRATCH_TMPFS.0.to_owned(),
                SCRATCH_TMPFS.1.to_owned(),
            )])),
            pids_limit: Some(256),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use myca_agents::protocol::AgentCategory;

    #[test]
    fn limits_labels_and_hardening() {
        let mut config = AgentConfig::new(
            "docker-agent",
            "docker-agent",
            AgentCategory::Infrastructure,
        );
        config.cpu_limit = 0.5;
        config.memory_limit = 128;
        config
            .environment
            .insert("DOCKER_TOKEN".into(), "planted-token-1".into());
        config
            .environment
            .insert("AGENT_TYPE".into(), "something-else".into());
        let body = container_body(
            &config,
            "myca-agent:abc",
            "redis://r:6379/0",
            &AgentNetwork::Host,
            18080,
            Some("bootstrap-1"),
        );
        let host = body.host_config.unwrap();
        assert_eq!(host.nano_cpus, Some(500_000_000));
        assert_eq!(host.memory, Some(128 * 1024 * 1024));
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(host.network_mode.as_deref(), Some("host"));
        assert_eq!(body.user.as_deref(), Some(AGENT_USER));
        let labels = body.labels.unwrap();
        assert_eq!(labels[LABEL_AGENT], "true");
        assert_eq!(labels[LABEL_AGENT_CATEGORY], "infrastructure");
        assert_eq!(labels[LABEL_AGENT_PORT], "18080");
        let recorded: AgentConfig = serde_json::from_str(&labels[LABEL_AGENT_CONFIG]).unwrap();
        assert_eq!(recorded.memory_limit, config.memory_limit);
        assert!(!labels[LABEL_AGENT_CONFIG].contains("planted"));
        let environment = body.env.unwrap();
        assert!(environment.contains(&"AGENT_PORT=18080".to_owned()));
        assert!(environment.contains(&"BOOTSTRAP_TOKEN=bootstrap-1".to_owned()));
        assert!(environment.contains(&"AGENT_TYPE=docker-agent".to_owned()));
        assert!(!environment
            .iter()
            .any(|v| v.contains("planted") || v.contains("something-else")));
        assert_eq!(host.binds, None);
    }

    #[test]
    fn granted_host_directories_are_mounted_at_the_same_path() {
        let mut config = AgentConfig::new(
            "storage-agent",
            "storage-agent",
            AgentCategory::Infrastructure,
        );
        config.settings.insert(
            "host_directories".into(),
            serde_json::json!(["/srv/data", "/srv/backups"]),
        );
        let body = container_body(
            &config,
            "myca-agent:abc",
            "redis://r:6379/0",
            &AgentNetwork::Host,
            18080,
            None,
        );
        assert_eq!(
            body.host_config.unwrap().binds,
            Some(vec![
                "/srv/data:/srv/data:rw".to_owned(),
                "/srv/backups:/srv/backups:rw".to_owned()
            ])
        );
        // A kind without the privilege gets no mount, whatever its settings say.
        config.agent_type = "monitoring-agent".into();
        let body = container_body(&config, "i", "redis://r", &AgentNetwork::Host, 1, None);
        assert_eq!(body.host_config.unwrap().binds, None);
    }
}
