//! Restart budgets: how many automatic restarts each agent has used. A
//! budget is whole again once its agent has stayed healthy for the recovery
//! period (a crash a week ago should not count against a crash today), and
//! an agent that is gone is forgotten, so the map never outgrows the fleet.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The recovery period when none is configured.
pub const DEFAULT_RESTART_RECOVERY: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy)]
struct Used {
    restarts: u32,
    /// Since when the agent has looked healthy without a break.
    healthy_since: Option<Instant>,
}

#[derive(Debug)]
pub struct RestartBudgets {
    recovery: Duration,
    /// Only agents restarted since their last recovery have an entry.
    used: HashMap<String, Used>,
}

impl RestartBudgets {
    pub fn new(recovery: Duration) -> Self {
        Self {
            recovery,
            used: HashMap::new(),
        }
    }

    /// Takes one restart from the agent's budget of `max`: the attempt's
    /// number, or `None` when the budget is spent.
    pub fn take(&mut self, agent_id: &str, max: u32) -> Option<u32> {
        let used = self.used.entry(agent_id.to_owned()).or_insert(Used {
            restarts: 0,
            healthy_since: None,
        });
        used.healthy_since = None;
        if used.restarts >= max {
            return None;
        }
        used.restarts += 1;
        Some(used.restarts)
    }

    /// Records how the agent looked at `now`; a healthy stretch as long as
    /// the recovery period gives its whole budget back.
    pub fn observe(&mut self, agent_id: &str, healthy: bool, now: Instant) {
        let Some(used) = self.used.get_mut(agent_id) else {
            return;
        };
        if !healthy {
            used.healthy_since = None;
            return;
        }
        let since = *used.healthy_since.get_or_insert(now);
        if now.duration_since(since) >= self.recovery {
            self.used.remove(agent_id);
        }
    }

    /// Forgets every agent `present` does not name.
    pub fn retain(&mut self, present: impl Fn(&str) -> bool) {
        self.used.retain(|agent_id, _| present(agent_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECOVERY: Duration = Duration::from_secs(600);

    impl RestartBudgets {
        fn used(&self, agent_id: &str) -> u32 {
            self.used.get(agent_id).map_or(0, |used| used.restarts)
        }
    }

    #[test]
    fn a_spent_budget_refuses_until_a_healthy_period_gives_it_back() {
        let mut budgets = RestartBudgets::new(RECOVERY);
        let start = Instant::now();
        assert_eq!(budgets.take("a1", 2), Some(1));
        assert_eq!(budgets.take("a1", 2), Some(2));
        assert_eq!(budgets.take("a1", 2), None, "spent");

        budgets.observe("a1", true, start);
        budgets.observe("a1", true, start + RECOVERY - Duration::from_secs(1));
        assert_eq!(budgets.used("a1"), 2, "not healthy long enough yet");
        budgets.observe("a1", true, start + RECOVERY);
        assert_eq!(budgets.used("a1"), 0, "recovered");
        assert_eq!(budgets.take("a1", 2), Some(1));
    }

    #[test]
    fn an_unhealthy_moment_restarts_the_healthy_period() {
        let mut budgets = RestartBudgets::new(RECOVERY);
        let start = Instant::now();
        budgets.take("a1", 3);
        budgets.observe("a1", true, start);
        budgets.observe("a1", false, start + RECOVERY / 2);
        budgets.observe("a1", true, start + RECOVERY / 2 + Duration::from_secs(1));
        budgets.observe("a1", true, start + RECOVERY);
        assert_eq!(budgets.used("a1"), 1, "the break reset the clock");
        budgets.observe("a1", true, start + RECOVERY * 2);
        assert_eq!(budgets.used("a1"), 0);
    }

    #[test]
    fn agents_gone_or_never_restarted_hold_no_entry() {
        let mut budgets = RestartBudgets::new(RECOVERY);
        budgets.observe("healthy-never-restarted", true, Instant::now());
        assert!(budgets.used.is_empty());
        for n in 0..100 {
            budgets.take(&format!("agent-{n}"), 5);
        }
        assert_eq!(budgets.used.len(), 100);
        budgets.retain(|id| id == "agent-7");
        assert_eq!(budgets.used.len(), 1);
        assert_eq!(budgets.used("agent-7"), 1);
    }
}
