//! Docker's events for one fleet instance's agent containers, as typed
//! events on the bus.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::EventMessage;
use bollard::query_parameters::EventsOptions;
use bollard::Docker;
use chrono::{TimeZone, Utc};
use futures_util::StreamExt;
use myca_agents::protocol::names::{LABEL_AGENT, LABEL_AGENT_ID};

use super::FleetInstance;
use crate::events::{ContainerChange, Event, EventBus};

const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Follows the engine's event stream until the returned task is aborted,
/// reconnecting when the stream ends (engine restart, link lost). Events of
/// other instances' agents are dropped.
pub fn watch_events(
    docker: Docker,
    instance: FleetInstance,
    bus: EventBus,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let filters = HashMap::from([
                ("type".to_owned(), vec!["container".to_owned()]),
                ("label".to_owned(), vec![format!("{LABEL_AGENT}=true")]),
            ]);
            let options = EventsOptions {
                filters: Some(filters),
                ..Default::default()
            };
            let mut events = docker.events(Some(options));
            while let Some(message) = events.next().await {
                match message {
                    Ok(message) => {
                        if let Some(event) = to_event(&message, &instance) {
                            bus.record(event).await;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "Docker event stream failed");
                        break;
                    }
                }
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    })
}

fn to_event(message: &EventMessage, instance: &FleetInstance) -> Option<Event> {
    let actor = message.actor.as_ref()?;
    // A container event's attributes carry the container's labels.
    let attributes = actor.attributes.as_ref().filter(|a| instance.owns(a))?;
    let action = message.action.as_deref()?;
    let change = match action {
        "start" => ContainerChange::Started,
        "die" => ContainerChange::Died {
            exit_code: attributes.get("exitCode").and_then(|c| c.parse().ok()),
        },
        "oom" => ContainerChange::OutOfMemory,
        "destroy" => ContainerChange::Destroyed,
        health if health.starts_with("health_status") => ContainerChange::Health {
            status: health
                .trim_start_matches("health_status")
                .trim_start_matches(':')
                .trim()
                .to_owned(),
        },
        _ => return None,
    };
    let at = message
        .time_nano
        .map(|nanos| Utc.timestamp_nanos(nanos))
        .unwrap_or_else(Utc::now);
    Some(Event::Container {
        agent_id: attributes.get(LABEL_AGENT_ID)?.clone(),
        container_id: actor.id.clone()?,
        change,
        at,
    })
}

#[cfg(test)]
mod tests {
    use bollard::models::EventActor;

    use super::*;

    fn message(action: &str, attributes: &[(&str, &str)]) -> EventMessage {
        EventMessage {
            action: Some(action.to_owned()),
            actor: Some(EventActor {
                id: Some("c0ffee".to_owned()),
                attributes: Some(
                    attributes
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
            }),
            time_nano: Some(1_700_000_000_000_000_000),
            ..Default::default()
        }
    }

    #[test]
    fn docker_actions_become_typed_changes() {
        let to_event = |message: &EventMessage| to_event(message, &FleetInstance::default());
        let died = to_event(&message(
            "die",
            &[("mas.agent_id", "a1"), ("exitCode", "137")],
        ))
        .unwrap();
        assert!(matches!(
            died,
            Event::Container { change: ContainerChange::Died { exit_code: Some(137) }, ref agent_id, .. } if agent_id == "a1"
        ));
        let health = to_event(&message(
            "health_status: unhealthy",
            &[("mas.agent_id", "a1")],
        ))
        .unwrap();
        assert!(
            matches!(health, Event::Container { change: ContainerChange::Health { ref status }, .. } if status == "unhealthy")
        );
        assert!(to_event(&message("attach", &[("mas.agent_id", "a1")])).is_none());
        assert!(to_event(&message("start", &[])).is_none(), "not an agent");
    }

    #[test]
    fn other_instances_events_are_dropped() {
        let blue = FleetInstance::parse("blue").unwrap();
        let own = message("start", &[("mas.agent_id", "a1"), ("mas.instance", "blue")]);
        let foreign = message(
            "start",
            &[("mas.agent_id", "a1"), ("mas.instance", "green")],
        );
        let unlabelled = message("start", &[("mas.agent_id", "a1")]);
        assert!(to_event(&own, &blue).is_some());
        assert!(to_event(&foreign, &blue).is_none());
        assert!(to_event(&unlabelled, &blue).is_none());
        assert!(to_event(&unlabelled, &FleetInstance::default()).is_some());
    }
}
