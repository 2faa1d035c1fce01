//! Live streams reach the window in batches: one IPC message per interval
//! instead of one per log line or event keeps a flooding agent from
//! flooding the webview.

use std::time::Duration;

use futures_util::{Stream, StreamExt};

/// Whatever takes the batches; `false` means it is gone (the view closed).
pub trait BatchSink<T>: Send + 'static {
    fn deliver(&mut self, batch: Vec<T>) -> bool;
}

impl<T, F: FnMut(Vec<T>) -> bool + Send + 'static> BatchSink<T> for F {
    fn deliver(&mut self, batch: Vec<T>) -> bool {
        self(batch)
    }
}

/// A batch is sent early when it reaches this many items, so memory stays
/// bounded however fast the source is.
pub const MAX_BATCH: usize = 5_000;

/// Hands `source`'s items to `sink` at most once per `every` (or sooner
/// when [`MAX_BATCH`] items are waiting); ends when the source ends (after
/// a last batch) or the sink is gone.
pub async fn forward_in_batches<T>(
    source: impl Stream<Item = T>,
    every: Duration,
    mut sink: impl BatchSink<T>,
) {
    let mut source = std::pin::pin!(source);
    let mut batch = Vec::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            item = source.next() => match item {
                Some(item) => {
                    batch.push(item);
                    if batch.len() >= MAX_BATCH && !sink.deliver(std::mem::take(&mut batch)) {
                        return;
                    }
                }
                None => {
                    if !batch.is_empty() {
                        sink.deliver(batch);
                    }
                    return;
                }
            },
            _ = tick.tick() => {
                if !batch.is_empty() && !sink.deliver(std::mem::take(&mut batch)) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn every_item_arrives_once_in_order_in_bounded_batches() {
        let batches = Arc::new(Mutex::new(Vec::<Vec<u32>>::new()));
        let seen = Arc::clone(&batches);
        let source = futures_util::stream::iter(0..12_000u32);
        forward_in_batches(source, Duration::from_millis(50), move |batch| {
            seen.lock().unwrap().push(batch);
            true
        })
        .await;
        let batches = batches.lock().unwrap();
        assert!(batches
            .iter()
            .all(|b| !b.is_empty() && b.len() <= MAX_BATCH));
        let all: Vec<u32> = batches.iter().flatten().copied().collect();
        assert_eq!(all, (0..12_000).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_sink_that_is_gone_ends_the_forwarding() {
        let source = futures_util::stream::iter(0..20_000u32);
        let mut calls = 0;
        forward_in_batches(source, Duration::from_millis(50), move |_| {
            calls += 1;
            assert_eq!(calls, 1, "no batch after the sink said it is gone");
            false
        })
        .await;
    }
}
