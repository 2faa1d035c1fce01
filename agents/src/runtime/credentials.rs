//! The agent's credentials: asked for at every start over the broker,
//! proven with the container's bootstrap token, received sealed to a key
//! that exists only for that request, and then held in memory only.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::request_reply::request_reply;
use tokio::sync::watch;
use tracing::{info, warn};
use uuid::Uuid;

use super::backoff::Backoff;
use super::consumer::wait_or_shutdown;
use super::state::Shared;
use crate::protocol::names::{
    credentials_reply_key, CREDENTIALS_REQUESTS_STREAM, CREDENTIALS_REQUEST_FIELD,
};
use crate::protocol::{CredentialBundle, CredentialReply, CredentialRequest};
use crate::sealing::{self, Exchange, Requester, SealingError};

/// How long one request waits for the orchestrator's answer.
const REPLY_WITHIN: Duration = Duration::from_secs(5);

/// Values by name, for handlers. Never printed.
#[derive(Clone, Default)]
pub struct Credentials(Arc<BTreeMap<String, String>>);

impl Credentials {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("the orchestrator did not answer within {0:?}")]
    NoReply(Duration),
    #[error("malformed reply: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("the orchestrator refused: {0}")]
    Refused(String),
    #[error(transparent)]
    Sealing(#[from] SealingError),
}

/// Asks until the orchestrator answers; `None` when the agent is stopped first.
pub async fn fetch(
    client: &redis::Client,
    shared: &Shared,
    token: &str,
    mut shutdown: watch::Receiver<bool>,
) -> Option<Credentials> {
    let agent_id = shared.config.agent_id.as_str();
    let mut backoff = Backoff::new();
    loop {
        if *shutdown.borrow() {
            return None;
        }
        let asked = tokio::select! {
            asked = ask(client, agent_id, token) => asked,
            _ = shutdown.changed() => return None,
        };
        match asked {
            Ok(bundle) => {
                if !bundle.missing.is_empty() {
                    warn!(missing = ?bundle.missing, "the keyring holds no value for some credentials");
                }
                info!(received = bundle.credentials.len(), "credentials received");
                return Some(Credentials(Arc::new(bundle.credentials)));
            }
            Err(error) => {
                warn!(%error, "credentials not received yet; asking again");
                shared.note_error(&error);
                wait_or_shutdown(&mut shutdown, backoff.step()).await;
            }
        }
    }
}

async fn ask(
    client: &redis::Client,
    agent_id: &str,
    token: &str,
) -> Result<CredentialBundle, CredentialsError> {
    let requester = Requester::new()?;
    let request_id = Uuid::new_v4();
    let request_text = request_id.to_string();
    let exchange = Exchange {
        agent_id,
        request_id: &request_text,
    };
    let request = CredentialRequest {
        request_id,
        agent_id: agent_id.to_owned(),
        proof: sealing::prove_request(token, &exchange, &requester.public_key),
        public_key: requester.public_key.clone(),
    };
    let raw = request_reply(
        client,
        CREDENTIALS_REQUESTS_STREAM,
        CREDENTIALS_REQUEST_FIELD,
        &serde_json::to_string(&request)?,
        &credentials_reply_key(&request_id),
        REPLY_WITHIN,
    )
    .await?
    .ok_or(CredentialsError::NoReply(REPLY_WITHIN))?;
    match serde_json::from_str(&raw)? {
        CredentialReply::Refused { error } => Err(CredentialsError::Refused(error)),
        CredentialReply::Sealed {
            sealer_key,
            sealed,
            proof,
        } => {
            let plain = requester.open(token, &exchange, &sealer_key, &sealed, &proof)?;
            Ok(serde_json::from_slice(&plain)?)
        }
    }
}
