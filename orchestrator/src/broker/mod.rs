//! The orchestrator's side of Redis: submit tasks, consume results, track
//! heartbeats, publish commands, listen to the fleet's channels.

mod consume;
mod heartbeats;
mod knowledge;
mod reply;
mod results;
mod subscription;
mod task_control;

use std::time::Duration;

use myca_agents::protocol::names::{
    agent_channel, agent_task_stream, task_done_key, type_task_stream, AGENTS_GROUP,
};
use myca_agents::protocol::{AgentCommand, AgentTask};
use myca_agents::streams::{self, StreamError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub use consume::consume_forever;
pub use heartbeats::{HeartbeatRecord, HeartbeatTracker};
pub use knowledge::serve_knowledge;
pub use reply::push_reply;
pub use results::{ResultConsumer, TaskResult};
pub use subscription::{subscribe, ChannelMessage};
pub use task_control::Withdrawal;

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error("cannot encode: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Where a submitted task was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub stream: String,
    pub entry_id: String,
}

#[derive(Clone)]
pub struct Broker {
    client: redis::Client,
    redis: ConnectionManager,
}

impl Broker {
    pub async fn connect(redis_url: &str) -> Result<Self, BrokerError> {
        let client = redis::Client::open(redis_url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(5)));
        let redis = ConnectionManager::new_with_config(client.clone(), config).await?;
        Ok(Self { client, redis })
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The shared connection (5 s response timeout: no blocking commands).
    pub fn connection(&self) -> ConnectionManager {
        self.redis.clone()
    }

    /// Queues a task for the agent named in `task.agent_id`.
    pub async fn submit_to_agent(&self, task: &AgentTask) -> Result<Submitted, BrokerError> {
        self.submit(agent_task_stream(&task.agent_id, task.priority), task)
            .await
    }

    /// Queues a task for whichever replica of `agent_type` takes it first.
    pub async fn submit_to_type(
        &self,
        agent_type: &str,
        task: &AgentTask,
    ) -> Result<Submitted, BrokerError> {
        self.submit(type_task_stream(agent_type, task.priority), task)
            .await
    }

    async fn submit(&self, stream: String, task: &AgentTask) -> Result<Submitted, BrokerError> {
        let mut redis = self.redis.clone();
        // The group exists before the first entry, so no agent misses it.
        streams::ensure_group(&mut redis, &stream, AGENTS_GROUP).await?;
        let entry_id = streams::enqueue(&mut redis, &stream, task).await?;
        Ok(Submitted { stream, entry_id })
    }

    /// Publishes a command on `agent:{id}`; returns how many agents heard it.
    pub async fn send_command(
        &self,
        agent_id: &str,
        command: AgentCommand,
    ) -> Result<u64, BrokerError> {
        let payload = serde_json::to_string(&command)?;
        Ok(redis::cmd("PUBLISH")
            .arg(agent_channel(agent_id))
            .arg(payload)
            .query_async(&mut self.redis.clone())
            .await?)
    }

    /// Removes a task's done marker, so its next delivery runs (a retry).
    pub async fn forget_done(&self, task_id: &uuid::Uuid) -> Result<(), BrokerError> {
        redis::cmd("DEL")
            .arg(task_done_key(task_id))
            .query_async::<i64>(&mut self.redis.clone())
            .await?;
        Ok(())
    }

    /// Whether an agent has recorded the task's result.
    pub async fn is_done(&self, task_id: &uuid::Uuid) -> Result<bool, BrokerError> {
        Ok(redis::cmd("EXISTS")
            .arg(task_done_key(task_id))
            .query_async(&mut self.redis.clone())
            .await?)
    }

    /// Whether `stream` still holds the entry (delivered or not).
    pub async fn entry_exists(&self, stream: &str, entry_id: &str) -> Result<bool, BrokerError> {
        let entries: Vec<redis::Value> = redis::cmd("XRANGE")
            .arg(stream)
            .arg(entry_id)
            .arg(entry_id)
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(!entries.is_empty())
    }

    /// Entries on an agent's own task streams not yet completed: waiting to
    /// be read (the group's lag) plus read and not acknowledged (pending).
    pub async fn queue_lag(&self, agent_id: &str) -> Result<u64, BrokerError> {
        self.streams_lag(
            myca_agents::protocol::TaskPriority::ALL
                .into_iter()
                .map(|p| agent_task_stream(agent_id, p)),
        )
        .await
    }

    /// The agent holding a delivered, unacknowledged entry (None when it
    /// waits to be read, or is done).
    pub async fn holder(
        &self,
        stream: &str,
        entry_id: &str,
    ) -> Result<Option<String>, BrokerError> {
        let pending: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
            .arg(stream)
            .arg(AGENTS_GROUP)
            .arg(entry_id)
            .arg(entry_id)
            .arg(1)
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(pending
            .into_iter()
            .next()
            .map(|(_, consumer, _, _)| consumer))
    }

    /// The server's run id, new after every restart.
    pub async fn run_id(&self) -> Result<String, BrokerError> {
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut self.redis.clone())
            .await?;
        Ok(info
            .lines()
            .find_map(|line| line.strip_prefix("run_id:"))
            .unwrap_or_default()
            .trim()
            .to_owned())
    }

    /// A consumer of `mas:results` in the orchestrator's group.
    pub async fn results(&self, consumer: &str) -> Result<ResultConsumer, BrokerError> {
        ResultConsumer::connect(&self.client, consumer).await
    }

    /// Starts tracking `orchestrator:heartbeats`.
    pub async fn heartbeats(&self) -> Result<HeartbeatTracker, BrokerError> {
        HeartbeatTracker::start(&self.client).await
    }
}
