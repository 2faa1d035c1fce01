//! Agents' credentials in the OS keyring: what a spawn references, where a
//! secret-named variable given inline goes, and what is delivered.

use myca_agents::protocol::{AgentConfig, CredentialBundle, CredentialRef};
use myca_agents::sealing::{new_token, SealingError};

use super::scrub::is_secret_variable;
use super::store::{SecretError, SecretStore};

/// Keyring items of agents' credentials are named `credential:{source}`:
/// apart from the orchestrator's own secrets (API key, SSH keys), which no
/// spawn can reference.
const KEYRING_PREFIX: &str = "credential:";

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "credential {0:?} is not in the OS keyring: store it first, e.g. `secret-tool store \
         --label='MYCA credential {0}' service myca-control-plane username credential:{0}`"
    )]
    Missing(String),
    #[error(transparent)]
    Keyring(#[from] SecretError),
    #[error("cannot make a bootstrap token: {0}")]
    Token(#[from] SealingError),
}

/// Where an inline secret-named variable of `agent_id` is kept.
pub fn inline_source(agent_id: &str, variable: &str) -> String {
    format!("agent/{agent_id}/{variable}")
}

#[derive(Debug, Clone, Default)]
pub struct Credentials {
    store: SecretStore,
}

impl Credentials {
    pub fn new(store: SecretStore) -> Self {
        Self { store }
    }

    /// Stores (or replaces) the value of credential `source`.
    pub async fn set(&self, source: &str, value: &str) -> Result<(), SecretError> {
        self.store.set(&keyring_name(source), value).await
    }

    /// Whether the keyring holds a value for credential `source`.
    pub async fn present(&self, source: &str) -> Result<bool, SecretError> {
        Ok(self.store.get(&keyring_name(source)).await?.is_some())
    }

    /// Returns whether there was a value to delete.
    pub async fn delete(&self, source: &str) -> Result<bool, SecretError> {
        self.store.delete(&keyring_name(source)).await
    }

    /// The configuration a container is made from: every secret-named
    /// `environment` value moved into the keyring and referenced instead,
    /// every reference checked to have a value; and the bootstrap token the
    /// agent will ask for them with (none when it has no credentials).
    pub async fn prepare(
        &self,
        config: &AgentConfig,
    ) -> Result<(AgentConfig, Option<String>), CredentialError> {
        let mut prepared = config.clone();
        for (variable, value) in &config.environment {
            if !is_secret_variable(variable) {
                continue;
            }
            let source = inline_source(&config.agent_id, variable);
            self.set(&source, value).await?;
            prepared.environment.remove(variable);
            prepared.credentials.retain(|held| held.name() != variable);
            prepared.credentials.push(CredentialRef::Aliased {
                name: variable.clone(),
                from: source,
            });
        }
        for reference in &prepared.credentials {
            if !self.present(reference.source()).await? {
                return Err(CredentialError::Missing(reference.source().to_owned()));
            }
        }
        let token = if prepared.credentials.is_empty() {
            None
        } else {
            Some(new_token()?)
        };
        Ok((prepared, token))
    }

    /// The values of `references` by the names the agent asks for; those
    /// without a value are listed as missing.
    pub async fn resolve(
        &self,
        references: &[CredentialRef],
    ) -> Result<CredentialBundle, SecretError> {
        let mut bundle = CredentialBundle::default();
        for reference in references {
            match self.store.get(&keyring_name(reference.source())).await? {
                Some(value) => {
                    bundle
                        .credentials
                        .insert(reference.name().to_owned(), value);
                }
                None => bundle.missing.push(reference.name().to_owned()),
            }
        }
        Ok(bundle)
    }
}

fn keyring_name(source: &str) -> String {
    format!("{KEYRING_PREFIX}{source}")
}
