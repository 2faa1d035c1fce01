//! Which broker and stream a route's task is queued on, chosen from the
//! live fleet, and why it waits when no live agent can take it. A fleet
//! over several hosts has a broker per host: a task for an agent goes to
//! its host's broker, a task for a type or capability to the broker whose
//! live replicas have the shortest queue each.

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Agent(String),
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// The broker to queue on; none while no host is up (the task waits in
    /// the ledger).
    pub broker: Option<String>,
    pub placement: Placement,
    pub waiting: Option<String>,
}

/// Live replicas of a kind on one broker, and how many tasks wait for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub broker: String,
    pub kind: String,
    pub replicas: usize,
    pub lag: u64,
}

/// Kinds that run `capability` (refused when none does).
pub fn capable_kinds(capability: &str) -> Result<Vec<&'static str>, RoutingError> {
    let capable = kinds_running(capability);
    if capable.is_empty() {
        return Err(RoutingError::NoCapableKind {
            capability: capability.to_owned(),
            known: known_kinds(),
        });
    }
    Ok(capable)
}

/// Where live replicas of `kinds` are: one candidate per kind and broker
/// (lag still 0: the caller reads it where there is a choice to make).
pub fn candidates(kinds: &[&str], fleet: &LiveFleet) -> Vec<Candidate> {
    kinds
        .iter()
        .flat_map(|kind| {
            fleet
                .replicas_by_broker(kind)
                .into_iter()
                .map(move |(broker, replicas)| Candidate {
                    broker: broker.to_owned(),
                    kind: (*kind).to_owned(),
                    replicas,
                    lag: 0,
                })
        })
        .collect()
}

pub fn to_agent(agent_id: &str, fleet: &LiveFleet, home: Option<&str>) -> Routing {
    match fleet.broker_of(agent_id) {
        Some(broker) => Routing {
            broker: Some(broker.to_owned()),
            placement: Placement::Agent(agent_id.to_owned()),
            waiting: None,
        },
        None => Routing {
            broker: home.map(str::to_owned),
            placement: Placement::Agent(agent_id.to_owned()),
            waiting: Some(format!("no agent with id {agent_id}")),
        },
    }
}

/// The candidate with the shortest queue per replica (more replicas win a tie).
fn best(live: &[Candidate]) -> Option<&Candidate> {
    live.iter().min_by(|a, b| {
        (u128::from(a.lag) * b.replicas as u128)
            .cmp(&(u128::from(b.lag) * a.replicas as u128))
            .then(b.replicas.cmp(&a.replicas))
            .then(a.broker.cmp(&b.broker))
    })
}

/// A type or capability route: the best live candidate, else the first
/// capable kind on `home`, waiting with `reason`.
pub fn to_best(
    live: &[Candidate],
    fallback_kind: &str,
    home: Option<&str>,
    reason: String,
) -> Routing {
    match best(live) {
        Some(chosen) => Routing {
            broker: Some(chosen.broker.clone()),
            placement: Placement::Type(chosen.kind.clone()),
            waiting: None,
        },
        None => Routing {
            broker: home.map(str::to_owned),
            placement: Placement::Type(fallback_kind.to_owned()),
            waiting: Some(reason),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(broker: &str, kind: &str, replicas: usize, lag: u64) -> Candidate {
        Candidate {
            broker: broker.into(),
            kind: kind.into(),
            replicas,
            lag,
        }
    }

    #[test]
    fn agent_routes_go_to_the_agents_broker_or_wait_at_home() {
        let fleet = LiveFleet::of(&[("a1", "test-agent", "vm1")]);
        let live = to_agent("a1", &fleet, Some("local"));
        assert_eq!(live.broker.as_deref(), Some("vm1"));
        assert_eq!(live.placement, Placement::Agent("a1".into()));
        assert_eq!(live.waiting, None);
        let absent = to_agent("ghost", &fleet, Some("local"));
        assert_eq!(absent.broker.as_deref(), Some("local"));
        assert_eq!(absent.waiting.as_deref(), Some("no agent with id ghost"));
        assert_eq!(to_agent("ghost", &fleet, None).broker, None);
    }

    #[test]
    fn type_routes_go_to_the_shortest_queue_per_replica_across_brokers() {
        let fleet = LiveFleet::of(&[
            ("a1", "test-agent", "local"),
            ("a2", "test-agent", "vm1"),
            ("a3", "test-agent", "vm1"),
            ("b1", "custom", "vm2"),
        ]);
        let mut live = candidates(&["test-agent"], &fleet);
        assert_eq!(
            live,
            [
                candidate("local", "test-agent", 1, 0),
                candidate("vm1", "test-agent", 2, 0)
            ]
        );
        // Equal queues: more replicas take it.
        let routed = to_best(&live, "test-agent", Some("local"), String::new());
        assert_eq!(routed.broker.as_deref(), Some("vm1"));
        // vm1's two replicas have 6 waiting (3 each), local's one has 2.
        live[0].lag = 2;
        live[1].lag = 6;
        let routed = to_best(&live, "test-agent", Some("local"), String::new());
        assert_eq!(routed.broker.as_deref(), Some("local"));
        assert_eq!(routed.waiting, None);
    }

    #[test]
    fn capabilities_go_to_live_kinds_and_wait_when_none_is_live() {
        let fleet = LiveFleet::of(&[("a1", "test-agent", "local")]);
        // Every kind runs health_check; only test-agent is live.
        let kinds = capable_kinds("health_check").unwrap();
        let live = candidates(&kinds, &fleet);
        assert_eq!(live, [candidate("local", "test-agent", 1, 0)]);
        let routed = to_best(&live, kinds[0], Some("local"), "none".into());
        assert_eq!(routed.placement, Placement::Type("test-agent".into()));
        let waiting = to_best(
            &[],
            "test-agent",
            Some("local"),
            "no live agent runs capability echo".into(),
        );
        assert_eq!(waiting.placement, Placement::Type("test-agent".into()));
        assert_eq!(waiting.broker.as_deref(), Some("local"));
        assert_eq!(
            waiting.waiting.as_deref(),
            Some("no live agent runs capability echo")
        );
        let error = capable_kinds("fly").unwrap_err();
        assert!(error.to_string().contains("\"fly\""), "{error}");
    }
}
