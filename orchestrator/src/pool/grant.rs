//! What an agent's credentials request is checked against: its container's
//! bootstrap token and credential references, read back from the engine, so
//! an orchestrator serves agents it adopted as well as those it spawned.

use std::fmt;

use bollard::query_parameters::InspectContainerOptions;
use myca_agents::protocol::names::{container_name, env, LABEL_AGENT, LABEL_AGENT_ID};
use myca_agents::protocol::{AgentConfig, CredentialRef};

use super::{status_code, AgentPool, PoolError, LABEL_AGENT_CONFIG};

/// An agent container's right to its credentials.
pub struct CredentialGrant {
    pub bootstrap_token: String,
    pub credentials: Vec<CredentialRef>,
}

impl fmt::Debug for CredentialGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialGrant")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl AgentPool {
    /// `None` when no agent container of that id exists or it has no credentials.
    pub async fn credential_grant(
        &self,
        agent_id: &str,
    ) -> Result<Option<CredentialGrant>, PoolError> {
        let inspected = match self
            .docker
            .inspect_container(&container_name(agent_id), None::<InspectContainerOptions>)
            .await
        {
            Ok(inspected) => inspected,
            Err(error) if status_code(&error) == Some(404) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let container = inspected.config.unwrap_or_default();
        let labels = container.labels.unwrap_or_default();
        let ours = labels.get(LABEL_AGENT).is_some_and(|v| v == "true")
            && labels.get(LABEL_AGENT_ID).is_some_and(|id| id == agent_id);
        let prefix = format!("{}=", env::BOOTSTRAP_TOKEN);
        let token = container
            .env
            .iter()
            .flatten()
            .find_map(|variable| variable.strip_prefix(&prefix));
        let config = labels
            .get(LABEL_AGENT_CONFIG)
            .and_then(|json| serde_json::from_str::<AgentConfig>(json).ok());
        Ok(match (ours, token, config) {
            (true, Some(token), Some(config)) => Some(CredentialGrant {
                bootstrap_token: token.to_owned(),
                credentials: config.credentials,
            }),
            _ => None,
        })
    }
}
