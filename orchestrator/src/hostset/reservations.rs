//! Agents given a host whose containers are not running yet. Spawns run at
//! once (a burst of `POST /agents/spawn`, a template filling many gaps); each
//! must see where the others went, or all of them pick the host that was
//! least loaded before any of them started.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::placement::{choose, Demand, HostLoad, PlacementError};
use super::HostRuntime;

#[derive(Default)]
pub struct Reservations {
    held: Mutex<BTreeMap<u64, (String, Demand)>>,
    next: AtomicU64,
}

/// Held while the agent is being created; dropping it releases the host's
/// share, which the host's inventory counts from then on.
pub struct Reservation {
    set: Arc<Reservations>,
    token: u64,
}

/// A host chosen for an agent, reserved for it while it is alive.
pub struct Placed {
    pub host: Arc<HostRuntime>,
    _reservation: Reservation,
}

impl Deref for Placed {
    type Target = HostRuntime;
    fn deref(&self) -> &HostRuntime {
        &self.host
    }
}

impl Reservations {
    fn held(&self) -> MutexGuard<'_, BTreeMap<u64, (String, Demand)>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds what is reserved on each host to its load.
    pub fn add_to(&self, loads: &mut [HostLoad]) {
        add_held(&self.held(), loads);
    }

    /// The host placement picks over `loads` (the hosts' inventories) and
    /// what is reserved, reserved at once for `demand`.
    pub fn choose_and_reserve(
        self: &Arc<Self>,
        mut loads: Vec<HostLoad>,
        demand: &Demand,
    ) -> Result<(String, Reservation), PlacementError> {
        let mut held = self.held();
        add_held(&held, &mut loads);
        let name = choose(&loads, demand)?.name.clone();
        let reservation = self.insert(&mut held, &name, demand);
        Ok((name, reservation))
    }

    /// Reserves `demand` on the host the operator named.
    pub fn reserve(self: &Arc<Self>, host: &str, demand: &Demand) -> Reservation {
        let mut held = self.held();
        self.insert(&mut held, host, demand)
    }

    fn insert(
        self: &Arc<Self>,
        held: &mut BTreeMap<u64, (String, Demand)>,
        host: &str,
        demand: &Demand,
    ) -> Reservation {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        held.insert(token, (host.to_owned(), demand.clone()));
        Reservation {
            set: Arc::clone(self),
            token,
        }
    }
}

fn add_held(held: &BTreeMap<u64, (String, Demand)>, loads: &mut [HostLoad]) {
    for (host, demand) in held.values() {
        if let Some(load) = loads.iter_mut().find(|load| &load.name == host) {
            load.add(demand);
        }
    }
}

impl Placed {
    pub fn new(host: Arc<HostRuntime>, reservation: Reservation) -> Self {
        Self {
            host,
            _reservation: reservation,
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.set.held().remove(&self.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> HostLoad {
        HostLoad {
            name: name.into(),
            labels: BTreeMap::new(),
            cpus: 4.0,
            memory_mb: 8192,
            running_agents: 0,
            reserved_cpus: 0.0,
            reserved_memory_mb: 0,
        }
    }

    #[test]
    fn concurrent_placements_spread_until_their_reservations_end() {
        let set = Arc::new(Reservations::default());
        let demand = Demand {
            cpus: 1.0,
            memory_mb: 512,
            labels: BTreeMap::new(),
        };
        let loads = || vec![host("a"), host("b"), host("c")];
        let held: Vec<(String, Reservation)> = (0..6)
            .map(|_| set.choose_and_reserve(loads(), &demand).unwrap())
            .collect();
        let mut names: Vec<&str> = held.iter().map(|(name, _)| name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["a", "a", "b", "b", "c", "c"]);

        drop(held);
        let (name, _kept) = set.choose_and_reserve(loads(), &demand).unwrap();
        assert_eq!(name, "a", "released reservations no longer count");
        let named = set.reserve("a", &demand);
        let mut seen = loads();
        set.add_to(&mut seen);
        assert_eq!(seen[0].running_agents, 2);
        drop(named);
        let mut seen = loads();
        set.add_to(&mut seen);
        assert_eq!(seen[0].running_agents, 1);
    }
}
