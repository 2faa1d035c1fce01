//! One change to a task: read from the store, moved through the task state
//! machine, written back as a compare-and-set on the status and attempt it
//! was read with.

use chrono::{DateTime, Utc};
use myca_agents::protocol::{TaskStatus, DEFAULT_TASK_TIMEOUT_SECONDS};

use super::{retry_delay, LedgerError};
use crate::store::{LedgerEntry, NewAudit, Store};

pub(super) struct Change {
    pub entry: LedgerEntry,
    /// The statuses passed through, starting with the stored one.
    path: Vec<TaskStatus>,
    /// The attempt it was read at: a write racing a newer attempt's must lose.
    read_retries: u32,
    /// What the audit trail records with the change, written with it.
    pub audit: Option<NewAudit>,
}

impl Change {
    pub fn of(entry: LedgerEntry) -> Self {
        let path = vec![entry.task.status];
        Self {
            read_retries: entry.task.retries,
            entry,
            path,
            audit: None,
        }
    }

    pub fn status(&self) -> TaskStatus {
        self.entry.task.status
    }

    /// One step of the task state machine; an illegal one changes nothing.
    /// A failed attempt queued again starts the next attempt.
    pub fn to(&mut self, next: TaskStatus) -> Result<(), LedgerError> {
        let retrying = matches!(self.status(), TaskStatus::Failed | TaskStatus::TimedOut)
            && next == TaskStatus::Queued;
        self.entry.task.transition(next).map_err(|error| {
            tracing::warn!(%error, "illegal task transition refused");
            LedgerError::IllegalTransition(error)
        })?;
        if retrying {
            self.entry.task.retries += 1;
            self.entry.task.result = None;
        }
        self.path.push(next);
        Ok(())
    }

    /// Records why no agent takes the task, or clears it. The deadline is
    /// set when the reason first appears and kept while it lasts: the wait
    /// timer of one attempt is the task's `timeout`.
    pub fn wait_for(&mut self, reason: Option<String>, now: DateTime<Utc>) {
        match reason {
            None => {
                self.entry.waiting_reason = None;
                self.entry.wait_deadline = None;
            }
            Some(reason) => {
                let timeout = match self.entry.task.timeout {
                    0 => DEFAULT_TASK_TIMEOUT_SECONDS,
                    seconds => seconds,
                };
                let patience =
                    chrono::Duration::seconds(i64::try_from(timeout).unwrap_or(i64::MAX));
                self.entry.wait_deadline = Some(self.entry.wait_deadline.unwrap_or(now + patience));
                self.entry.waiting_reason = Some(reason);
            }
        }
    }

    /// Ends the attempt as `outcome` (failed or timed out) with `error`:
    /// tried again after its backoff while retries remain, else dead-lettered.
    pub fn fail(
        &mut self,
        outcome: TaskStatus,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), LedgerError> {
        self.to(outcome)?;
        self.wait_for(None, now);
        let task = &mut self.entry.task;
        task.error = Some(error);
        task.completed_at.get_or_insert(now);
        if task.retries >= task.max_retries {
            self.entry.next_attempt_at = None;
            return self.to(TaskStatus::DeadLettered);
        }
        self.entry.next_attempt_at =
            Some(now + chrono::Duration::from_std(retry_delay(task.retries)).unwrap_or_default());
        Ok(())
    }

    pub async fn save(mut self, store: &Store) -> Result<LedgerEntry, LedgerError> {
        self.entry.updated_at = Utc::now();
        store
            .update_task_audited(
                &self.entry,
                &self.path,
                self.read_retries,
                self.audit.as_ref(),
            )
            .await?;
        Ok(self.entry)
    }
}
