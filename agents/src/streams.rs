//! Task streams on Redis, shared by the agent runtime and the orchestrator's
//! broker so both sides encode, enqueue and read tasks the same way.

use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::streams::{StreamId, StreamReadReply};
use redis::{RedisError, Value as RedisValue};

use crate::protocol::names::{agent_task_stream, type_task_stream};
use crate::protocol::{AgentTask, TaskPriority};

/// The entry field that holds a task's JSON.
pub const TASK_FIELD: &str = "task";

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("Redis: {0}")]
    Redis(#[from] RedisError),
    #[error("stream entry {entry_id} holds no valid task: {reason}")]
    Decode { entry_id: String, reason: String },
}

/// One entry read from a task stream.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub stream: String,
    pub entry_id: String,
    pub task: AgentTask,
}

/// The task streams an agent consumes, most urgent first: for each priority,
/// its own stream and its type's shared stream.
pub fn task_streams(agent_id: &str, agent_type: &str) -> Vec<(TaskPriority, [String; 2])> {
    TaskPriority::ALL
        .into_iter()
        .map(|p| {
            (
                p,
                [
                    agent_task_stream(agent_id, p),
                    type_task_stream(agent_type, p),
                ],
            )
        })
        .collect()
}

/// Creates the consumer group (and the stream) unless it exists. The group
/// starts at the beginning so tasks queued before any agent came up are kept.
pub async fn ensure_group<C: ConnectionLike>(
    connection: &mut C,
    stream: &str,
    group: &str,
) -> Result<(), StreamError> {
    let created: Result<(), RedisError> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(connection)
        .await;
    match created {
        Err(error) if error.code() == Some("BUSYGROUP") => Ok(()),
        other => Ok(other?),
    }
}

/// Appends a task to a stream; returns the entry id.
pub async fn enqueue<C: ConnectionLike>(
    connection: &mut C,
    stream: &str,
    task: &AgentTask,
) -> Result<String, StreamError> {
    let json = serde_json::to_string(task).map_err(|error| StreamError::Decode {
        entry_id: "(new)".to_owned(),
        reason: error.to_string(),
    })?;
    Ok(redis::cmd("XADD")
        .arg(stream)
        .arg("*")
        .arg(TASK_FIELD)
        .arg(json)
        .query_async(connection)
        .await?)
}

pub fn decode(stream: &str, entry: &StreamId) -> Result<Delivery, StreamError> {
    let decode_error = |reason: String| StreamError::Decode {
        entry_id: entry.id.clone(),
        reason,
    };
    let raw = match entry.map.get(TASK_FIELD) {
        Some(RedisValue::BulkString(bytes)) => bytes.as_slice(),
        Some(RedisValue::SimpleString(text)) => text.as_bytes(),
        _ => return Err(decode_error(format!("no `{TASK_FIELD}` field"))),
    };
    let task = serde_json::from_slice(raw).map_err(|error| decode_error(error.to_string()))?;
    Ok(Delivery {
        stream: stream.to_owned(),
        entry_id: entry.id.clone(),
        task,
    })
}

/// XREADGROUP of new entries (`>`) from several streams. `block: None` does
/// not wait; a blocking read needs a connection without a response timeout.
pub async fn read_group<C: ConnectionLike>(
    connection: &mut C,
    group: &str,
    consumer: &str,
    streams: &[&str],
    count: usize,
    block: Option<Duration>,
) -> Result<Vec<(String, StreamId)>, StreamError> {
    read_group_from(connection, group, consumer, streams, ">", count, block).await
}

/// Entries already delivered to `consumer` and not acknowledged (a
/// restarted consumer's unfinished work), without waiting.
pub async fn read_own_pending<C: ConnectionLike>(
    connection: &mut C,
    group: &str,
    consumer: &str,
    streams: &[&str],
    count: usize,
) -> Result<Vec<(String, StreamId)>, StreamError> {
    read_group_from(connection, group, consumer, streams, "0", count, None).await
}

async fn read_group_from<C: ConnectionLike>(
    connection: &mut C,
    group: &str,
    consumer: &str,
    streams: &[&str],
    start: &str,
    count: usize,
    block: Option<Duration>,
) -> Result<Vec<(String, StreamId)>, StreamError> {
    let mut command = redis::cmd("XREADGROUP");
    command
        .arg("GROUP")
        .arg(group)
        .arg(consumer)
        .arg("COUNT")
        .arg(count);
    if let Some(block) = block {
        command
            .arg("BLOCK")
            .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX));
    }
    command.arg("STREAMS").arg(streams);
    for _ in streams {
        command.arg(start);
    }
    let reply: Option<StreamReadReply> = command.query_async(connection).await?;
    Ok(reply
        .map(|reply| {
            reply
                .keys
                .into_iter()
                .flat_map(|key| {
                    let stream = key.key;
                    key.ids.into_iter().map(move |id| (stream.clone(), id))
                })
                .collect()
        })
        .unwrap_or_default())
}
