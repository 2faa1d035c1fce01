//! Takes tasks from the agent's streams: the most urgent first, never more
//! than MAX_CONCURRENT_TASKS at once, none while paused, and the entries a
//! dead replica left pending.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::StreamAutoClaimReply;
use redis::AsyncConnectionConfig;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tracing::warn;

use super::backoff::Backoff;
use super::executor::execute;
use super::handlers::Registry;
use super::memory::Memory;
use super::state::Shared;
use crate::protocol::names::AGENTS_GROUP;
use crate::protocol::TaskPriority;
use crate::streams::{self, task_streams, Delivery, StreamError};

/// How long one blocking read waits before the loop looks at pause/stop again.
const BLOCK: Duration = Duration::from_secs(1);
const PAUSED_POLL: Duration = Duration::from_millis(200);

pub struct Consumer {
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    client: redis::Client,
    results: ConnectionManager,
    memory: Memory,
    streams: Vec<(TaskPriority, [String; 2])>,
}

impl Consumer {
    pub fn new(
        shared: Arc<Shared>,
        registry: Arc<Registry>,
        client: redis::Client,
        results: ConnectionManager,
    ) -> Self {
        let streams = task_streams(&shared.config.agent_id, &shared.config.agent_type);
        let memory = Memory::new(&shared.config.agent_id, client.clone(), results.clone());
        Self {
            memory,
            shared,
            registry,
            client,
            results,
            streams,
        }
    }

    /// Runs until shutdown; returns the tasks still executing so the caller
    /// can give them their grace period.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> JoinSet<()> {
        let slots = Arc::new(Semaphore::new(self.shared.config.max_concurrent_tasks));
        let mut running = JoinSet::new();
        let mut reader: Option<MultiplexedConnection> = None;
        let mut backoff = Backoff::new();
        let mut next_reclaim = Instant::now();
        // Fetched and admitted, waiting for a slot or for a resume.
        let mut held: Vec<Delivery> = Vec::new();
        while !*shutdown.borrow() {
            while running.try_join_next().is_some() {}
            if self.shared.is_paused() {
                wait_or_shutdown(&mut shutdown, PAUSED_POLL).await;
                continue;
            }
            let first_slot = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
                _ = shutdown.changed() => continue,
            };
            // Every free slot is taken before the fetch and only those run
            // what it held: a slot freed later waits for the next fetch, which
            // may find a task more urgent than what is held.
            let mut permits = vec![first_slot];
            while let Ok(permit) = slots.clone().try_acquire_owned() {
                permits.push(permit);
            }
            let free = permits.len();
            let connection = match reader.as_mut() {
                Some(connection) => connection,
                None => match self.connect().await {
                    Ok(connection) => reader.insert(connection),
                    Err(error) => {
                        self.redis_down(&error);
                        wait_or_shutdown(&mut shutdown, backoff.step()).await;
                        continue;
                    }
                },
            };
            let reclaim = Instant::now() >= next_reclaim;
            if reclaim {
                next_reclaim = Instant::now() + self.shared.config.heartbeat_interval;
            }
            // With tasks already held, look for more urgent ones without waiting.
            let may_block = held.is_empty();
            let pause_changes = self.shared.pause_changes();
            let fetched = match self.fetch(connection, free, reclaim, may_block).await {
                Ok(fetched) => fetched,
                Err(error) => {
                    reader = None;
                    self.redis_down(&error);
                    wait_or_shutdown(&mut shutdown, backoff.step()).await;
                    continue;
                }
            };
            self.shared.redis_healthy.store(true, Ordering::Relaxed);
            backoff.reset();
            held.extend(fetched.into_iter().filter(|d| self.shared.admit(d.clone())));
            // Stable: equal priorities keep their arrival order.
            held.sort_by_key(|d| std::cmp::Reverse(d.task.priority));
            // A pause can arrive while a read waits; what it fetched is held
            // (admitted, so kept alive and in snapshots) until resumed. After
            // a resume that came during the read, fetch again first: more
            // urgent tasks may have queued up during the pause.
            if self.shared.is_paused() || self.shared.pause_changes() != pause_changes {
                continue;
            }
            while !held.is_empty() {
                let Some(permit) = permits.pop() else { break };
                let delivery = held.remove(0);
                let job = execute(
                    self.shared.clone(),
                    self.registry.clone(),
                    self.results.clone(),
                    self.memory.clone(),
                    delivery,
                );
                running.spawn(async move {
                    job.await;
                    drop(permit);
                });
            }
        }
        running
    }

    fn redis_down(&self, error: &StreamError) {
        warn!(%error, "Redis unavailable; retrying");
        self.shared.redis_healthy.store(false, Ordering::Relaxed);
        self.shared.note_error(error);
    }

    /// A connection of its own for blocking reads: the client's default
    /// response timeout would cut every XREADGROUP BLOCK short.
    async fn connect(&self) -> Result<MultiplexedConnection, StreamError> {
        let config = AsyncConnectionConfig::new()
            .set_response_timeout(None)
            .set_connection_timeout(Some(Duration::from_secs(5)));
        let mut connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        for stream in self.all_streams() {
            streams::ensure_group(&mut connection, stream, AGENTS_GROUP).await?;
            // Listed by XINFO CONSUMERS before its first delivery (a read
            // alone does not register it): how the orchestrator tells that
            // this agent takes work on this broker.
            let _: i64 = redis::cmd("XGROUP")
                .arg("CREATECONSUMER")
                .arg(stream)
                .arg(AGENTS_GROUP)
                .arg(&self.shared.config.agent_id)
                .query_async(&mut connection)
                .await?;
        }
        Ok(connection)
    }

    fn all_streams(&self) -> Vec<&str> {
        self.streams
            .iter()
            .flat_map(|(_, pair)| pair.iter().map(String::as_str))
            .collect()
    }

    /// Up to `free` new deliveries: reclaimed ones, then by priority without
    /// waiting, and only when all is empty (and `may_block`) a blocking read.
    async fn fetch(
        &self,
        connection: &mut MultiplexedConnection,
        free: usize,
        reclaim: bool,
        may_block: bool,
    ) -> Result<Vec<Delivery>, StreamError> {
        let mut fetched = Vec::new();
        if reclaim {
            for stream in self.all_streams() {
                self.reclaim(connection, stream, free, &mut fetched).await?;
            }
            // Entries this agent holds (read during a pause, waiting for a
            // slot) are pending long enough to be claimed back by itself:
            // counted as new, they would crowd out the urgent streams' reads.
            fetched.retain(|delivery| !self.shared.holds(&delivery.task.id));
        }
        for (_, pair) in &self.streams {
            if fetched.len() >= free {
                return Ok(fetched);
            }
            let pair = [pair[0].as_str(), pair[1].as_str()];
            let entries = streams::read_group(
                connection,
                AGENTS_GROUP,
                &self.shared.config.agent_id,
                &pair,
                free - fetched.len(),
                None,
            )
            .await?;
            self.decode_into(connection, entries, &mut fetched).await?;
        }
        if fetched.is_empty() && may_block {
            let entries = streams::read_group(
                connection,
                AGENTS_GROUP,
                &self.shared.config.agent_id,
                &self.all_streams(),
                1,
                Some(BLOCK),
            )
            .await?;
            self.decode_into(connection, entries, &mut fetched).await?;
        }
        Ok(fetched)
    }

    async fn reclaim(
        &self,
        connection: &mut MultiplexedConnection,
        stream: &str,
        count: usize,
        fetched: &mut Vec<Delivery>,
    ) -> Result<(), StreamError> {
        let idle_ms =
            u64::try_from(self.shared.config.reclaim_idle().as_millis()).unwrap_or(u64::MAX);
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(stream)
            .arg(AGENTS_GROUP)
            .arg(&self.shared.config.agent_id)
            .arg(idle_ms)
            .arg("0-0")
            .arg("COUNT")
            .arg(count)
            .query_async(connection)
            .await?;
        if !reply.claimed.is_empty() {
            tracing::info!(
                stream,
                count = reply.claimed.len(),
                "reclaimed tasks a stopped replica left pending"
            );
        }
        let entries = reply
            .claimed
            .into_iter()
            .map(|entry| (stream.to_owned(), entry))
            .collect();
        self.decode_into(connection, entries, fetched).await
    }

    /// Entries that hold no task can never succeed: acknowledged and logged
    /// rather than retried forever.
    async fn decode_into(
        &self,
        connection: &mut MultiplexedConnection,
        entries: Vec<(String, redis::streams::StreamId)>,
        fetched: &mut Vec<Delivery>,
    ) -> Result<(), StreamError> {
        for (stream, entry) in entries {
            match streams::decode(&stream, &entry) {
                Ok(delivery) => fetched.push(delivery),
                Err(error) => {
                    warn!(%stream, %error, "dropping a malformed task entry");
                    self.shared.note_error(&error);
                    let _: i64 = redis::cmd("XACK")
                        .arg(&stream)
                        .arg(AGENTS_GROUP)
                        .arg(&entry.id)
                        .query_async(connection)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// Sleeps, waking early when shutdown is signalled.
pub async fn wait_or_shutdown(shutdown: &mut watch::Receiver<bool>, duration: Duration) {
    tokio::select! {
        _ = tokio::time::sleep(duration) => {}
        _ = shutdown.changed() => {}
    }
}
