//! Messages from other agents (routed by the orchestrator to
//! `mas:inbox:{id}`): a `request` names a task type in its payload and is
//! answered with a `response` carrying the same correlation; a message that
//! asks for it is acknowledged; a `response` goes to the handler that asked
//! (see [`super::peers`]); an expired one is dropped.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::AsyncConnectionConfig;
use serde_json::{json, Value};
use tokio::sync::watch;
use tracing::{info, warn};

use super::artifacts::Artifacts;
use super::backoff::Backoff;
use super::consumer::wait_or_shutdown;
use super::executor::{run_handler, Launch, RunOutcome};
use super::handlers::Registry;
use super::memory::Memory;
use super::state::Shared;
use crate::protocol::names::{inbox_stream, AGENTS_GROUP, MESSAGES_STREAM, MESSAGE_FIELD};
use crate::protocol::{AgentMessage, AgentTask, MessageType};
use crate::streams::{self, StreamError};

const BLOCK: Duration = Duration::from_secs(1);

/// Sends a message through the orchestrator.
pub async fn send(
    redis: &mut ConnectionManager,
    message: &AgentMessage,
) -> redis::RedisResult<String> {
    redis::cmd("XADD")
        .arg(MESSAGES_STREAM)
        .arg("*")
        .arg(MESSAGE_FIELD)
        .arg(serde_json::to_string(message).unwrap_or_default())
        .query_async(redis)
        .await
}

#[derive(Clone)]
pub struct Inbox {
    pub shared: Arc<Shared>,
    pub registry: Arc<Registry>,
    pub client: redis::Client,
    pub redis: ConnectionManager,
    pub memory: Memory,
}

impl Inbox {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let stream = inbox_stream(&self.shared.config.agent_id);
        let mut backoff = Backoff::new();
        let mut reader: Option<MultiplexedConnection> = None;
        while !*shutdown.borrow() {
            let connection = match reader.as_mut() {
                Some(connection) => connection,
                None => match self.connect(&stream).await {
                    Ok(connection) => reader.insert(connection),
                    Err(error) => {
                        warn!(%error, "inbox unavailable; retrying");
                        wait_or_shutdown(&mut shutdown, backoff.step()).await;
                        continue;
                    }
                },
            };
            let agent_id = self.shared.config.agent_id.clone();
            let streams = [stream.as_str()];
            let read = tokio::select! {
                read = streams::read_group(connection, AGENTS_GROUP, &agent_id, &streams, 16, Some(BLOCK)) => read,
                _ = shutdown.changed() => break,
            };
            match read {
                Ok(entries) => {
                    backoff.reset();
                    for (_, entry) in entries {
                        if let Some(message) = entry
                            .get::<String>(MESSAGE_FIELD)
                            .and_then(|raw| serde_json::from_str::<AgentMessage>(&raw).ok())
                        {
                            self.handle(message).await;
                        } else {
                            warn!(entry_id = %entry.id, "dropping a malformed message");
                        }
                        let acked: redis::RedisResult<i64> = redis::cmd("XACK")
                            .arg(&stream)
                            .arg(AGENTS_GROUP)
                            .arg(&entry.id)
                            .query_async(&mut self.redis.clone())
                            .await;
                        if let Err(error) = acked {
                            warn!(%error, "message not acknowledged on the stream");
                        }
                    }
                }
                Err(error) => {
                    reader = None;
                    warn!(%error, "inbox read failed; reconnecting");
                    wait_or_shutdown(&mut shutdown, backoff.step()).await;
                }
            }
        }
    }

    async fn connect(&self, stream: &str) -> Result<MultiplexedConnection, StreamError> {
        let config = AsyncConnectionConfig::new()
            .set_response_timeout(None)
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let mut connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        streams::ensure_group(&mut connection, stream, AGENTS_GROUP).await?;
        Ok(connection)
    }

    async fn handle(&self, message: AgentMessage) {
        if message.is_expired(Utc::now()) {
            info!(message_id = %message.id, "dropping an expired message");
            return;
        }
        info!(message_id = %message.id, from = %message.from_agent, kind = %message.message_type, "message received");
        if message.requires_ack {
            let mut ack = message.reply(json!({}));
            ack.message_type = MessageType::Ack;
            self.reply(&ack).await;
        }
        match message.message_type {
            MessageType::Response if !self.shared.peers.answered(&message) => {
                info!(message_id = %message.id, "response to nothing this agent waits for");
            }
            // Answered on its own task: a handler that asks another agent in
            // turn must not hold up the inbox its own answer arrives in.
            MessageType::Request => {
                let inbox = self.clone();
                tokio::spawn(async move {
                    let answer = message.reply(inbox.answer(&message).await);
                    inbox.reply(&answer).await;
                });
            }
            _ => {}
        }
    }

    async fn reply(&self, reply: &AgentMessage) {
        if let Err(error) = send(&mut self.redis.clone(), reply).await {
            warn!(%error, "reply not sent");
        }
    }

    /// Runs the request's `task_type` with the request's payload.
    async fn answer(&self, request: &AgentMessage) -> Value {
        let Some(task_type) = request.payload.get("task_type").and_then(Value::as_str) else {
            return json!({ "error": "a request needs a `task_type` in its payload" });
        };
        // `task_type` addresses the request; the task type's payload is the rest.
        let mut payload = request.payload.clone();
        if let Some(fields) = payload.as_object_mut() {
            fields.remove("task_type");
        }
        let mut task = AgentTask::new(&self.shared.config.agent_id, task_type, payload);
        task.timeout = 0;
        task.requester_agent = Some(request.from_agent.clone());
        // A request is not a ledger task: nothing can cancel it, and it has
        // no result record for artifacts to travel with (they are dropped).
        let never = std::future::pending();
        let launch = Launch {
            shared: &self.shared,
            registry: &self.registry,
            memory: self.memory.clone(),
            artifacts: Artifacts::default(),
        };
        match run_handler(launch, &task, never).await {
            RunOutcome::Completed(result) => json!({ "result": result }),
            RunOutcome::Failed(error) => json!({ "error": error }),
            RunOutcome::TimedOut(limit) => {
                json!({ "error": format!("timed out after {} s", limit.as_secs()) })
            }
            RunOutcome::Cancelled => json!({ "error": "cancelled" }),
        }
    }
}
