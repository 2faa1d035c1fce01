//! Keeps the scrubber's learned secrets as large as the fleet: an agent's
//! are dropped when its container is removed, whoever removed it.

use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use super::scrub::Scrubber;
use crate::events::{ContainerChange, Event, EventBus};

pub fn forget_removed_agents(bus: &EventBus, scrubber: Scrubber) -> JoinHandle<()> {
    let mut events = bus.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::Container {
                    agent_id,
                    change: ContainerChange::Destroyed,
                    ..
                }) => scrubber.forget_agent(&agent_id),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    })
}
