//! Click to spawn: the form's request, checked field by field, then the
//! agent started and followed until its first heartbeat.

use std::time::Duration;

use myca_agents::kinds::{admit, find};
use myca_agents::protocol::{
    validate_agent_id, AgentCategory, AgentConfig, Privilege, ProtocolError,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::error::failed;
use super::{BatchSink, Desktop, DesktopError, FieldError, FleetAgent};
use crate::hostset::HostSetError;
use crate::pool::PoolError;
use crate::secrets::{CredentialError, Credentials};
use crate::service::FleetService;

/// The most replicas one spawn makes.
pub const MAX_REPLICAS: usize = 20;
/// How long a spawned agent has to send its first heartbeat.
const FIRST_HEARTBEAT: Duration = Duration::from_secs(60);
const HEARTBEAT_POLL: Duration = Duration::from_millis(250);

/// What the spawn form sends.
#[derive(Debug, Clone, PartialEq, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SpawnRequest {
    pub agent_id: String,
    /// A kind's id or one of its aliases.
    pub agent_type: String,
    /// Default: the kind's category.
    pub category: Option<AgentCategory>,
    #[serde(default)]
    pub display_name: String,
    /// A host's name; none places the agent automatically.
    #[serde(default)]
    pub host: Option<String>,
    pub cpu_limit: Option<f64>,
    pub memory_limit_mb: Option<u32>,
    /// Replicas beyond the first are named `{agent_id}-2`, `-3`…
    pub replicas: Option<u32>,
    #[serde(default)]
    #[ts(type = "Record<string, unknown>")]
    pub settings: Map<String, Value>,
    /// Credential names (their values are in the OS keyring).
    #[serde(default)]
    pub credentials: Vec<String>,
    /// Privileges the operator grants (the kind must declare them).
    #[serde(default)]
    pub grants: Vec<Privilege>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SpawnStage {
    Validating,
    Image,
    Container,
    Heartbeat,
    Healthy,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SpawnProgress {
    pub stage: SpawnStage,
    pub detail: String,
}

fn field(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

impl SpawnRequest {
    fn replicas(&self) -> usize {
        self.replicas.unwrap_or(1) as usize
    }

    /// The agent ids this spawn makes.
    fn agent_ids(&self) -> Vec<String> {
        (1..=self.replicas().max(1))
            .map(|n| match n {
                1 => self.agent_id.clone(),
                n => format!("{}-{n}", self.agent_id),
            })
            .collect()
    }

    /// The seed's spawn body for replica `agent_id`; what the form leaves
    /// out takes the kind's declared default, else the seed's.
    fn config(&self, agent_id: &str) -> Result<AgentConfig, FieldError> {
        let kind = find(&self.agent_type);
        let category = self.category.or(kind.map(|k| k.category));
        let mut body = json!({
            "agent_id": agent_id,
            "agent_type": self.agent_type,
            "category": category.unwrap_or(AgentCategory::Core),
            "display_name": self.display_name,
            "settings": self.settings,
            "credentials": self.credentials,
            "grants": self.grants,
            "host": self.host,
        });
        let defaults = kind.map(|k| k.defaults);
        if let Some(cpu) = self.cpu_limit.or(defaults.map(|d| d.cpu_limit)) {
            body["cpu_limit"] = json!(cpu);
        }
        if let Some(memory) = self.memory_limit_mb.or(defaults.map(|d| d.memory_limit_mb)) {
            body["memory_limit"] = json!(memory);
        }
        if let Some(concurrency) = defaults.map(|d| d.max_concurrent_tasks) {
            body["max_concurrent_tasks"] = json!(concurrency);
        }
        serde_json::from_value(body).map_err(|e| field("agent", e.to_string()))
    }
}

impl Desktop {
    /// Every problem of the form at once, by field (empty: it can spawn).
    pub async fn validate_spawn(
        &self,
        request: &SpawnRequest,
    ) -> Result<Vec<FieldError>, DesktopError> {
        let service = self.service()?;
        let mut problems = Vec::new();
        if let Err(error) = validate_agent_id(&request.agent_id) {
            problems.push(field("agent_id", error.to_string()));
        }
        if find(&request.agent_type).is_none() {
            let known: Vec<_> = myca_agents::kinds::catalog()
                .iter()
                .map(|k| k.kind)
                .collect();
            problems.push(field(
                "agent_type",
                format!(
                    "no agent kind {:?}; this runtime runs {}",
                    request.agent_type,
                    known.join(", ")
                ),
            ));
        }
        if let Some(host) = &request.host {
            if let Err(error) = service.hosts.host(host) {
                problems.push(field("host", error.to_string()));
            }
        }
        if !(1..=MAX_REPLICAS).contains(&request.replicas()) {
            problems.push(field("replicas", format!("1 to {MAX_REPLICAS} replicas")));
        }
        if !problems.is_empty() {
            return Ok(problems);
        }
        let existing: Vec<String> = service
            .agents()
            .await
            .map_err(failed)?
            .into_iter()
            .map(|a| a.agent_id)
            .collect();
        for agent_id in request.agent_ids() {
            if existing.contains(&agent_id) {
                problems.push(field(
                    "agent_id",
                    format!("an agent {agent_id:?} exists already: choose another id"),
                ));
            }
            let config = request.config(&agent_id).and_then(|config| {
                admit(&config)
                    .map(|(admitted, _)| admitted)
                    .map_err(|refusal| {
                        problems.extend(refusal.field_errors());
                        field("settings", refusal.to_string())
                    })
            });
            match config {
                Ok(config) => match service.check(&config).await {
                    Ok(()) => {}
                    Err(HostSetError::Pool(PoolError::InvalidConfig(
                        ProtocolError::InvalidField {
                            field: name,
                            reason,
                        },
                    ))) => problems.push(field(name, reason)),
                    Err(other @ HostSetError::Placement(_)) => {
                        problems.push(field("host", other.to_string()))
                    }
                    Err(other) => problems.push(field("agent", other.to_string())),
                },
                // Settings problems are listed by field already.
                Err(problem) if problem.field == "settings" => {}
                Err(problem) => problems.push(problem),
            }
        }
        for name in &request.credentials {
            let present = Credentials::default().present(name).await;
            let present = present.map_err(|e| failed(PoolError::from(CredentialError::from(e))))?;
            if !present {
                problems.push(field(
                    "credentials",
                    format!("{name} is not in the OS keyring: add it in the credentials wizard"),
                ));
            }
        }
        problems.dedup();
        Ok(problems)
    }

    /// Checks, spawns every replica and waits for their first heartbeats,
    /// telling `progress` each stage; a failure is reported there too.
    pub async fn spawn_agent(
        &self,
        request: &SpawnRequest,
        mut progress: impl BatchSink<SpawnProgress>,
    ) -> Result<Vec<FleetAgent>, DesktopError> {
        let mut tell = |stage: SpawnStage, detail: String| {
            progress.deliver(vec![SpawnProgress { stage, detail }]);
        };
        tell(SpawnStage::Validating, "checking the form".into());
        let outcome = self.spawn_checked(request, &mut tell).await;
        if let Err(error) = &outcome {
            tell(SpawnStage::Failed, error.message.clone());
        }
        outcome
    }

    async fn spawn_checked(
        &self,
        request: &SpawnRequest,
        tell: &mut impl FnMut(SpawnStage, String),
    ) -> Result<Vec<FleetAgent>, DesktopError> {
        let problems = self.validate_spawn(request).await?;
        if !problems.is_empty() {
            return Err(DesktopError::invalid_fields(problems));
        }
        let service = self.service()?;
        let ids = request.agent_ids();
        for agent_id in &ids {
            let mut config = request
                .config(agent_id)
                .map_err(|p| DesktopError::invalid_fields(vec![p]))?;
            let host = service
                .hosts
                .place(&config, config.host.as_deref())
                .await
                .map_err(failed)?;
            tell(
                SpawnStage::Image,
                format!("agent image {} ready on {}", host.pool.image(), host.name()),
            );
            config.host = Some(host.name().to_owned());
            tell(
                SpawnStage::Container,
                format!("starting {agent_id} on {}", host.name()),
            );
            service.spawn(&config).await.map_err(failed)?;
        }
        tell(
            SpawnStage::Heartbeat,
            format!("waiting for {}", ids.join(", ")),
        );
        let mut rows = Vec::with_capacity(ids.len());
        for agent_id in &ids {
            first_heartbeat(service, agent_id).await?;
            rows.push(self.fleet_agent(service, agent_id).await?);
        }
        tell(SpawnStage::Healthy, format!("{} running", ids.join(", ")));
        Ok(rows)
    }
}

/// Waits for the agent's first heartbeat; a container that stops first, or
/// silence past [`FIRST_HEARTBEAT`], is an error saying which.
async fn first_heartbeat(service: &FleetService, agent_id: &str) -> Result<(), DesktopError> {
    let deadline = tokio::time::Instant::now() + FIRST_HEARTBEAT;
    loop {
        if service.heartbeat(agent_id).is_some() {
            return Ok(());
        }
        let agent = service.agent(agent_id).await.map_err(failed)?;
        if let Some(agent) =
            agent.filter(|a| a.container_state != "running" && a.container_state != "created")
        {
            return Err(DesktopError::new(
                super::ErrorKind::Unavailable,
                format!(
                    "{agent_id} stopped before its first heartbeat (container {}): see its log",
                    agent.container_state
                ),
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(DesktopError::new(
                super::ErrorKind::Unavailable,
                format!(
                    "{agent_id} sent no heartbeat within {} s: see its log",
                    FIRST_HEARTBEAT.as_secs()
                ),
            ));
        }
        tokio::time::sleep(HEARTBEAT_POLL).await;
    }
}
