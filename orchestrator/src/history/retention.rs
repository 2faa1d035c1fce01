//! Applies the retention settings on a schedule.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::store::{HistoryRetention, SnapshotRetention, Store};

/// How often old history is removed unless configured otherwise.
pub const DEFAULT_RETENTION_INTERVAL: Duration = Duration::from_secs(3600);

/// Removes old actions, metric samples, snapshots and expired knowledge
/// now and every `interval`, until the task is aborted.
pub fn start_retention(
    store: Store,
    history: HistoryRetention,
    snapshots: SnapshotRetention,
    interval: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let removed = async {
                Ok::<_, crate::store::StoreError>(
                    store.apply_retention(history).await?
                        + store.cleanup_snapshots(snapshots).await?
                        + store.purge_expired_knowledge().await?,
                )
            }
            .await;
            match removed {
                Ok(rows) => tracing::info!(rows, "retention applied"),
                Err(error) => tracing::warn!(%error, "retention not applied"),
            }
            tokio::time::sleep(interval).await;
        }
    })
}
