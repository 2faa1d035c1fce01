//! Serves agents' long-term memory: requests on `mas:knowledge:requests`,
//! answered from the SQL store onto each request's reply list.

use std::time::Duration;

use chrono::Utc;
use myca_agents::protocol::names::{
    knowledge_reply_key, KNOWLEDGE_REQUESTS_STREAM, KNOWLEDGE_REQUEST_FIELD, ORCHESTRATOR_GROUP,
};
use myca_agents::protocol::{KnowledgeOp, KnowledgeReply, KnowledgeRequest};
use myca_agents::streams;
use redis::aio::MultiplexedConnection;
use redis::streams::StreamId;
use redis::AsyncConnectionConfig;
use serde_json::{Map, Value};
use tokio::task::JoinHandle;

use crate::scrub::Scrubber;
use crate::store::{Store, StoreError};

/// Replies nobody collected (the agent gave up) lapse after this long.
const REPLY_TTL_SECONDS: u64 = 30;
const BLOCK: Duration = Duration::from_secs(1);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Answers knowledge requests until the task is aborted, reconnecting to
/// Redis when the link drops.
pub fn serve_knowledge(
    client: redis::Client,
    store: Store,
    scrubber: Scrubber,
    consumer: String,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = serve(&client, &store, &scrubber, &consumer).await {
                tracing::warn!(%error, "knowledge service lost Redis; reconnecting");
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    })
}

async fn serve(
    client: &redis::Client,
    store: &Store,
    scrubber: &Scrubber,
    consumer: &str,
) -> Result<(), streams::StreamError> {
    // Blocking reads outlast any response timeout, so this connection has none.
    let config = AsyncConnectionConfig::new()
        .set_response_timeout(None)
        .set_connection_timeout(Some(Duration::from_secs(5)));
    let mut connection = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    streams::ensure_group(
        &mut connection,
        KNOWLEDGE_REQUESTS_STREAM,
        ORCHESTRATOR_GROUP,
    )
    .await?;
    loop {
        let entries = streams::read_group(
            &mut connection,
            ORCHESTRATOR_GROUP,
            consumer,
            &[KNOWLEDGE_REQUESTS_STREAM],
            64,
            Some(BLOCK),
        )
        .await?;
        for (_, entry) in entries {
            answer_entry(&mut connection, store, scrubber, &entry).await?;
        }
    }
}

async fn answer_entry(
    connection: &mut MultiplexedConnection,
    store: &Store,
    scrubber: &Scrubber,
    entry: &StreamId,
) -> Result<(), redis::RedisError> {
    let request = entry
        .get::<String>(KNOWLEDGE_REQUEST_FIELD)
        .and_then(|raw| serde_json::from_str::<KnowledgeRequest>(&raw).ok());
    let mut pipe = redis::pipe();
    match request {
        Some(request) => {
            let reply = match answer(store, scrubber, &request).await {
                Ok(value) => KnowledgeReply::value(value),
                Err(error) => {
                    tracing::warn!(%error, agent_id = %request.agent_id, "knowledge request failed");
                    KnowledgeReply::error(error.to_string())
                }
            };
            let key = knowledge_reply_key(&request.request_id);
            let json = serde_json::to_string(&reply).unwrap_or_default();
            pipe.cmd("LPUSH").arg(&key).arg(json).ignore();
            pipe.cmd("EXPIRE").arg(&key).arg(REPLY_TTL_SECONDS).ignore();
        }
        // Nobody can be answered: the request id is unknown.
        None => tracing::warn!(entry_id = %entry.id, "dropping a malformed knowledge request"),
    }
    pipe.cmd("XACK")
        .arg(KNOWLEDGE_REQUESTS_STREAM)
        .arg(ORCHESTRATOR_GROUP)
        .arg(&entry.id)
        .ignore();
    pipe.query_async::<()>(connection).await
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
