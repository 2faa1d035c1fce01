//! Reading task outcomes from `mas:results` in the orchestrator's group.

use std::time::Duration;

use myca_agents::protocol::names::{ORCHESTRATOR_GROUP, RESULTS_STREAM};
use myca_agents::protocol::{AgentTask, Artifact, ARTIFACTS_FIELD};
use myca_agents::streams::{self, StreamError};
use redis::aio::MultiplexedConnection;
use redis::streams::StreamId;
use redis::{AsyncConnectionConfig, Value as RedisValue};

use super::BrokerError;

/// A finished task as an agent reported it, with the files it produced and
/// the entry to acknowledge.
#[derive(Debug, Clone)]
pub struct TaskResult {
    pub entry_id: String,
    pub task: AgentTask,
    pub artifacts: Vec<Artifact>,
}

/// The entry's artifacts; an unreadable list is dropped (the task's result
/// still counts; its references then lead nowhere, which the API says).
fn artifacts(entry: &StreamId) -> Vec<Artifact> {
    let raw = match entry.map.get(ARTIFACTS_FIELD) {
        Some(RedisValue::BulkString(bytes)) => bytes.as_slice(),
        Some(RedisValue::SimpleString(text)) => text.as_bytes(),
        _ => return Vec::new(),
    };
    serde_json::from_slice(raw).unwrap_or_else(|error| {
        tracing::warn!(%error, entry_id = %entry.id, "dropping a result's unreadable artifacts");
        Vec::new()
    })
}

pub struct ResultConsumer {
    connection: MultiplexedConnection,
    consumer: String,
    /// Still reading results this consumer took before and never acknowledged.
    backlog: bool,
}

impl ResultConsumer {
    pub(super) async fn connect(
        client: &redis::Client,
        consumer: &str,
    ) -> Result<Self, BrokerError> {
        // Blocking reads outlast any response timeout, so this connection has none.
        let config = AsyncConnectionConfig::new()
            .set_response_timeout(None)
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let mut connection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        streams::ensure_group(&mut connection, RESULTS_STREAM, ORCHESTRATOR_GROUP).await?;
        Ok(Self {
            connection,
            consumer: consumer.to_owned(),
            backlog: true,
        })
    }

    /// Up to `count` new results, waiting at most `block` for the first.
    pub async fn next_batch(
        &mut self,
        count: usize,
        block: Duration,
    ) -> Result<Vec<TaskResult>, BrokerError> {
        let entries = if self.backlog {
            let pending = streams::read_own_pending(
                &mut self.connection,
                ORCHESTRATOR_GROUP,
                &self.consumer,
                &[RESULTS_STREAM],
                count,
            )
            .await?;
            self.backlog = !pending.is_empty();
            pending
        } else {
            streams::read_group(
                &mut self.connection,
                ORCHESTRATOR_GROUP,
                &self.consumer,
                &[RESULTS_STREAM],
                count,
                Some(block),
            )
            .await?
        };
        let mut results = Vec::with_capacity(entries.len());
        for (stream, entry) in entries {
            match streams::decode(&stream, &entry) {
                Ok(delivery) => results.push(TaskResult {
                    entry_id: delivery.entry_id,
                    task: delivery.task,
                    artifacts: artifacts(&entry),
                }),
                Err(error @ StreamError::Decode { .. }) => {
                    tracing::warn!(%error, "dropping a malformed result");
                    self.ack(&[entry.id]).await?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(results)
    }

    /// Acknowledges results once they are safely handled.
    pub async fn ack(&mut self, entry_ids: &[String]) -> Result<(), BrokerError> {
        if entry_ids.is_empty() {
            return Ok(());
        }
        let _: i64 = redis::cmd("XACK")
            .arg(RESULTS_STREAM)
            .arg(ORCHESTRATOR_GROUP)
            .arg(entry_ids)
            .query_async(&mut self.connection)
            .await?;
        Ok(())
    }
}
