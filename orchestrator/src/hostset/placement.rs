//! Which host an agent goes to when its spawn names none: a host that is
//! up and carries every label the spawn asks for, the least loaded first.

use std::collections::BTreeMap;

use serde::Serialize;

/// What a host offers and already carries.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HostLoad {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub cpus: f64,
    #[ts(type = "number")]
    pub memory_mb: u64,
    pub running_agents: usize,
    /// CPU limits of the agents placed on it.
    pub reserved_cpus: f64,
    #[ts(type = "number")]
    pub reserved_memory_mb: u64,
}

impl HostLoad {
    /// The larger of its CPU and memory commitment with `demand` added.
    fn committed_with(&self, demand: &Demand) -> f64 {
        let share = |used: f64, capacity: f64| {
            if capacity > 0.0 {
                used / capacity
            } else {
                f64::INFINITY
            }
        };
        share(self.reserved_cpus + demand.cpus, self.cpus).max(share(
            (self.reserved_memory_mb + demand.memory_mb) as f64,
            self.memory_mb as f64,
        ))
    }

    /// Records an agent placed here, so the next replica sees it.
    pub fn add(&mut self, demand: &Demand) {
        self.running_agents += 1;
        self.reserved_cpus += demand.cpus;
        self.reserved_memory_mb += demand.memory_mb;
    }
}

/// What the agent to place asks of its host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Demand {
    pub cpus: f64,
    pub memory_mb: u64,
    /// Labels the host must carry, with these values.
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlacementError {
    #[error("no host is up to place the agent on")]
    NoHostUp,
    #[error("no host that is up carries the labels {wanted:?} (hosts up: {up})")]
    NoHostWithLabels {
        wanted: BTreeMap<String, String>,
        up: String,
    },
    #[error(
        "no host that is up has {cpus} CPUs for the agent's cpu_limit (the most any has is {most})"
    )]
    TooManyCpus { cpus: f64, most: f64 },
}

/// The host to use among `up` (hosts that are up and can run the agent
/// image): every wanted label present, enough CPUs for the limit (Docker
/// refuses more than the host has), then the least committed share of CPU
/// or memory, then the fewest agents, then the name.
pub fn choose<'a>(up: &'a [HostLoad], demand: &Demand) -> Result<&'a HostLoad, PlacementError> {
    if up.is_empty() {
        return Err(PlacementError::NoHostUp);
    }
    let labelled: Vec<&HostLoad> = up
        .iter()
        .filter(|host| {
            demand
                .labels
                .iter()
                .all(|(key, value)| host.labels.get(key) == Some(value))
        })
        .collect();
    if labelled.is_empty() {
        return Err(PlacementError::NoHostWithLabels {
            wanted: demand.labels.clone(),
            up: up
                .iter()
                .map(|h| h.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let most = labelled.iter().map(|h| h.cpus).fold(0.0, f64::max);
    labelled
        .into_iter()
        .filter(|host| host.cpus >= demand.cpus)
        .min_by(|a, b| {
            a.committed_with(demand)
                .total_cmp(&b.committed_with(demand))
                .then(a.running_agents.cmp(&b.running_agents))
                .then(a.name.cmp(&b.name))
        })
        .ok_or(PlacementError::TooManyCpus {
            cpus: demand.cpus,
            most,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, cpus: f64, memory_mb: u64) -> HostLoad {
        HostLoad {
            name: name.into(),
            labels: BTreeMap::new(),
            cpus,
            memory_mb,
            running_agents: 0,
            reserved_cpus: 0.0,
            reserved_memory_mb: 0,
        }
    }

    fn demand(cpus: f64, memory_mb: u64) -> Demand {
        Demand {
            cpus,
            memory_mb,
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn the_least_committed_host_wins_and_replicas_spread() {
        let mut hosts = vec![
            host("local", 4.0, 8192),
            host("vm1", 2.0, 4096),
            host("vm2", 2.0, 4096),
        ];
        let one = demand(0.5, 256);
        let mut placed = Vec::new();
        for _ in 0..6 {
            let name = choose(&hosts, &one).unwrap().name.clone();
            hosts.iter_mut().find(|h| h.name == name).unwrap().add(&one);
            placed.push(name);
        }
        // Twice the capacity takes about twice the agents; ties go to the emptier host.
        assert_eq!(placed, ["local", "vm1", "vm2", "local", "local", "vm1"]);
    }

    #[test]
    fn memory_commitment_counts_as_much_as_cpu() {
        let mut busy = host("busy", 8.0, 1024);
        busy.reserved_memory_mb = 900;
        let idle = host("idle", 1.0, 4096);
        let hosts = [busy, idle];
        assert_eq!(choose(&hosts, &demand(0.1, 64)).unwrap().name, "idle");
    }

    #[test]
    fn labels_filter_hosts_and_an_unmet_need_says_why() {
        let mut gpu = host("gpu-box", 2.0, 2048);
        gpu.labels.insert("gpu".into(), "yes".into());
        gpu.reserved_cpus = 1.5;
        let hosts = [host("local", 8.0, 8192), gpu];
        let mut wants_gpu = demand(0.5, 128);
        wants_gpu.labels.insert("gpu".into(), "yes".into());
        assert_eq!(choose(&hosts, &wants_gpu).unwrap().name, "gpu-box");
        wants_gpu.labels.insert("zone".into(), "eu".into());
        let error = choose(&hosts, &wants_gpu).unwrap_err();
        assert!(error.to_string().contains("zone"), "{error}");
        assert!(error.to_string().contains("local, gpu-box"), "{error}");
    }

    #[test]
    fn a_limit_above_every_host_and_no_host_up_are_refused() {
        let hosts = [host("small", 2.0, 2048)];
        assert_eq!(
            choose(&hosts, &demand(4.0, 64)).unwrap_err(),
            PlacementError::TooManyCpus {
                cpus: 4.0,
                most: 2.0
            }
        );
        assert_eq!(
            choose(&[], &demand(1.0, 64)).unwrap_err(),
            PlacementError::NoHostUp
        );
    }
}
