//! The history writer: drains the event bus's recorded lane into SQL in
//! batches, so no producer waits on a query.
//!
//! Every batch is one transaction. When the database is unreachable the
//! batch is retried with backoff and kept; meanwhile the bounded queue fills
//! and [`EventBus::record`](crate::events::EventBus::record) makes producers
//! wait: nothing is dropped and memory stays bounded. A row the database
//! rejects (a constraint) is the only thing given up on; it is counted and
//! logged without its contents.

mod retention;
mod rows;

pub use retention::{start_retention, DEFAULT_RETENTION_INTERVAL};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::events::Event;
use crate::scrub::Scrubber;
use crate::store::{HistoryRetention, SnapshotRetention, Store, StoreError};
use rows::Rows;

/// How the writer batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistorySettings {
    /// Events the recorded lane holds before producers wait.
    pub queue: usize,
    /// Rows written per transaction at most.
    pub batch_rows: usize,
    /// How long logs and metric samples are kept.
    pub retention: HistoryRetention,
    /// Which snapshots are kept.
    pub snapshots: SnapshotRetention,
}

impl Default for HistorySettings {
    fn default() -> Self {
        Self {
            queue: 10_000,
            batch_rows: 1_000,
            retention: HistoryRetention::default(),
            snapshots: SnapshotRetention::default(),
        }
    }
}

/// What the writer has done so far.
#[derive(Debug, Default)]
pub struct HistoryCounters {
    pub stored: AtomicU64,
    pub rejected: AtomicU64,
    pub batches: AtomicU64,
}

pub struct HistoryWriter {
    counters: Arc<HistoryCounters>,
    task: JoinHandle<()>,
}

const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

impl HistoryWriter {
    /// Starts writing what arrives on `events` (from [`EventBus::recorded`](crate::events::EventBus::recorded)).
    pub fn start(
        store: Store,
        mut events: mpsc::Receiver<Event>,
        scrubber: Scrubber,
        settings: HistorySettings,
    ) -> Self {
        let counters = Arc::new(HistoryCounters::default());
        let shared = Arc::clone(&counters);
        let task = tokio::spawn(async move {
            let batch_rows = settings.batch_rows.max(1);
            while let Some(first) = events.recv().await {
                let mut rows = Rows::default();
                rows.add(first, &scrubber);
                while rows.len() < batch_rows {
                    match events.try_recv() {
                        Ok(event) => rows.add(event, &scrubber),
                        Err(_) => break,
                    }
                }
                write_until_done(&store, rows, &shared).await;
            }
        });
        Self { counters, task }
    }

    pub fn counters(&self) -> &HistoryCounters {
        &self.counters
    }

    /// Waits until every event recorded before the bus was dropped is stored.
    pub async fn finish(self) -> Arc<HistoryCounters> {
        if let Err(error) = self.task.await {
            tracing::error!(%error, "history writer ended abnormally");
        }
        self.counters
    }
}

async fn write_until_done(store: &Store, mut rows: Rows, counters: &HistoryCounters) {
    let mut wait = RETRY_FIRST;
    loop {
        match write_pending(store, &mut rows, counters).await {
            Ok(()) => {
                counters.batches.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(StoreError::Sql(sqlx::Error::Database(error))) => {
                if rows.len() == 1 {
                    tracing::warn!(code = ?error.code(), "history row rejected by the database");
                    counters.rejected.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                // Find the rejected row by writing the rest one by one.
                for single in rows.into_singles() {
                    Box::pin(write_until_done(store, single, counters)).await;
                }
                return;
            }
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = wait.as_millis() as u64, "history batch not written; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_MAX);
            }
        }
    }
}

/// Writes each table's rows, forgetting those written, so a retry repeats nothing.
async fn write_pending(
    store: &Store,
    rows: &mut Rows,
    counters: &HistoryCounters,
) -> Result<(), StoreError> {
    let stored = |n: usize| counters.stored.fetch_add(n as u64, Ordering::Relaxed);
    store.insert_actions(&rows.actions).await?;
    stored(std::mem::take(&mut rows.actions).len());
    store.insert_metrics(&rows.metrics).await?;
    stored(std::mem::take(&mut rows.metrics).len());
    store.insert_messages(&rows.messages).await?;
    stored(std::mem::take(&mut rows.messages).len());
    Ok(())
}
