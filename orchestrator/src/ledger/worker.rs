//! The ledger's background work: results in from every broker, retries
//! out, waiting tasks watched, and recovery whenever a broker comes back as
//! a new server.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::{RedisIdentity, TaskLedger};
use crate::broker::{Broker, ResultConsumer};

const RESULTS_BATCH: usize = 256;
const RESULTS_WAIT: Duration = Duration::from_millis(500);
/// How often due retries, waiting tasks and the Redis identity are checked.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(1);
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Reads broker `key`'s results into the ledger until the returned task is
/// aborted. Whenever that Redis is a new server (first look included) it
/// is given back what the ledger holds for it (an orchestrator or Redis
/// restart).
pub fn start_results(
    ledger: TaskLedger,
    key: String,
    broker: Broker,
    consumer: String,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut identity = RedisIdentity::default();
        let mut results: Option<ResultConsumer> = None;
        let mut next_look = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_look {
                recover_when_new(&ledger, &key, &broker, &mut identity, &mut results).await;
                next_look = tokio::time::Instant::now() + HOUSEKEEPING_EVERY;
            }
            let consumer_ready = match results.as_mut() {
                Some(consumer) => consumer,
                None => match broker.results(&consumer).await {
                    Ok(connected) => results.insert(connected),
                    Err(error) => {
                        tracing::warn!(%error, broker = %key, "cannot read results; retrying");
                        tokio::time::sleep(RECONNECT_AFTER).await;
                        continue;
                    }
                },
            };
            match consumer_ready.next_batch(RESULTS_BATCH, RESULTS_WAIT).await {
                Ok(batch) => {
                    let read = batch.len();
                    let mut handled = Vec::with_capacity(read);
                    for result in batch {
                        match ledger
                            .record_result(result.task, &result.artifacts, &key)
                            .await
                        {
                            Ok(_) => handled.push(result.entry_id),
                            // Left pending: read again after a reconnect.
                            Err(error) => tracing::warn!(%error, "result not recorded yet"),
                        }
                    }
                    if let Err(error) = consumer_ready.ack(&handled).await {
                        tracing::warn!(%error, "results not acknowledged");
                    }
                    if handled.len() < read {
                        // The store is away: the rest come back as backlog; do not spin.
                        tokio::time::sleep(RECONNECT_AFTER).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, broker = %key, "results stream unavailable; reconnecting");
                    results = None;
                    tokio::time::sleep(RECONNECT_AFTER).await;
                }
            }
        }
    })
}

/// Queues due retries and keeps waiting tasks' reasons current, for every
/// broker at once, until the returned task is aborted.
pub fn start_housekeeping(ledger: TaskLedger) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(HOUSEKEEPING_EVERY).await;
            if let Err(error) = ledger.retry_due().await {
                tracing::warn!(%error, "due retries not queued yet");
            }
            if let Err(error) = ledger.watch_waiting().await {
                tracing::warn!(%error, "waiting tasks not looked at this round");
            }
        }
    })
}

async fn recover_when_new(
    ledger: &TaskLedger,
    key: &str,
    broker: &Broker,
    identity: &mut RedisIdentity,
    results: &mut Option<ResultConsumer>,
) {
    match identity.changed(broker).await {
        Ok(true) => {
            // A new server has no consumer group either: connect afresh.
            *results = None;
            if let Err(error) = ledger.recover(key).await {
                tracing::warn!(%error, broker = %key, "ledger recovery incomplete; retrying later");
                *identity = RedisIdentity::default();
            }
        }
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, broker = %key, "cannot read Redis's identity"),
    }
}
