//! Cancelling a task: `cancelled` in the ledger (final), taken back from
//! its stream if nobody has read it, and dropped by the agent that holds it.

use chrono::Utc;
use myca_agents::protocol::{AgentCommand, TaskStatus};
use uuid::Uuid;

use super::change::Change;
use super::{LedgerError, TaskLedger, CONTENDED_WRITES};
use crate::broker::Withdrawal;
use crate::store::LedgerEntry;

impl TaskLedger {
    /// Cancels a task that has not settled; a settled one is
    /// [`LedgerError::Settled`]. A result the agent reports later is ignored.
    pub async fn cancel(&self, task_id: Uuid) -> Result<LedgerEntry, LedgerError> {
        let mut marked = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let entry = self
                .store
                .task(task_id)
                .await?
                .ok_or(LedgerError::NotFound(task_id))?;
            if entry.task.status.is_final() {
                return Err(LedgerError::Settled {
                    task_id,
                    status: entry.task.status,
                });
            }
            // First, so an agent about to start it drops it instead; a task
            // never queued (Redis was away) has no agent to tell.
            if !marked && entry.stream.is_some() {
                self.broker_of(&entry)?.mark_cancelled(&task_id).await?;
                marked = true;
            }
            let holder = self.take_back(&entry).await?;
            let mut change = Change::of(entry);
            change.to(TaskStatus::Cancelled)?;
            let now = Utc::now();
            change.wait_for(None, now);
            change.entry.next_attempt_at = None;
            change.entry.task.error = Some("cancelled".into());
            change.entry.task.completed_at = Some(now);
            match change.save(&self.store).await {
                Ok(cancelled) => {
                    tracing::info!(%task_id, "task cancelled");
                    // Only now: the agent's answer must find the task cancelled.
                    if let Some(agent_id) = holder {
                        if let Err(error) = self.tell_to_drop(&cancelled, &agent_id).await {
                            // Cancelled all the same: whatever it reports is ignored.
                            tracing::warn!(%error, %task_id, %agent_id, "the agent holding the task was not told");
                        }
                    }
                    return Ok(cancelled);
                }
                // Changed meanwhile (taken, settled): decide again on the fresh state.
                Err(error) if error.is_contended() && attempt < CONTENDED_WRITES => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Takes the task's entry back unless an agent has read it; returns
    /// the agent holding it, if one does.
    async fn take_back(&self, entry: &LedgerEntry) -> Result<Option<String>, LedgerError> {
        let (Some(stream), Some(entry_id)) = (&entry.stream, &entry.entry_id) else {
            return Ok(None);
        };
        Ok(
            match self.broker_of(entry)?.withdraw(stream, entry_id).await? {
                Withdrawal::Held(agent_id) => Some(agent_id),
                Withdrawal::Withdrawn | Withdrawal::Gone => None,
            },
        )
    }

    async fn tell_to_drop(&self, entry: &LedgerEntry, agent_id: &str) -> Result<(), LedgerError> {
        let task_id = entry.task.id;
        let heard = self
            .broker_of(entry)?
            .send_command(agent_id, AgentCommand::Cancel { task_id })
            .await?;
        tracing::info!(%task_id, %agent_id, heard, "told the agent to drop the task");
        Ok(())
    }
}
