//! Putting back on Redis what it lost: tasks never queued, and queued tasks
//! whose stream entry vanished (Redis restarted without persistence) or that
//! were in flight when the orchestrator itself stopped.

use myca_agents::protocol::TaskStatus;

use super::{LedgerError, TaskLedger};
use crate::broker::{Broker, BrokerError};

/// Redis's `run_id`: a new one means a restarted server, whose streams may
/// have been lost.
#[derive(Debug, Default)]
pub struct RedisIdentity {
    run_id: Option<String>,
}

impl RedisIdentity {
    /// Reads the server's run id; true when it differs from the last one seen
    /// (and on the first look, when nothing was seen yet).
    pub async fn changed(&mut self, broker: &Broker) -> Result<bool, BrokerError> {
        let run_id = broker.run_id().await?;
        let changed = self.run_id.as_deref() != Some(run_id.as_str());
        self.run_id = Some(run_id);
        Ok(changed)
    }
}

impl TaskLedger {
    /// Queues every unsettled task broker `key` should hold but does not
    /// (and every task never queued); returns how many. A task whose result
    /// an agent already recorded is left for the results consumer. Delivery
    /// stays at least once: agents skip a task id whose result is recorded.
    pub async fn recover(&self, key: &str) -> Result<usize, LedgerError> {
        let broker = self.broker(key)?;
        let mut requeued = 0;
        for status in [TaskStatus::Pending, TaskStatus::Queued, TaskStatus::Running] {
            for entry in self.store.tasks_in(status).await? {
                let here = entry.broker.as_deref().is_none_or(|b| b == key);
                if !here {
                    continue;
                }
                let still_queued = match (&entry.stream, &entry.entry_id) {
                    (Some(stream), Some(entry_id)) if status != TaskStatus::Pending => {
                        broker.entry_exists(stream, entry_id).await?
                    }
                    _ => false,
                };
                if still_queued || broker.is_done(&entry.task.id).await? {
                    continue;
                }
                match self.enqueue(entry).await {
                    Ok(_) => requeued += 1,
                    // Settled or taken meanwhile: nothing to put back.
                    Err(error) if error.is_contended() => {}
                    Err(error) => return Err(error),
                }
            }
        }
        if requeued > 0 {
            tracing::info!(requeued, "tasks queued again from the ledger");
        }
        Ok(requeued)
    }
}
