//! The agent's side channels: commands on `agent:{id}`, heartbeats, and
//! snapshots.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde_json::json;
use tokio::sync::watch;
use tracing::{info, warn};
use uuid::Uuid;

use super::backoff::Backoff;
use super::consumer::wait_or_shutdown;
use super::memory::conversation;
use super::state::Shared;
use crate::protocol::names::{agent_channel, AGENTS_GROUP, HEARTBEATS_CHANNEL, SNAPSHOTS_STREAM};
use crate::protocol::{AgentCommand, AgentSnapshot};

/// The shortest gap between heartbeats sent for finished tasks.
const COUNTS_BEAT_GAP: Duration = Duration::from_secs(1);

/// Publishes a heartbeat every HEARTBEAT_INTERVAL (and soon after a status
/// change or a finished task) and keeps this agent's in-flight entries
/// fresh, so other replicas do not reclaim live work.
pub async fn heartbeats(
    shared: Arc<Shared>,
    mut redis: ConnectionManager,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        let beaten = Instant::now();
        let beat = serde_json::to_string(&shared.heartbeat()).unwrap_or_default();
        let published: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(HEARTBEATS_CHANNEL)
            .arg(beat)
            .query_async(&mut redis)
            .await;
        match published {
            Ok(_) => {
                shared.redis_healthy.store(true, Ordering::Relaxed);
                touch_in_flight(&shared, &mut redis).await;
            }
            Err(error) => {
                warn!(%error, "heartbeat not published");
                shared.redis_healthy.store(false, Ordering::Relaxed);
            }
        }
        tokio::select! {
            _ = wait_or_shutdown(&mut shutdown, shared.config.heartbeat_interval) => {}
            _ = shared.beat_now.notified() => {}
            _ = shared.counts_changed.notified() => {
                let gap = COUNTS_BEAT_GAP.saturating_sub(beaten.elapsed());
                wait_or_shutdown(&mut shutdown, gap).await;
            }
        }
    }
}

async fn touch_in_flight(shared: &Shared, redis: &mut ConnectionManager) {
    for delivery in shared.in_flight() {
        // XCLAIM to ourselves with JUSTID resets the entry's idle time.
        let touched: redis::RedisResult<redis::Value> = redis::cmd("XCLAIM")
            .arg(&delivery.stream)
            .arg(AGENTS_GROUP)
            .arg(&shared.config.agent_id)
            .arg(0)
            .arg(&delivery.entry_id)
            .arg("JUSTID")
            .query_async(redis)
            .await;
        if let Err(error) = touched {
            warn!(%error, task_id = %delivery.task.id, "could not refresh an in-flight entry");
        }
    }
}

/// Obeys pause / resume / stop / snapshot / cancel published on `agent:{id}`,
/// resubscribing after a Redis outage.
pub async fn commands(
    shared: Arc<Shared>,
    client: redis::Client,
    redis: ConnectionManager,
    capabilities: Vec<String>,
    stop: watch::Sender<bool>,
) {
    let channel = agent_channel(&shared.config.agent_id);
    let mut shutdown = stop.subscribe();
    let mut backoff = Backoff::new();
    while !*shutdown.borrow() {
        let mut pubsub = match client.get_async_pubsub().await {
            Ok(pubsub) => pubsub,
            Err(error) => {
                warn!(%error, "cannot subscribe to commands; retrying");
                wait_or_shutdown(&mut shutdown, backoff.step()).await;
                continue;
            }
        };
        if let Err(error) = pubsub.subscribe(&channel).await {
            warn!(%error, "cannot subscribe to commands; retrying");
            wait_or_shutdown(&mut shutdown, backoff.step()).await;
            continue;
        }
        backoff.reset();
        shared.listening.store(true, Ordering::Relaxed);
        let mut messages = pubsub.on_message();
        loop {
            let message = tokio::select! {
                message = messages.next() => message,
                _ = shutdown.changed() => return,
            };
            let Some(message) = message else { break };
            let payload: String = message.get_payload().unwrap_or_default();
            match serde_json::from_str::<AgentCommand>(&payload) {
                Ok(command) => obey(&shared, &redis, &capabilities, &stop, command).await,
                Err(error) => warn!(%error, "ignoring an unknown command"),
            }
        }
        shared.listening.store(false, Ordering::Relaxed);
        warn!("command subscription lost; resubscribing");
    }
}

async fn obey(
    shared: &Shared,
    redis: &ConnectionManager,
    capabilities: &[String],
    stop: &watch::Sender<bool>,
    command: AgentCommand,
) {
    info!(?command, "command received");
    match command {
        AgentCommand::Pause => shared.set_paused(true),
        AgentCommand::Resume => shared.set_paused(false),
        AgentCommand::Stop => {
            let _ = stop.send(true);
        }
        AgentCommand::Cancel { task_id } => {
            if !shared.cancellations.cancel(&task_id) {
                // Not held here (finished, or never fetched): the ledger's
                // cancel key stops any later delivery.
                info!(%task_id, "cancel for a task this agent does not hold");
            }
        }
        AgentCommand::Snapshot => {
            if let Err(error) =
                publish_snapshot(shared, &mut redis.clone(), capabilities, "requested").await
            {
                warn!(%error, "snapshot not published");
            }
        }
    }
}

/// Appends the agent's snapshot to `mas:snapshots`; returns the entry id.
pub async fn publish_snapshot(
    shared: &Shared,
    redis: &mut ConnectionManager,
    capabilities: &[String],
    reason: &str,
) -> redis::RedisResult<String> {
    // A snapshot without its short-term memory beats none at all.
    let short_term = conversation(redis, &shared.config.agent_id)
        .await
        .unwrap_or_default();
    let snapshot = AgentSnapshot {
        id: Uuid::new_v4(),
        agent_id: shared.config.agent_id.clone(),
        snapshot_time: Utc::now(),
        state: shared.agent_state(),
        config: shared.config.agent_config(capabilities.to_vec()),
        pending_tasks: shared.in_flight_tasks(),
        memory_state: json!({ "short_term": short_term }),
        reason: reason.to_owned(),
    };
    let json = serde_json::to_string(&snapshot).unwrap_or_default();
    redis::cmd("XADD")
        .arg(SNAPSHOTS_STREAM)
        .arg("*")
        .arg("snapshot")
        .arg(json)
        .query_async(redis)
        .await
}
