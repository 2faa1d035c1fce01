//! The live streams the window holds open, so a closed view can end its
//! own (and a stream whose view went away without saying ends itself, when
//! its sink refuses a batch).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use tokio::task::{AbortHandle, JoinHandle};

#[derive(Default)]
pub struct Subscriptions {
    next: AtomicU32,
    live: Mutex<HashMap<u32, AbortHandle>>,
}

impl Subscriptions {
    /// Keeps `task` under a new id.
    pub fn add(&self, task: JoinHandle<()>) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|_, handle| !handle.is_finished());
        live.insert(id, task.abort_handle());
        id
    }

    /// Ends subscription `id`; false when there was none (already ended).
    pub fn end(&self, id: u32) -> bool {
        let handle = self
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        handle.map(|h| h.abort()).is_some()
    }

    pub fn count(&self) -> usize {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|_, handle| !handle.is_finished());
        live.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_ended_subscription_stops_its_task() {
        let subscriptions = Subscriptions::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let id = subscriptions.add(tokio::spawn(async move {
            let _keep = tx;
            std::future::pending::<()>().await;
        }));
        assert_eq!(subscriptions.count(), 1);
        assert!(subscriptions.end(id));
        // The task dropped its sender when it was aborted.
        assert!(rx.await.is_err());
        assert!(!subscriptions.end(id));
        assert_eq!(subscriptions.count(), 0);
    }
}
