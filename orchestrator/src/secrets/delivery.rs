//! Serves agents' credentials requests (`mas:credentials:requests`): a
//! request proven with the container's bootstrap token gets the values of
//! the credentials its spawn referenced, sealed to the key in the request
//! (see `myca_agents::sealing`). Nothing readable crosses the broker.

use myca_agents::protocol::names::{
    credentials_reply_key, CREDENTIALS_REQUESTS_STREAM, CREDENTIALS_REQUEST_FIELD,
};
use myca_agents::protocol::{CredentialReply, CredentialRequest};
use myca_agents::sealing::{self, Exchange};
use redis::streams::StreamId;
use tokio::task::JoinHandle;

use crate::broker::{consume_forever, push_reply};
use crate::hostset::HostSet;
use crate::pool::AgentPool;

/// Answers credentials requests until the task is aborted, reconnecting to
/// Redis when the link drops.
pub fn serve_credentials(
    client: redis::Client,
    hosts: HostSet,
    consumer: String,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let replies = client.clone();
        consume_forever(client, CREDENTIALS_REQUESTS_STREAM, &consumer, |entry| {
            let (replies, hosts) = (replies.clone(), hosts.clone());
            async move { reply_to(&replies, &hosts, &entry).await }
        })
        .await;
    })
}

async fn reply_to(client: &redis::Client, hosts: &HostSet, entry: &StreamId) {
    let Some(request) = entry
        .get::<String>(CREDENTIALS_REQUEST_FIELD)
        .and_then(|raw| serde_json::from_str::<CredentialRequest>(&raw).ok())
    else {
        tracing::warn!(entry_id = %entry.id, "dropping a malformed credentials request");
        return;
    };
    let pool = hosts.pool_of(&request.agent_id).await;
    let answered = match &pool {
        Ok(pool) => answer(pool, &request).await,
        Err(error) => Err(error.to_string()),
    };
    let reply = answered.unwrap_or_else(|error| {
        tracing::warn!(agent_id = %request.agent_id, %error, "credentials request refused");
        CredentialReply::Refused { error }
    });
    let json = serde_json::to_string(&reply).unwrap_or_default();
    if let Err(error) = push_reply(client, &credentials_reply_key(&request.request_id), json).await
    {
        tracing::warn!(%error, agent_id = %request.agent_id, "credentials reply not delivered");
    }
}

/// The sealed credentials, or why not (never a secret).
async fn answer(pool: &AgentPool, request: &CredentialRequest) -> Result<CredentialReply, String> {
    let agent_id = request.agent_id.as_str();
    let grant = pool
        .credential_grant(agent_id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("no agent container {agent_id:?} with credentials"))?;
    let request_id = request.request_id.to_string();
    let exchange = Exchange {
        agent_id,
        request_id: &request_id,
    };
    sealing::verify_request(
        &grant.bootstrap_token,
        &exchange,
        &request.public_key,
        &request.proof,
    )
    .map_err(|error| error.to_string())?;
    let bundle = pool
        .credentials()
        .resolve(&grant.credentials)
        .await
        .map_err(|error| error.to_string())?;
    // Whatever the agent does with them, nothing stored repeats them.
    for value in bundle.credentials.values() {
        pool.scrubber().learn_for(agent_id, value);
    }
    let plain = serde_json::to_vec(&bundle).map_err(|error| error.to_string())?;
    let sealed = sealing::seal(
        &grant.bootstrap_token,
        &exchange,
        &request.public_key,
        &plain,
    )
    .map_err(|error| error.to_string())?;
    tracing::info!(
        agent_id,
        delivered = bundle.credentials.len(),
        missing = ?bundle.missing,
        "credentials delivered sealed"
    );
    Ok(CredentialReply::Sealed {
        sealer_key: sealed.sealer_key,
        sealed: sealed.sealed,
        proof: sealed.proof,
    })
}
