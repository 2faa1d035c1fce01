//! Serves agents' long-term memory: requests on `mas:knowledge:requests`,
//! answered from the SQL store onto each request's reply list.

use chrono::Utc;
use myca_agents::protocol::names::{
    knowledge_reply_key, KNOWLEDGE_REQUESTS_STREAM, KNOWLEDGE_REQUEST_FIELD,
};
use myca_agents::protocol::{KnowledgeOp, KnowledgeReply, KnowledgeRequest};
use redis::streams::StreamId;
use serde_json::{Map, Value};
use tokio::task::JoinHandle;

use super::consume::consume_forever;
use super::reply::push_reply;
use crate::scrub::Scrubber;
use crate::store::{Store, StoreError};

/// Answers knowledge requests until the task is aborted, reconnecting to
/// Redis when the link drops.
pub fn serve_knowledge(
    client: redis::Client,
    store: Store,
    scrubber: Scrubber,
    consumer: String,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let replies = client.clone();
        consume_forever(client, KNOWLEDGE_REQUESTS_STREAM, &consumer, |entry| {
            let (replies, store, scrubber) = (replies.clone(), store.clone(), scrubber.clone());
            async move { reply_to(&replies, &store, &scrubber, &entry).await }
        })
        .await;
    })
}

async fn reply_to(client: &redis::Client, store: &Store, scrubber: &Scrubber, entry: &StreamId) {
    let Some(request) = entry
        .get::<String>(KNOWLEDGE_REQUEST_FIELD)
        .and_then(|raw| serde_json::from_str::<KnowledgeRequest>(&raw).ok())
    else {
        // Nobody can be answered: the request id is unknown.
        tracing::warn!(entry_id = %entry.id, "dropping a malformed knowledge request");
        return;
    };
    let reply = match answer(store, scrubber, &request).await {
        Ok(value) => KnowledgeReply::value(value),
        Err(error) => {
            tracing::warn!(%error, agent_id = %request.agent_id, "knowledge request failed");
            KnowledgeReply::error(error.to_string())
        }
    };
    let key = knowledge_reply_key(&request.request_id);
    let json = serde_json::to_string(&reply).unwrap_or_default();
    if let Err(error) = push_reply(client, &key, json).await {
        tracing::warn!(%error, "knowledge reply not delivered");
    }
}

async fn answer(
    store: &Store,
    scrubber: &Scrubber,
    request: &KnowledgeRequest,
) -> Result<Value, StoreError> {
    let agent = request.agent_id.as_str();
    Ok(match &request.op {
        KnowledgeOp::Get { key } => store
            .knowledge(agent, key)
            .await?
            .map_or(Value::Null, |entry| entry.value),
        KnowledgeOp::Put {
            key,
            value,
            ttl_seconds,
        } => {
            // A TTL too large to represent is no expiry at all.
            let expires_at = ttl_seconds
                .and_then(|s| i64::try_from(s).ok())
                .and_then(chrono::Duration::try_seconds)
                .and_then(|ttl| Utc::now().checked_add_signed(ttl));
            store
                .put_knowledge(agent, key, &scrubber.value(value), expires_at)
                .await?;
            Value::Null
        }
        KnowledgeOp::Delete { key } => Value::Bool(store.delete_knowledge(agent, key).await?),
        KnowledgeOp::List => Value::Object(
            store
                .all_knowledge(agent)
                .await?
                .into_iter()
                .map(|entry| (entry.key, entry.value))
                .collect::<Map<_, _>>(),
        ),
    })
}
