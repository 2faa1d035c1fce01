//! Each agent's last resource sample, kept from the event bus so the fleet
//! table shows CPU and memory without asking the engine per row.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::events::{ContainerChange, Event, EventBus};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub cpu_percent: f64,
    pub memory_mb: f64,
}

#[derive(Clone, Default)]
pub struct Samples(Arc<RwLock<HashMap<String, Sample>>>);

impl Samples {
    pub fn get(&self, agent_id: &str) -> Option<Sample> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(agent_id)
            .copied()
    }

    fn apply(&self, event: &Event) {
        let mut samples = self.0.write().unwrap_or_else(|p| p.into_inner());
        match event {
            Event::Metrics {
                agent_id,
                cpu_percent,
                memory_mb,
                ..
            } => {
                samples.insert(
                    agent_id.clone(),
                    Sample {
                        cpu_percent: *cpu_percent,
                        memory_mb: *memory_mb,
                    },
                );
            }
            Event::Container {
                agent_id,
                change: ContainerChange::Destroyed | ContainerChange::Died { .. },
                ..
            } => {
                samples.remove(agent_id);
            }
            _ => {}
        }
    }

    /// Keeps the samples current until the bus closes.
    pub fn follow(&self, bus: &EventBus) -> JoinHandle<()> {
        let mut events = bus.subscribe();
        let samples = self.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => samples.apply(&event),
                    // The next sample replaces whatever was skipped.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_sample_counts_and_a_gone_agent_has_none() {
        let samples = Samples::default();
        let at = chrono::Utc::now();
        for cpu in [1.0, 2.5] {
            samples.apply(&Event::Metrics {
                agent_id: "a1".into(),
                cpu_percent: cpu,
                memory_mb: 12.0,
                tasks: None,
                at,
            });
        }
        assert_eq!(
            samples.get("a1"),
            Some(Sample {
                cpu_percent: 2.5,
                memory_mb: 12.0
            })
        );
        samples.apply(&Event::Container {
            agent_id: "a1".into(),
            container_id: "c".into(),
            change: ContainerChange::Destroyed,
            at,
        });
        assert_eq!(samples.get("a1"), None);
    }
}
