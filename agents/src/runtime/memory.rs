//! An agent's memory as handlers see it: long-term knowledge kept in the
//! orchestrator's SQL store (asked for over Redis, see docs/protocol.md) and
//! short-term conversation entries kept in Redis with a TTL.

use std::time::Duration;

use super::request_reply::request_reply;
use redis::aio::ConnectionManager;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::protocol::names::{
    conversation_key, knowledge_reply_key, CONVERSATION_ENTRIES, CONVERSATION_TTL_SECONDS,
    KNOWLEDGE_REQUESTS_STREAM, KNOWLEDGE_REQUEST_FIELD,
};
use crate::protocol::{KnowledgeOp, KnowledgeReply, KnowledgeRequest};

/// How long an agent waits for the orchestrator to answer a knowledge request.
const REPLY_WITHIN: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("the orchestrator did not answer within {0:?}")]
    NoReply(Duration),
    #[error("malformed reply: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("the orchestrator refused: {0}")]
    Refused(String),
}

#[derive(Clone)]
pub struct Memory {
    agent_id: String,
    client: redis::Client,
    redis: ConnectionManager,
}

impl Memory {
    pub fn new(agent_id: &str, client: redis::Client, redis: ConnectionManager) -> Self {
        Self {
            agent_id: agent_id.to_owned(),
            client,
            redis,
        }
    }

    pub async fn remember(
        &self,
        key: &str,
        value: Value,
        ttl: Option<Duration>,
    ) -> Result<(), MemoryError> {
        self.ask(KnowledgeOp::Put {
            key: key.to_owned(),
            value,
            ttl_seconds: ttl.map(|t| t.as_secs()),
        })
        .await
        .map(drop)
    }

    /// The value kept under `key`, if any (and not expired).
    pub async fn recall(&self, key: &str) -> Result<Option<Value>, MemoryError> {
        let value = self
            .ask(KnowledgeOp::Get {
                key: key.to_owned(),
            })
            .await?;
        Ok((!value.is_null()).then_some(value))
    }

    pub async fn forget(&self, key: &str) -> Result<bool, MemoryError> {
        let existed = self
            .ask(KnowledgeOp::Delete {
                key: key.to_owned(),
            })
            .await?;
        Ok(existed.as_bool().unwrap_or(false))
    }

    /// Every live key and its value.
    pub async fn knowledge(&self) -> Result<Map<String, Value>, MemoryError> {
        match self.ask(KnowledgeOp::List).await? {
            Value::Object(entries) => Ok(entries),
            _ => Ok(Map::new()),
        }
    }

    /// Adds a conversation entry; only the newest ten are kept.
    pub async fn add_turn(&self, entry: &Value) -> Result<(), MemoryError> {
        let key = conversation_key(&self.agent_id);
        redis::pipe()
            .atomic()
            .cmd("LPUSH")
            .arg(&key)
            .arg(entry.to_string())
            .ignore()
            .cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(CONVERSATION_ENTRIES - 1)
            .ignore()
            .cmd("EXPIRE")
            .arg(&key)
            .arg(CONVERSATION_TTL_SECONDS)
            .ignore()
            .query_async::<()>(&mut self.redis.clone())
            .await?;
        Ok(())
    }

    /// The kept conversation entries, oldest first.
    pub async fn recent_turns(&self) -> Result<Vec<Value>, MemoryError> {
        conversation(&mut self.redis.clone(), &self.agent_id).await
    }

    async fn ask(&self, op: KnowledgeOp) -> Result<Value, MemoryError> {
        let request = KnowledgeRequest {
            request_id: Uuid::new_v4(),
            agent_id: self.agent_id.clone(),
            op,
        };
        let raw = request_reply(
            &self.client,
            KNOWLEDGE_REQUESTS_STREAM,
            KNOWLEDGE_REQUEST_FIELD,
            &serde_json::to_string(&request)?,
            &knowledge_reply_key(&request.request_id),
            REPLY_WITHIN,
        )
        .await?
        .ok_or(MemoryError::NoReply(REPLY_WITHIN))?;
        let reply: KnowledgeReply = serde_json::from_str(&raw)?;
        match reply.error {
            Some(error) if !reply.ok => Err(MemoryError::Refused(error)),
            _ => Ok(reply.value),
        }
    }
}

/// An agent's kept conversation entries, oldest first.
pub(crate) async fn conversation(
    redis: &mut ConnectionManager,
    agent_id: &str,
) -> Result<Vec<Value>, MemoryError> {
    let raw: Vec<String> = redis::cmd("LRANGE")
        .arg(conversation_key(agent_id))
        .arg(0)
        .arg(CONVERSATION_ENTRIES - 1)
        .query_async(redis)
        .await?;
    Ok(raw
        .iter()
        .rev()
        .filter_map(|entry| serde_json::from_str(entry).ok())
        .collect())
}
