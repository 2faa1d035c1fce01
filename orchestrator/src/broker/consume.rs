//! The orchestrator's side of a request stream: read in group
//! `mas-orchestrator`, hand each entry to a handler, acknowledge it after,
//! and reconnect whenever Redis goes away.

use std::future::Future;
use std::time::Duration;

use myca_agents::protocol::names::ORCHESTRATOR_GROUP;
use myca_agents::streams::{self, StreamError};
use redis::streams::StreamId;
use redis::AsyncConnectionConfig;

const BLOCK: Duration = Duration::from_secs(1);
const BATCH: usize = 64;
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Runs until the calling task is aborted. An entry is acknowledged only
/// after `handle` returns, so a crash mid-way leaves it pending.
pub async fn consume_forever<F, Fut>(
    client: redis::Client,
    stream: &str,
    consumer: &str,
    mut handle: F,
) where
    F: FnMut(StreamId) -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        if let Err(error) = consume(&client, stream, consumer, &mut handle).await {
            tracing::warn!(%error, stream, "stream consumer lost Redis; reconnecting");
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

async fn consume<F, Fut>(
    client: &redis::Client,
    stream: &str,
    consumer: &str,
    handle: &mut F,
) -> Result<(), StreamError>
where
    F: FnMut(StreamId) -> Fut,
    Fut: Future<Output = ()>,
{
    // Blocking reads outlast any response timeout, so this connection has none.
    let config = AsyncConnectionConfig::new()
        .set_response_timeout(None)
        .set_connection_timeout(Some(Duration::from_secs(5)));
    let mut connection = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    streams::ensure_group(&mut connection, stream, ORCHESTRATOR_GROUP).await?;
    // What this consumer read before a crash or restart and never finished comes first.
    let mut backlog = true;
    loop {
        let entries = if backlog {
            let pending = streams::read_own_pending(
                &mut connection,
                ORCHESTRATOR_GROUP,
                consumer,
                &[stream],
                BATCH,
            )
            .await?;
            backlog = !pending.is_empty();
            pending
        } else {
            streams::read_group(
                &mut connection,
                ORCHESTRATOR_GROUP,
                consumer,
                &[stream],
                BATCH,
                Some(BLOCK),
            )
            .await?
        };
        for (_, entry) in entries {
            let id = entry.id.clone();
            handle(entry).await;
            redis::cmd("XACK")
                .arg(stream)
                .arg(ORCHESTRATOR_GROUP)
                .arg(&id)
                .query_async::<i64>(&mut connection)
                .await?;
        }
    }
}
