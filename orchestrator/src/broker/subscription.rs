//! Pub/sub channels (`mas:events`, `mas:broadcast`, heartbeats) as a stream
//! of messages, resubscribing after a Redis outage.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::BrokerError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessage {
    pub channel: String,
    pub payload: String,
}

const BUFFER: usize = 1024;
const RESUBSCRIBE_AFTER: Duration = Duration::from_millis(500);

/// Subscribes to `channels`; messages arrive on the receiver until it is
/// dropped. The first subscription must succeed; later outages are retried.
pub async fn subscribe(
    client: &redis::Client,
    channels: &[&str],
) -> Result<mpsc::Receiver<ChannelMessage>, BrokerError> {
    let channels: Vec<String> = channels.iter().map(|c| (*c).to_owned()).collect();
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(&channels).await?;
    let (sender, receiver) = mpsc::channel(BUFFER);
    let client = client.clone();
    tokio::spawn(async move {
        loop {
            {
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let forwarded = ChannelMessage {
                        channel: message.get_channel_name().to_owned(),
                        payload: message.get_payload().unwrap_or_default(),
                    };
                    if sender.send(forwarded).await.is_err() {
                        return;
                    }
                }
            }
            tracing::warn!(?channels, "subscription lost; resubscribing");
            pubsub = loop {
                if sender.is_closed() {
                    return;
                }
                tokio::time::sleep(RESUBSCRIBE_AFTER).await;
                let Ok(mut fresh) = client.get_async_pubsub().await else {
                    continue;
                };
                if fresh.subscribe(&channels).await.is_ok() {
                    break fresh;
                }
            };
        }
    });
    Ok(receiver)
}
