use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{ProtocolError, TaskPriority};

string_enum! {
    /// Where a task is in its life; see docs/protocol.md for the transitions.
    TaskStatus("task status") {
        Pending = "pending",
        Queued = "queued",
        Running = "running",
        Completed = "completed",
        Failed = "failed",
        TimedOut = "timed_out",
        Cancelled = "cancelled",
        DeadLettered = "dead_lettered",
    }
}

impl TaskStatus {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Cancelled | TaskStatus::DeadLettered
        )
    }

    fn may_become(self, next: TaskStatus) -> bool {
        use TaskStatus::*;
        match (self, next) {
            // Failed before running: no live agent took it before its wait deadline.
            (Pending, Queued | Running | Failed | Cancelled) => true,
            (Queued, Running | Failed | Cancelled | DeadLettered) => true,
            (Running, Completed | Failed | TimedOut | Cancelled | Queued) => true,
            // A failed or timed-out attempt is retried (queued again), given
            // up on, or cancelled while it waits for its retry.
            (Failed | TimedOut, Queued | DeadLettered | Cancelled) => true,
            _ => false,
        }
    }

    /// One step of the task state machine: `Ok(next)` when `self` may become
    /// `next`, else [`ProtocolError::IllegalTransition`].
    pub fn step(self, task_id: Uuid, next: TaskStatus) -> Result<TaskStatus, ProtocolError> {
        if self.may_become(next) {
            Ok(next)
        } else {
            Err(ProtocolError::IllegalTransition {
                task_id,
                from: self,
                to: next,
            })
        }
    }
}

pub const DEFAULT_TASK_TIMEOUT_SECONDS: u64 = 300;
pub const DEFAULT_MAX_RETRIES: u32 = 3;

fn default_timeout() -> u64 {
    DEFAULT_TASK_TIMEOUT_SECONDS
}

fn default_max_retries() -> u32 {
    DEFAULT_MAX_RETRIES
}

fn default_status() -> TaskStatus {
    TaskStatus::Pending
}

/// A unit of work for one agent, as the seed's `AgentTask`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentTask {
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    pub agent_id: String,
    pub task_type: String,
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub priority: TaskPriority,
    #[serde(default = "Utc::now")]
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default = "default_status")]
    pub status: TaskStatus,
    #[serde(default)]
    pub result: Option<Value>,
    #[serde(default)]
    pub error: Option<String>,
    /// Seconds the task may run before it is cancelled as timed out.
    #[serde(default = "default_timeout")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub timeout: u64,
    #[serde(default)]
    pub retries: u32,
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    #[serde(default)]
    pub requester_agent: Option<String>,
}

impl AgentTask {
    pub fn new(agent_id: impl Into<String>, task_type: impl Into<String>, payload: Value) -> Self {
        Self {
            id: Uuid::new_v4(),
            agent_id: agent_id.into(),
            task_type: task_type.into(),
            payload,
            priority: TaskPriority::default(),
            created_at: Utc::now(),
            started_at: None,
            completed_at: None,
            status: TaskStatus::Pending,
            result: None,
            error: None,
            timeout: DEFAULT_TASK_TIMEOUT_SECONDS,
            retries: 0,
            max_retries: DEFAULT_MAX_RETRIES,
            requester_agent: None,
        }
    }

    /// Moves the task to `next` if the state machine allows it; every status
    /// change of a task goes through here.
    pub fn transition(&mut self, next: TaskStatus) -> Result<(), ProtocolError> {
        self.status = self.status.step(self.id, next)?;
        Ok(())
    }

    pub fn mark_queued(&mut self) -> Result<(), ProtocolError> {
        self.transition(TaskStatus::Queued)
    }

    pub fn mark_running(&mut self, now: DateTime<Utc>) -> Result<(), ProtocolError> {
        self.transition(TaskStatus::Running)?;
        self.started_at = Some(now);
        self.completed_at = None;
        Ok(())
    }

    pub fn mark_completed(
        &mut self,
        result: Value,
        now: DateTime<Utc>,
    ) -> Result<(), ProtocolError> {
        self.transition(TaskStatus::Completed)?;
        self.result = Some(result);
        self.error = None;
        self.completed_at = Some(now);
        Ok(())
    }

    pub fn mark_failed(
        &mut self,
        error: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<(), ProtocolError> {
        self.transition(TaskStatus::Failed)?;
        self.error = Some(error.into());
        self.completed_at = Some(now);
        Ok(())
    }

    pub fn mark_timed_out(&mut self, now: DateTime<Utc>) -> Result<(), ProtocolError> {
        self.transition(TaskStatus::TimedOut)?;
        self.error = Some(format!("timed out after {} s", self.timeout));
        self.completed_at = Some(now);
        Ok(())
    }

    /// Queues a failed or timed-out task again while retries remain, and
    /// dead-letters it when they are used up. Returns the new status.
    pub fn retry_or_dead_letter(&mut self) -> Result<TaskStatus, ProtocolError> {
        if self.retries < self.max_retries {
            self.transition(TaskStatus::Queued)?;
            self.retries += 1;
        } else {
            self.transition(TaskStatus::DeadLettered)?;
        }
        Ok(self.status)
    }
}
