//! What the runtime knows about itself, shared by every loop and the HTTP server.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::cancel::Cancellations;
use super::config::RuntimeConfig;
use super::credentials::Credentials;
use super::peers::Peers;
use super::usage::Usage;
use crate::protocol::{AgentMetrics, AgentState, AgentStatus, AgentTask, Heartbeat};
use crate::streams::Delivery;

pub struct Shared {
    pub config: RuntimeConfig,
    started: Instant,
    started_at: DateTime<Utc>,
    paused: AtomicBool,
    /// Counts pause and resume commands: a fetch that spans one saw only
    /// part of what queued up meanwhile, so it must not decide what runs.
    pause_changes: AtomicU64,
    pub stopping: AtomicBool,
    pub redis_healthy: AtomicBool,
    /// Subscribed to its command channel.
    pub listening: AtomicBool,
    completed: AtomicU64,
    failed: AtomicU64,
    timed_out: AtomicU64,
    cancelled: AtomicU64,
    total_duration_ms: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// Tasks fetched from Redis and not yet recorded: waiting for a slot or running.
    in_flight: Mutex<HashMap<Uuid, Delivery>>,
    pub cancellations: Cancellations,
    /// Set once the agent holds what it needs (at once when it needs none).
    credentials: OnceLock<Credentials>,
    /// Asks for a heartbeat now: the status changed and the orchestrator
    /// should not wait a whole interval to learn it.
    pub beat_now: tokio::sync::Notify,
    /// A task finished: its counts are heartbeated soon, not a whole
    /// interval later, yet no more often than a busy agent should.
    pub counts_changed: tokio::sync::Notify,
    /// What handlers consumed from their services (tokens in and out).
    pub usage: Usage,
    /// Requests handlers make to other agents, waiting for their answers.
    pub peers: Peers,
}

/// How a task ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    Failed,
    TimedOut,
    Cancelled,
}

impl Shared {
    pub fn new(config: RuntimeConfig) -> Self {
        let credentials = OnceLock::new();
        if config.bootstrap_token.is_none() {
            let _ = credentials.set(Credentials::default());
        }
        let peers = Peers::new(&config.agent_id);
        Self {
            credentials,
            config,
            started: Instant::now(),
            started_at: Utc::now(),
            paused: AtomicBool::new(false),
            pause_changes: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            redis_healthy: AtomicBool::new(false),
            listening: AtomicBool::new(false),
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            timed_out: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            total_duration_ms: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            in_flight: Mutex::new(HashMap::new()),
            cancellations: Cancellations::default(),
            beat_now: tokio::sync::Notify::new(),
            counts_changed: tokio::sync::Notify::new(),
            usage: Usage::default(),
            peers,
        }
    }

    /// The credentials handlers see (none until they arrived).
    pub fn credentials(&self) -> Credentials {
        self.credentials.get().cloned().unwrap_or_default()
    }

    pub fn set_credentials(&self, credentials: Credentials) {
        let _ = self.credentials.set(credentials);
        self.beat_now.notify_one();
    }

    /// Whether the agent holds its credentials and may take tasks.
    pub fn has_credentials(&self) -> bool {
        self.credentials.get().is_some()
    }

    pub fn uptime_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Registers a fetched task; false when it is already being handled here
    /// (a reclaim can hand back an entry this agent still holds).
    pub fn admit(&self, delivery: Delivery) -> bool {
        let mut in_flight = self.lock_in_flight();
        if in_flight.contains_key(&delivery.task.id) {
            return false;
        }
        self.cancellations.register(delivery.task.id);
        in_flight.insert(delivery.task.id, delivery);
        true
    }

    /// Whether this agent already holds `task_id` (waiting or running).
    pub fn holds(&self, task_id: &Uuid) -> bool {
        self.lock_in_flight().contains_key(task_id)
    }

    pub fn release(&self, task_id: &Uuid) {
        self.lock_in_flight().remove(task_id);
        self.cancellations.forget(task_id);
    }

    pub fn in_flight(&self) -> Vec<Delivery> {
        self.lock_in_flight().values().cloned().collect()
    }

    pub fn in_flight_tasks(&self) -> Vec<AgentTask> {
        self.in_flight().into_iter().map(|d| d.task).collect()
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Delivery>> {
        // A panic while holding this lock leaves the map itself consistent.
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn record(&self, outcome: Outcome, duration_ms: u64) {
        let counter = match outcome {
            Outcome::Completed => &self.completed,
            Outcome::Failed => &self.failed,
            Outcome::TimedOut => &self.timed_out,
            Outcome::Cancelled => &self.cancelled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.counts_changed.notify_one();
        // The average duration is over finished work; a dropped task did not finish.
        if outcome != Outcome::Cancelled {
            self.total_duration_ms
                .fetch_add(duration_ms, Ordering::Relaxed);
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
        self.pause_changes.fetch_add(1, Ordering::SeqCst);
        self.beat_now.notify_one();
    }

    pub fn pause_changes(&self) -> u64 {
        self.pause_changes.load(Ordering::SeqCst)
    }

    pub fn note_error(&self, error: impl std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
    }

    pub fn status(&self) -> AgentStatus {
        if self.stopping.load(Ordering::Relaxed) {
            return AgentStatus::Shutdown;
        }
        if self.is_paused() {
            return AgentStatus::Paused;
        }
        if !self.has_credentials() {
            return AgentStatus::Spawning;
        }
        if !self.redis_healthy.load(Ordering::Relaxed) {
            // Not ready yet is not an error until something went wrong.
            return if self.errors.load(Ordering::Relaxed) == 0 {
                AgentStatus::Spawning
            } else {
                AgentStatus::Error
            };
        }
        match self.lock_in_flight().len() {
            0 => AgentStatus::Idle,
            n if n >= self.config.max_concurrent_tasks => AgentStatus::Busy,
            _ => AgentStatus::Active,
        }
    }

    pub fn agent_state(&self) -> AgentState {
        let mut state = AgentState::new(&self.config.agent_id, self.status());
        state.started_at = Some(self.started_at);
        state.last_heartbeat = Some(Utc::now());
        state.current_tasks = self
            .in_flight()
            .iter()
            .map(|d| d.task.id.to_string())
            .collect();
        state.tasks_completed = self.completed.load(Ordering::Relaxed);
        state.tasks_failed =
            self.failed.load(Ordering::Relaxed) + self.timed_out.load(Ordering::Relaxed);
        state.error_count = self.errors.load(Ordering::Relaxed);
        state.last_error = self
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        state.uptime_seconds = self.uptime_seconds();
        state.usage = self.usage.totals();
        state
    }

    pub fn metrics(&self) -> AgentMetrics {
        let state = self.agent_state();
        let finished = state.tasks_completed + state.tasks_failed;
        let total_ms = self.total_duration_ms.load(Ordering::Relaxed);
        AgentMetrics {
            agent_id: state.agent_id,
            timestamp: Utc::now(),
            cpu_percent: 0.0,
            memory_mb: 0.0,
            tasks_completed: state.tasks_completed,
            tasks_failed: state.tasks_failed,
            avg_task_duration_ms: if finished == 0 {
                0.0
            } else {
                total_ms as f64 / finished as f64
            },
            messages_sent: 0,
            messages_received: 0,
            uptime_seconds: state.uptime_seconds,
            error_count: state.error_count,
        }
    }

    pub fn heartbeat(&self) -> Heartbeat {
        Heartbeat {
            agent_id: self.config.agent_id.clone(),
            agent_type: self.config.agent_type.clone(),
            status: self.status(),
            timestamp: Utc::now(),
            uptime_seconds: self.uptime_seconds(),
            current_tasks: u32::try_from(self.lock_in_flight().len()).unwrap_or(u32::MAX),
            tasks_completed: self.completed.load(Ordering::Relaxed),
            tasks_failed: self.failed.load(Ordering::Relaxed),
            tasks_timed_out: self.timed_out.load(Ordering::Relaxed),
            tasks_cancelled: self.cancelled.load(Ordering::Relaxed),
        }
    }
}
