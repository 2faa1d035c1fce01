//! The fleet as a graph (petgraph): the orchestrator and its store, one
//! node per host (named by its profile, with the address it is reached at)
//! with its broker and the agents placed on it; edges for placement and
//! for recent task and message flow (across hosts too), weighted by counts.
//! Exported as JSON a UI draws directly, with isolated and unhealthy nodes
//! (and hosts that are not up) flagged.

use std::collections::HashMap;

use myca_agents::protocol::AgentStatus;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use serde::Serialize;

use crate::hostset::{describe, HostState, HostView};
use crate::service::AgentView;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Orchestrator,
    Host,
    Broker,
    Store,
    Agent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// The orchestrator uses a host, broker or store.
    Uses,
    /// An agent runs on a host.
    Placement,
    /// Tasks the orchestrator queued for an agent.
    Tasks,
    /// Messages from one agent to another.
    Messages,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// Where a host is reached: `unix:///…` for the local engine,
    /// `ssh://user@host:port` for a remote one (hosts only).
    pub address: Option<String>,
    pub status: Option<AgentStatus>,
    /// Why a host is not up (hosts only).
    pub problem: Option<String>,
    pub unhealthy: bool,
    /// No task or message flow in the window (agents only).
    pub isolated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Edge {
    pub source: String,
    pub target: String,
    pub kind: EdgeKind,
    #[ts(type = "number")]
    pub weight: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Topology {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    #[ts(type = "number")]
    pub window_seconds: i64,
}

/// What the graph is built from.
pub struct FleetSnapshot<'a> {
    pub hosts: &'a [HostView],
    pub store: &'a str,
    pub agents: &'a [AgentView],
    /// Tasks per agent in the window.
    pub tasks: &'a [(String, i64)],
    /// Messages per (sender, recipient) in the window.
    pub messages: &'a [(String, String, i64)],
    pub window_seconds: i64,
}

pub const ORCHESTRATOR: &str = "orchestrator";

fn unhealthy(status: AgentStatus) -> bool {
    matches!(status, AgentStatus::Error | AgentStatus::Dead)
}

#[derive(Default)]
struct Builder {
    graph: DiGraph<Node, Edge>,
    index: HashMap<String, NodeIndex>,
}

impl Builder {
    /// The node named `id`, added the first time.
    fn node(
        &mut self,
        id: &str,
        kind: NodeKind,
        label: &str,
        status: Option<AgentStatus>,
    ) -> NodeIndex {
        if let Some(&existing) = self.index.get(id) {
            return existing;
        }
        let node = self.graph.add_node(Node {
            id: id.to_owned(),
            kind,
            label: label.to_owned(),
            address: None,
            status,
            problem: None,
            unhealthy: status.is_some_and(unhealthy),
            isolated: false,
        });
        self.index.insert(id.to_owned(), node);
        node
    }

    fn link(&mut self, from: NodeIndex, to: NodeIndex, kind: EdgeKind, weight: i64) {
        let edge = Edge {
            source: self.graph[from].id.clone(),
            target: self.graph[to].id.clone(),
            kind,
            weight,
        };
        self.graph.add_edge(from, to, edge);
    }

    /// Whether the node has task or message flow either way.
    fn flows(&self, node: NodeIndex) -> bool {
        [Direction::Incoming, Direction::Outgoing]
            .into_iter()
            .any(|direction| {
                self.graph
                    .edges_directed(node, direction)
                    .any(|e| matches!(e.weight().kind, EdgeKind::Tasks | EdgeKind::Messages))
            })
    }
}

pub fn build(fleet: &FleetSnapshot<'_>) -> Topology {
    let mut b = Builder::default();
    let orchestrator = b.node(
        ORCHESTRATOR,
        NodeKind::Orchestrator,
        "MYCA orchestrator",
        None,
    );
    let store = b.node(
        &format!("store:{}", fleet.store),
        NodeKind::Store,
        fleet.store,
        None,
    );
    b.link(orchestrator, store, EdgeKind::Uses, 1);
    let mut hosts = HashMap::new();
    for view in fleet.hosts {
        let host = b.node(
            &format!("host:{}", view.name),
            NodeKind::Host,
            &view.name,
            None,
        );
        b.graph[host].address = Some(view.address.clone());
        if !view.state.is_up() {
            b.graph[host].unhealthy = view.state != HostState::Disabled;
            b.graph[host].problem = Some(describe(&view.state));
        }
        b.link(orchestrator, host, EdgeKind::Uses, 1);
        if let Some(key) = &view.broker {
            // Hosts sharing one Redis share its node.
            let broker = b.node(
                &format!("broker:{key}"),
                NodeKind::Broker,
                &format!("broker {key}"),
                None,
            );
            b.link(host, broker, EdgeKind::Uses, 1);
        }
        hosts.insert(view.name.as_str(), host);
    }
    for agent in fleet.agents {
        let node = b.node(
            &agent.agent_id,
            NodeKind::Agent,
            &agent.agent_id,
            Some(agent.status),
        );
        b.graph[node].unhealthy |= agent.status == AgentStatus::Unknown;
        if let Some(&host) = hosts.get(agent.host.as_str()) {
            b.link(host, node, EdgeKind::Placement, 1);
        }
    }
    for (agent, count) in fleet.tasks {
        if let Some(&node) = b.index.get(agent) {
            b.link(orchestrator, node, EdgeKind::Tasks, *count);
        }
    }
    for (from, to, count) in fleet.messages {
        // A sender outside the fleet (an API client) still appears as a node.
        let source = b.node(from, NodeKind::Agent, from, None);
        let target = b.node(to, NodeKind::Agent, to, None);
        b.link(source, target, EdgeKind::Messages, *count);
    }
    let agents: Vec<NodeIndex> = b
        .graph
        .node_indices()
        .filter(|&n| b.graph[n].kind == NodeKind::Agent)
        .collect();
    for node in agents {
        b.graph[node].isolated = !b.flows(node);
    }
    Topology {
        nodes: b.graph.node_weights().cloned().collect(),
        edges: b.graph.edge_weights().cloned().collect(),
        window_seconds: fleet.window_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, status: AgentStatus) -> AgentView {
        on("local", id, status)
    }

    fn on(host: &str, id: &str, status: AgentStatus) -> AgentView {
        AgentView {
            agent_id: id.into(),
            agent_type: "test-agent".into(),
            category: "core".into(),
            status,
            host: host.into(),
            container_id: format!("c-{id}"),
            container_state: "running".into(),
            port: None,
            last_heartbeat: None,
            uptime_seconds: 0,
            current_tasks: 0,
            tasks_completed: 0,
            tasks_failed: 0,
            grants: Vec::new(),
        }
    }

    #[test]
    fn flows_weigh_edges_and_flag_quiet_or_failing_agents() {
        let agents = [
            agent("a1", AgentStatus::Idle),
            agent("a2", AgentStatus::Error),
            agent("a3", AgentStatus::Idle),
        ];
        let hosts = [host("local", "unix:///var/run/docker.sock", HostState::Up)];
        let topology = build(&FleetSnapshot {
            hosts: &hosts,
            store: "sqlite",
            agents: &agents,
            tasks: &[("a1".into(), 7)],
            messages: &[("a1".into(), "a2".into(), 3)],
            window_seconds: 3600,
        });
        assert_eq!(topology.nodes.len(), 4 + 3);
        let node = |id: &str| topology.nodes.iter().find(|n| n.id == id).unwrap();
        assert!(!node("a1").isolated && !node("a2").isolated);
        assert!(node("a3").isolated);
        assert!(node("a2").unhealthy && !node("a1").unhealthy);
        let edge = |kind: EdgeKind| topology.edges.iter().find(|e| e.kind == kind).unwrap();
        assert_eq!(
            (
                edge(EdgeKind::Tasks).target.as_str(),
                edge(EdgeKind::Tasks).weight
            ),
            ("a1", 7)
        );
        assert_eq!(edge(EdgeKind::Messages).weight, 3);
        assert_eq!(
            topology
                .edges
                .iter()
                .filter(|e| e.kind == EdgeKind::Placement)
                .count(),
            3
        );
    }

    fn host(name: &str, address: &str, state: HostState) -> HostView {
        HostView {
            name: name.into(),
            address: address.into(),
            enabled: true,
            labels: Default::default(),
            state,
            engine: None,
            running_agents: 0,
            reserved_cpus: 0.0,
            reserved_memory_mb: 0,
            broker: Some(name.into()),
        }
    }

    #[test]
    fn each_host_has_its_broker_and_agents_and_flows_cross_hosts() {
        let hosts = [
            host("local", "unix:///var/run/docker.sock", HostState::Up),
            host("vm1", "ssh://ops@10.0.0.7:2222", HostState::Up),
            host(
                "vm2",
                "ssh://ops@10.0.0.8:22",
                HostState::Unreachable {
                    reason: "no route".into(),
                },
            ),
        ];
        let agents = [
            on("local", "a1", AgentStatus::Idle),
            on("vm1", "b1", AgentStatus::Idle),
            on("vm2", "c1", AgentStatus::Unknown),
        ];
        let topology = build(&FleetSnapshot {
            hosts: &hosts,
            store: "sqlite",
            agents: &agents,
            tasks: &[("b1".into(), 2)],
            messages: &[("a1".into(), "b1".into(), 4)],
            window_seconds: 60,
        });
        let node = |id: &str| topology.nodes.iter().find(|n| n.id == id).unwrap();
        assert_eq!(
            node("host:vm1").address.as_deref(),
            Some("ssh://ops@10.0.0.7:2222")
        );
        assert!(node("host:vm2").unhealthy);
        assert_eq!(
            node("host:vm2").problem.as_deref(),
            Some("unreachable: no route")
        );
        assert!(node("c1").unhealthy && !node("b1").unhealthy);
        let has = |kind: EdgeKind, source: &str, target: &str| {
            topology
                .edges
                .iter()
                .any(|e| e.kind == kind && e.source == source && e.target == target)
        };
        for name in ["local", "vm1", "vm2"] {
            assert!(has(
                EdgeKind::Uses,
                &format!("host:{name}"),
                &format!("broker:{name}")
            ));
        }
        assert!(has(EdgeKind::Placement, "host:vm1", "b1"));
        assert!(has(EdgeKind::Placement, "host:vm2", "c1"));
        assert!(has(EdgeKind::Messages, "a1", "b1"));
        assert!(has(EdgeKind::Tasks, ORCHESTRATOR, "b1"));
        assert!(topology
            .nodes
            .iter()
            .all(|n| n.kind == NodeKind::Host || n.address.is_none()));
    }
}
