//! Cancelling tasks this agent holds: a `cancel` command wakes the task's
//! executor, which aborts the handler and records the task as cancelled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use uuid::Uuid;

/// One signal per task held here (waiting for a slot or running).
#[derive(Default)]
pub struct Cancellations {
    signals: Mutex<HashMap<Uuid, Arc<Notify>>>,
}

impl Cancellations {
    pub fn register(&self, task_id: Uuid) {
        self.lock().insert(task_id, Arc::new(Notify::new()));
    }

    pub fn forget(&self, task_id: &Uuid) {
        self.lock().remove(task_id);
    }

    /// The signal the task's executor waits on. A cancel that came before
    /// the wait is kept (a stored permit), so it is never missed.
    pub fn signal(&self, task_id: &Uuid) -> Arc<Notify> {
        self.lock().entry(*task_id).or_default().clone()
    }

    /// Signals the task; false when this agent does not hold it.
    pub fn cancel(&self, task_id: &Uuid) -> bool {
        match self.lock().get(task_id) {
            Some(signal) => {
                signal.notify_one();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Uuid, Arc<Notify>>> {
        // A panic while holding this lock leaves the map itself consistent.
        self.signals.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancel_reaches_only_held_tasks_even_before_their_wait() {
        let cancellations = Cancellations::default();
        let held = Uuid::new_v4();
        assert!(!cancellations.cancel(&held), "not held yet");
        cancellations.register(held);
        // Cancelled before the executor waits: the wait still ends.
        assert!(cancellations.cancel(&held));
        cancellations.signal(&held).notified().await;
        cancellations.forget(&held);
        assert!(!cancellations.cancel(&held), "released");
    }
}
