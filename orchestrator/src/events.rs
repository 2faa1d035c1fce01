//! The orchestrator's one event bus: the UI, streaming endpoints and the
//! history writers subscribe here instead of polling.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

/// Events kept for a subscriber that falls behind; older ones are skipped
/// (it is told how many) rather than slowing the publisher.
const CAPACITY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Serialize)]
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
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ContainerChange {
    Started,
    Died { exit_code: Option<i64> },
    OutOfMemory,
    Health { status: String },
    Destroyed,
}

#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl EventBus {
    pub fn publish(&self, event: Event) {
        // No subscriber is not an error: nobody is looking right now.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
