//! The task ledger: every task is written to SQL before its submitter gets
//! an answer, queued on Redis, and followed to its end from the agents'
//! results — retried with exponential backoff, dead-lettered after
//! `max_retries`, and queued again when Redis lost it.

mod recovery;
mod routing;
mod worker;

use std::time::Duration;

use chrono::Utc;
use myca_agents::protocol::{AgentTask, TaskStatus};
use uuid::Uuid;

use crate::broker::{Broker, BrokerError};
use crate::events::{Event, EventBus};
use crate::store::{LedgerEntry, Route, Store, StoreError};

pub use recovery::RedisIdentity;
pub use routing::{resolve, RoutingError};
pub use worker::start_ledger;

/// First retry delay; each further retry waits twice as long, up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(1);
pub const RETRY_MAX: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("a task with id {0} exists already")]
    Duplicate(Uuid),
    #[error(transparent)]
    Routing(#[from] RoutingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
}

/// How long attempt `retries + 1` waits after attempt `retries` failed.
pub fn retry_delay(retries: u32) -> Duration {
    RETRY_FIRST
        .saturating_mul(2u32.saturating_pow(retries))
        .min(RETRY_MAX)
}

#[derive(Clone)]
pub struct TaskLedger {
    store: Store,
    broker: Broker,
    bus: EventBus,
}

impl TaskLedger {
    pub fn new(store: Store, broker: Broker, bus: EventBus) -> Self {
        Self { store, broker, bus }
    }

    /// Records the task, then queues it. When Redis cannot take it now the
    /// task stays `pending` in the ledger and recovery queues it later; the
    /// submitter's answer does not depend on Redis.
    pub async fn submit(
        &self,
        mut task: AgentTask,
        route: Route,
    ) -> Result<LedgerEntry, LedgerError> {
        if self.store.task(task.id).await?.is_some() {
            return Err(LedgerError::Duplicate(task.id));
        }
        task.status = TaskStatus::Pending;
        if let Route::Agent(agent_id) = &route {
            task.agent_id = agent_id.clone();
        }
        let mut entry = LedgerEntry {
            task,
            route,
            stream: None,
            entry_id: None,
            next_attempt_at: None,
            updated_at: Utc::now(),
        };
        self.store.insert_task(&entry).await?;
        if let Err(error) = self.enqueue(&mut entry).await {
            tracing::warn!(%error, task_id = %entry.task.id, "task kept pending: not queued yet");
        }
        Ok(entry)
    }

    /// Queues the entry on its route's stream and records where.
    async fn enqueue(&self, entry: &mut LedgerEntry) -> Result<(), LedgerError> {
        let agent_type = resolve(&entry.route)?;
        let submitted = match &agent_type {
            None => self.broker.submit_to_agent(&entry.task).await?,
            Some(agent_type) => self.broker.submit_to_type(agent_type, &entry.task).await?,
        };
        entry.task.status = TaskStatus::Queued;
        entry.stream = Some(submitted.stream);
        entry.entry_id = Some(submitted.entry_id);
        entry.next_attempt_at = None;
        entry.updated_at = Utc::now();
        self.store.save_task(entry).await?;
        Ok(())
    }

    /// The task as the ledger knows it. A queued task an agent has taken
    /// (its entry pending on that agent's consumer) is recorded as running.
    pub async fn task(&self, id: Uuid) -> Result<Option<LedgerEntry>, LedgerError> {
        let Some(mut entry) = self.store.task(id).await? else {
            return Ok(None);
        };
        if entry.task.status == TaskStatus::Queued {
            if let (Some(stream), Some(entry_id)) = (&entry.stream, &entry.entry_id) {
                if let Ok(Some(agent_id)) = self.broker.holder(stream, entry_id).await {
                    entry.task.status = TaskStatus::Running;
                    entry.task.agent_id = agent_id;
                    entry.updated_at = Utc::now();
                    self.store.save_task(&entry).await?;
                }
            }
        }
        Ok(Some(entry))
    }

    /// Applies an agent's reported outcome; returns the ledger's new state
    /// (`None` for a task the ledger never had, which is ignored).
    pub async fn record_result(
        &self,
        reported: AgentTask,
    ) -> Result<Option<LedgerEntry>, LedgerError> {
        let Some(mut entry) = self.store.task(reported.id).await? else {
            tracing::warn!(task_id = %reported.id, "result for a task not in the ledger");
            return Ok(None);
        };
        if entry.task.status.is_final() {
            // A redelivered result of a task already settled.
            return Ok(Some(entry));
        }
        let now = Utc::now();
        entry.task.agent_id = reported.agent_id.clone();
        entry.task.started_at = reported.started_at;
        entry.task.completed_at = reported.completed_at.or(Some(now));
        entry.task.result = reported.result.clone();
        entry.task.error = reported.error.clone();
        entry.task.status = match reported.status {
            TaskStatus::Completed => TaskStatus::Completed,
            TaskStatus::Failed | TaskStatus::TimedOut
                if entry.task.retries >= entry.task.max_retries =>
            {
                TaskStatus::DeadLettered
            }
            TaskStatus::TimedOut => TaskStatus::TimedOut,
            _ => TaskStatus::Failed,
        };
        entry.next_attempt_at =
            matches!(entry.task.status, TaskStatus::Failed | TaskStatus::TimedOut).then(|| {
                now + chrono::Duration::from_std(retry_delay(entry.task.retries))
                    .unwrap_or_default()
            });
        entry.updated_at = now;
        self.store.save_task(&entry).await?;
        self.bus
            .record(Event::TaskFinished { task: reported })
            .await;
        Ok(Some(entry))
    }

    /// Queues every failed attempt whose retry is due; returns how many.
    pub async fn retry_due(&self) -> Result<usize, LedgerError> {
        let due = self.store.due_retries(Utc::now()).await?;
        for mut entry in due.iter().cloned() {
            entry.task.retries += 1;
            entry.task.result = None;
            // The agent skips a task whose done marker exists; this attempt must run.
            self.broker.forget_done(&entry.task.id).await?;
            self.enqueue(&mut entry).await?;
        }
        Ok(due.len())
    }
}
