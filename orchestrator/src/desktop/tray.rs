//! What the tray shows and which fleet changes deserve a notification.
//! Plain state so the rules are tested here; src-tauri only draws the menu
//! and hands the notices to the desktop's notification service.

use std::collections::BTreeSet;
use std::path::Path;

use myca_agents::protocol::AgentStatus;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Desktop, DesktopError};
use crate::hostset::{HostState, HostView};
use crate::store::ApprovalStatus;

/// The fleet as the tray sees it at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FleetSnapshot {
    /// Every agent with its status.
    pub agents: Vec<(String, AgentStatus)>,
    /// Hosts that cannot be used, with why (disabled hosts are not here:
    /// the operator turned them off).
    pub unreachable: Vec<(String, String)>,
    /// Approvals waiting for a decision: (id, what is asked, about what).
    pub approvals: Vec<(String, String, String)>,
}

impl FleetSnapshot {
    /// The hosts of `hosts` that are not usable and not disabled.
    pub fn unreachable_hosts(hosts: &[HostView]) -> Vec<(String, String)> {
        hosts
            .iter()
            .filter_map(|host| {
                let reason = match &host.state {
                    HostState::Unreachable { reason } | HostState::Refused { reason } => {
                        reason.clone()
                    }
                    HostState::KeyChanged { .. } => "its SSH host key changed".to_owned(),
                    HostState::Connecting | HostState::Up | HostState::Disabled => return None,
                };
                Some((host.name.clone(), reason))
            })
            .collect()
    }

    pub fn summary(&self) -> TraySummary {
        let count = |wanted: fn(AgentStatus) -> bool| {
            self.agents
                .iter()
                .filter(|(_, status)| wanted(*status))
                .count()
        };
        TraySummary {
            running: count(AgentStatus::accepts_tasks),
            errors: count(|s| s == AgentStatus::Error),
            unreachable_hosts: self.unreachable.len(),
            approvals: self.approvals.len(),
        }
    }
}

/// The counts the tray menu and its tooltip show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TraySummary {
    pub running: usize,
    pub errors: usize,
    pub unreachable_hosts: usize,
    pub approvals: usize,
}

impl TraySummary {
    /// One line per count, as the tray menu lists them (disabled items).
    pub fn lines(&self) -> [String; 3] {
        [
            format!("{} running", plural(self.running, "agent")),
            format!("{} in error", plural(self.errors, "agent")),
            format!("{} unreachable", plural(self.unreachable_hosts, "host")),
        ]
    }

    /// What the lines say until the fleet runs: no counts to show yet.
    pub fn starting_lines() -> [String; 3] {
        [
            "Fleet starting…".to_owned(),
            "Agents: not known yet".to_owned(),
            "Hosts: not known yet".to_owned(),
        ]
    }

    /// The tooltip: what needs the operator, or that all is well.
    pub fn tooltip(&self) -> String {
        let mut parts = vec![format!("{} running", plural(self.running, "agent"))];
        if self.errors > 0 {
            parts.push(format!("{} in error", self.errors));
        }
        if self.unreachable_hosts > 0 {
            parts.push(format!(
                "{} unreachable",
                plural(self.unreachable_hosts, "host")
            ));
        }
        if self.approvals > 0 {
            parts.push(format!("{} waiting", plural(self.approvals, "approval")));
        }
        format!("MYCA Control Plane: {}", parts.join(", "))
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// Turns successive snapshots into notices: one when an agent turns error,
/// a host becomes unreachable or an approval starts waiting — once per
/// change (an agent still in error is not announced again; it is once it
/// recovered and failed anew). Paused, it keeps following the fleet but says
/// nothing, so resuming does not replay what happened meanwhile.
#[derive(Debug, Default)]
pub struct Notifier {
    paused: bool,
    /// None until the first snapshot: what the fleet was when the app came
    /// up is on screen, not news.
    seen: Option<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    errors: BTreeSet<String>,
    unreachable: BTreeSet<String>,
    approvals: BTreeSet<String>,
}

impl Notifier {
    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    pub fn observe(&mut self, snapshot: &FleetSnapshot) -> Vec<Notice> {
        let now = Seen {
            errors: snapshot
                .agents
                .iter()
                .filter(|(_, status)| *status == AgentStatus::Error)
                .map(|(id, _)| id.clone())
                .collect(),
            unreachable: snapshot
                .unreachable
                .iter()
                .map(|(n, _)| n.clone())
                .collect(),
            approvals: snapshot
                .approvals
                .iter()
                .map(|(id, ..)| id.clone())
                .collect(),
        };
        let Some(before) = self.seen.replace(now) else {
            return Vec::new();
        };
        if self.paused {
            return Vec::new();
        }
        let mut notices = Vec::new();
        for (agent, status) in &snapshot.agents {
            if *status == AgentStatus::Error && !before.errors.contains(agent) {
                notices.push(Notice {
                    title: "Agent in error".into(),
                    body: format!("{agent} turned error"),
                });
            }
        }
        for (host, reason) in &snapshot.unreachable {
            if !before.unreachable.contains(host) {
                notices.push(Notice {
                    title: "Host unreachable".into(),
                    body: format!("{host}: {reason}"),
                });
            }
        }
        for (id, kind, subject) in &snapshot.approvals {
            if !before.approvals.contains(id) {
                notices.push(Notice {
                    title: "Approval waiting".into(),
                    body: format!("{kind} for {subject} waits for your decision"),
                });
            }
        }
        notices
    }
}

/// The D-Bus name part that makes the app single-instance per data
/// directory: a second launch over the same fleet joins the first, while a
/// test's app over its own directory is another instance.
pub fn instance_id(identifier: &str, data_dir: &Path) -> String {
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    let short: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    // A bus name element must not start with a digit.
    format!("{identifier}.d{short}")
}

impl Desktop {
    /// The fleet as the tray needs it; an error while the fleet is starting.
    pub async fn fleet_snapshot(&self) -> Result<FleetSnapshot, DesktopError> {
        let agents = self.list_agents().await?;
        let approvals = self.list_approvals(Some(ApprovalStatus::Pending)).await?;
        Ok(FleetSnapshot {
            agents: agents
                .into_iter()
                .map(|row| (row.agent.agent_id, row.agent.status))
                .collect(),
            unreachable: FleetSnapshot::unreachable_hosts(&self.list_hosts()?),
            approvals: approvals
                .into_iter()
                .map(|a| (a.id.to_string(), a.kind, a.subject))
                .collect(),
        })
    }

    /// Every agent of the fleet, for "quit and stop the agents".
    pub async fn agent_ids(&self) -> Result<Vec<String>, DesktopError> {
        let agents = self.list_agents().await?;
        Ok(agents.into_iter().map(|row| row.agent.agent_id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(
        agents: &[(&str, AgentStatus)],
        unreachable: &[&str],
        approvals: &[&str],
    ) -> FleetSnapshot {
        FleetSnapshot {
            agents: agents.iter().map(|(id, s)| (id.to_string(), *s)).collect(),
            unreachable: unreachable
                .iter()
                .map(|h| (h.to_string(), "connection refused".into()))
                .collect(),
            approvals: approvals
                .iter()
                .map(|id| (id.to_string(), "spawn_agent".into(), "web-1".into()))
                .collect(),
        }
    }

    #[test]
    fn the_summary_counts_running_error_and_unreachable() {
        let fleet = snapshot(
            &[
                ("a", AgentStatus::Active),
                ("b", AgentStatus::Busy),
                ("c", AgentStatus::Idle),
                ("d", AgentStatus::Error),
                ("e", AgentStatus::Dead),
                ("f", AgentStatus::Unknown),
            ],
            &["vm-1"],
            &[],
        );
        let summary = fleet.summary();
        assert_eq!(
            summary,
            TraySummary {
                running: 3,
                errors: 1,
                unreachable_hosts: 1,
                approvals: 0
            }
        );
        assert_eq!(
            summary.lines(),
            [
                "3 agents running".to_owned(),
                "1 agent in error".to_owned(),
                "1 host unreachable".to_owned()
            ]
        );
        assert_eq!(
            summary.tooltip(),
            "MYCA Control Plane: 3 agents running, 1 in error, 1 host unreachable"
        );
        assert_eq!(
            TraySummary::default().tooltip(),
            "MYCA Control Plane: 0 agents running"
        );
    }

    #[test]
    fn disabled_and_connecting_hosts_are_not_unreachable() {
        let host = |name: &str, state: HostState| HostView {
            name: name.into(),
            address: "ssh://op@vm:22".into(),
            enabled: true,
            labels: Default::default(),
            state,
            engine: None,
            running_agents: 0,
            reserved_cpus: 0.0,
            reserved_memory_mb: 0,
            broker: None,
        };
        let hosts = [
            host("up", HostState::Up),
            host("off", HostState::Disabled),
            host("new", HostState::Connecting),
            host(
                "down",
                HostState::Unreachable {
                    reason: "no route".into(),
                },
            ),
            host(
                "moved",
                HostState::KeyChanged {
                    pinned: "SHA256:a".into(),
                    presented: "SHA256:b".into(),
                },
            ),
        ];
        assert_eq!(
            FleetSnapshot::unreachable_hosts(&hosts),
            vec![
                ("down".to_owned(), "no route".to_owned()),
                ("moved".to_owned(), "its SSH host key changed".to_owned())
            ]
        );
    }

    #[test]
    fn the_first_look_is_not_news() {
        let mut notifier = Notifier::default();
        let fleet = snapshot(&[("a", AgentStatus::Error)], &["vm-1"], &["x"]);
        assert!(notifier.observe(&fleet).is_empty());
        assert!(notifier.observe(&fleet).is_empty());
    }

    #[test]
    fn each_change_is_told_once() {
        let mut notifier = Notifier::default();
        notifier.observe(&snapshot(&[("a", AgentStatus::Active)], &[], &[]));
        let failing = snapshot(&[("a", AgentStatus::Error)], &["vm-1"], &["x"]);
        assert_eq!(
            notifier.observe(&failing),
            vec![
                Notice {
                    title: "Agent in error".into(),
                    body: "a turned error".into()
                },
                Notice {
                    title: "Host unreachable".into(),
                    body: "vm-1: connection refused".into()
                },
                Notice {
                    title: "Approval waiting".into(),
                    body: "spawn_agent for web-1 waits for your decision".into()
                },
            ]
        );
        // Still failing: nothing new.
        assert!(notifier.observe(&failing).is_empty());
        // Recovered, then failed again: told again.
        notifier.observe(&snapshot(&[("a", AgentStatus::Active)], &[], &["x"]));
        let again = notifier.observe(&snapshot(&[("a", AgentStatus::Error)], &[], &["x"]));
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].body, "a turned error");
    }

    #[test]
    fn paused_says_nothing_and_resuming_does_not_replay() {
        let mut notifier = Notifier::default();
        notifier.observe(&snapshot(&[("a", AgentStatus::Active)], &[], &[]));
        notifier.set_paused(true);
        assert!(notifier.paused());
        let failing = snapshot(&[("a", AgentStatus::Error)], &["vm-1"], &["x"]);
        assert!(notifier.observe(&failing).is_empty());
        notifier.set_paused(false);
        assert!(notifier.observe(&failing).is_empty());
        let more = snapshot(&[("a", AgentStatus::Error)], &["vm-1"], &["x", "y"]);
        assert_eq!(notifier.observe(&more).len(), 1);
    }

    #[test]
    fn the_instance_follows_the_data_directory() {
        let one = instance_id(
            "dev.myca.controlplane",
            Path::new("/home/op/.local/share/myca"),
        );
        let other = instance_id("dev.myca.controlplane", Path::new("/tmp/x/myca"));
        assert!(one.starts_with("dev.myca.controlplane.d"), "{one}");
        assert_eq!(one.len(), "dev.myca.controlplane.d".len() + 16);
        assert_ne!(one, other);
        assert_eq!(
            one,
            instance_id(
                "dev.myca.controlplane",
                Path::new("/home/op/.local/share/myca")
            )
        );
    }
}
