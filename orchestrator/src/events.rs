//! The orchestrator's one event bus: the UI and streaming endpoints
//! subscribe here instead of polling, and the history writer reads its
//! recorded lane.
//!
//! Two lanes: [`EventBus::publish`] fans out to subscribers and never waits
//! (a subscriber that falls behind skips events and is told how many);
//! [`EventBus::record`] first queues the event for the history writer on a
//! bounded queue, waiting for room when it is full, so history is never lost
//! and memory stays bounded: a producer faster than SQL is slowed down.

use chrono::{DateTime, Utc};
use myca_agents::protocol::{AgentMessage, AgentStatus, AgentTask};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};

use crate::store::AgentAction;

/// Events kept for a subscriber that falls behind; older ones are skipped
/// (it is told how many) rather than slowing the publisher.
const CAPACITY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Something happened to an agent's container.
    Container {
        agent_id: String,
        container_id: String,
        change: ContainerChange,
        at: DateTime<Utc>,
    },
    /// A resource sample of an agent's container.
    Metrics {
        agent_id: String,
        cpu_percent: f64,
        memory_mb: f64,
        /// The agent's task counters from its last heartbeat, when one arrived.
        tasks: Option<TaskCounts>,
        at: DateTime<Utc>,
    },
    /// A task's outcome as its agent reported it.
    TaskFinished { task: AgentTask },
    /// An agent-to-agent message went through the orchestrator.
    Message { message: AgentMessage },
    /// Anything else an agent or the orchestrator did to it.
    Action { action: AgentAction },
    /// The health monitor saw an agent's status change.
    Health {
        agent_id: String,
        from: Option<AgentStatus>,
        to: AgentStatus,
        heartbeat_overdue: bool,
        #[ts(type = "number")]
        queue_lag: u64,
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The agent the event is about (a message's sender).
    pub fn agent_id(&self) -> &str {
        match self {
            Event::Container { agent_id, .. }
            | Event::Metrics { agent_id, .. }
            | Event::Health { agent_id, .. } => agent_id,
            Event::TaskFinished { task } => &task.agent_id,
            Event::Message { message } => &message.from_agent,
            Event::Action { action } => &action.agent_id,
        }
    }
}

/// Tasks an agent has finished since it started, as its heartbeat counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TaskCounts {
    #[ts(type = "number")]
    pub completed: u64,
    #[ts(type = "number")]
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ContainerChange {
    Started,
    Died {
        #[ts(type = "number | null")]
        exit_code: Option<i64>,
    },
    OutOfMemory,
    Health {
        status: String,
    },
    Destroyed,
}

#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
    recorder: Option<mpsc::Sender<Event>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
            recorder: None,
        }
    }
}

impl EventBus {
    /// A bus whose recorded events queue (at most `queue` of them) on the
    /// returned receiver, for the history writer.
    pub fn recorded(queue: usize) -> (Self, mpsc::Receiver<Event>) {
        let (recorder, receiver) = mpsc::channel(queue.max(1));
        let bus = Self {
            recorder: Some(recorder),
            ..Self::default()
        };
        (bus, receiver)
    }

    pub fn publish(&self, event: Event) {
        // No subscriber is not an error: nobody is looking right now.
        let _ = self.sender.send(event);
    }

    /// Publishes `event` and queues it for history, waiting while the queue is full.
    pub async fn record(&self, event: Event) {
        if let Some(recorder) = &self.recorder {
            if recorder.send(event.clone()).await.is_err() {
                tracing::warn!("history writer has stopped; event not recorded");
            }
        }
        self.publish(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
