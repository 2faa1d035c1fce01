//! Which stream a route's task is queued on, chosen from the live fleet,
//! and why it waits when no live agent can take it.

use myca_agents::protocol::names::{agent_task_stream, type_task_stream};
use myca_agents::protocol::TaskPriority;
use myca_agents::runtime::handlers::{kinds_running, known_kinds};

use super::LiveFleet;

#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("no agent kind runs {capability:?}; kinds: {known:?}")]
    NoCapableKind {
        capability: String,
        known: Vec<&'static str>,
    },
}

/// Whose streams take a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Agent(String),
    /// Any replica of this agent type.
    Type(String),
}

impl Placement {
    pub fn stream(&self, priority: TaskPriority) -> String {
        match self {
            Placement::Agent(agent_id) => agent_task_stream(agent_id, priority),
            Placement::Type(agent_type) => type_task_stream(agent_type, priority),
        }
    }
}

/// Where a task goes now, and why it waits there if no live agent can take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    pub placement: Placement,
    pub waiting: Option<String>,
}

/// The kinds able to run `capability` that have live agents, with how
/// many; an error when no kind can run it at all.
pub fn live_kinds(
    capability: &str,
    fleet: &LiveFleet,
) -> Result<Vec<(&'static str, usize)>, RoutingError> {
    let capable = kinds_running(capability);
    if capable.is_empty() {
        return Err(RoutingError::NoCapableKind {
            capability: capability.to_owned(),
            known: known_kinds(),
        });
    }
    Ok(capable
        .into_iter()
        .map(|kind| (kind, fleet.replicas(kind)))
        .filter(|(_, replicas)| *replicas > 0)
        .collect())
}

/// A task for one agent: it waits while that agent is not live.
pub fn to_agent(agent_id: &str, fleet: &LiveFleet) -> Routing {
    Routing {
        placement: Placement::Agent(agent_id.to_owned()),
        waiting: (!fleet.has_agent(agent_id)).then(|| format!("no agent with id {agent_id}")),
    }
}

/// A task for any replica of a type: it waits while none is live.
pub fn to_type(agent_type: &str, fleet: &LiveFleet) -> Routing {
    Routing {
        placement: Placement::Type(agent_type.to_owned()),
        waiting: (fleet.replicas(agent_type) == 0)
            .then(|| format!("no agent of type {agent_type}")),
    }
}

/// A capability route: the live kind with the shortest queue (per live
/// replica); with none, the first kind able to run it, waiting.
pub fn by_capability(capability: &str, live: &[(&'static str, usize, u64)]) -> Routing {
    let best = live
        .iter()
        // lag / replicas compared without division: a.lag * b.replicas < b.lag * a.replicas
        .min_by(|a, b| {
            (u128::from(a.2) * b.1 as u128)
                .cmp(&(u128::from(b.2) * a.1 as u128))
                .then(b.1.cmp(&a.1))
        })
        .map(|(kind, _, _)| *kind);
    match best {
        Some(kind) => Routing {
            placement: Placement::Type(kind.to_owned()),
            waiting: None,
        },
        None => Routing {
            placement: Placement::Type(
                kinds_running(capability)
                    .first()
                    .map_or_else(|| capability.to_owned(), |kind| (*kind).to_owned()),
            ),
            waiting: Some(format!("no live agent runs capability {capability}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_and_type_routes_wait_without_a_live_agent() {
        let fleet = LiveFleet::of(&[("a1", "test-agent")]);
        let live = to_agent("a1", &fleet);
        assert_eq!(live.placement, Placement::Agent("a1".into()));
        assert_eq!(live.waiting, None);
        let absent = to_agent("ghost", &fleet);
        assert_eq!(absent.waiting.as_deref(), Some("no agent with id ghost"));
        assert_eq!(to_type("test-agent", &fleet).waiting, None);
        let no_type = to_type("custom", &fleet);
        assert_eq!(no_type.placement, Placement::Type("custom".into()));
        assert_eq!(no_type.waiting.as_deref(), Some("no agent of type custom"));
    }

    #[test]
    fn capabilities_go_to_live_kinds_balanced_by_queue_lag() {
        // Every kind runs health_check; only test-agent is live.
        let fleet = LiveFleet::of(&[("a1", "test-agent")]);
        assert_eq!(
            live_kinds("health_check", &fleet).unwrap(),
            vec![("test-agent", 1)]
        );
        let routed = by_capability("health_check", &[("test-agent", 1, 0)]);
        assert_eq!(routed.placement, Placement::Type("test-agent".into()));
        assert_eq!(routed.waiting, None);
        // Two live kinds: the shorter queue per replica wins.
        let routed = by_capability("health_check", &[("custom", 1, 4), ("test-agent", 2, 6)]);
        assert_eq!(routed.placement, Placement::Type("test-agent".into()));
        let waiting = by_capability("echo", &[]);
        assert_eq!(waiting.placement, Placement::Type("test-agent".into()));
        assert_eq!(
            waiting.waiting.as_deref(),
            Some("no live agent runs capability echo")
        );
        let error = live_kinds("fly", &fleet).unwrap_err();
        assert!(error.to_string().contains("\"fly\""), "{error}");
    }
}
