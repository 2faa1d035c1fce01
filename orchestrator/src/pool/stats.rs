//! Resource samples of agent containers, taken with one-shot stats (a
//! streaming read would wait two seconds for its second sample).

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bollard::Docker;
use chrono::Utc;
use futures_util::StreamExt;
use myca_agents::protocol::names::container_name;

use super::{inventory, FleetInstance, PoolError};
use crate::events::{Event, EventBus, TaskCounts};

/// Cumulative CPU counters; a percentage needs two of them.
#[derive(Debug, Clone, Copy, Default)]
struct CpuCounters {
    container: u64,
    system: u64,
    cpus: u32,
}

async fn one_shot(docker: &Docker, agent_id: &str) -> Result<ContainerStatsResponse, PoolError> {
    let options = StatsOptions {
        stream: false,
        one_shot: true,
    };
    let mut stats = docker.stats(&container_name(agent_id), Some(options));
    match stats.next().await {
        Some(sample) => Ok(sample?),
        None => Err(PoolError::UnknownAgent(agent_id.to_owned())),
    }
}

fn counters(stats: &ContainerStatsResponse) -> CpuCounters {
    let cpu = stats.cpu_stats.as_ref();
    CpuCounters {
        container: cpu
            .and_then(|c| c.cpu_usage.as_ref())
            .and_then(|u| u.total_usage)
            .unwrap_or(0),
        system: cpu.and_then(|c| c.system_cpu_usage).unwrap_or(0),
        cpus: cpu.and_then(|c| c.online_cpus).unwrap_or(1),
    }
}

fn cpu_percent(previous: CpuCounters, now: CpuCounters) -> f64 {
    let container = now.container.saturating_sub(previous.container) as f64;
    let system = now.system.saturating_sub(previous.system) as f64;
    if system <= 0.0 {
        return 0.0;
    }
    container / system * f64::from(now.cpus) * 100.0
}

fn memory_mb(stats: &ContainerStatsResponse) -> f64 {
    let usage = stats
        .memory_stats
        .as_ref()
        .and_then(|m| m.usage)
        .unwrap_or(0);
    usage as f64 / (1024.0 * 1024.0)
}

/// Samples every running agent of `instance` each `interval` and publishes
/// `Metrics` events, with the task counters `task_counts` knows for the
/// agent (its last heartbeat's), until the returned task is aborted.
pub fn start_sampler(
    docker: Docker,
    instance: FleetInstance,
    bus: EventBus,
    interval: Duration,
    task_counts: impl Fn(&str) -> Option<TaskCounts> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut previous: HashMap<String, CpuCounters> = HashMap::new();
        loop {
            match inventory::list(&docker, Some(&instance)).await {
                Ok(agents) => {
                    // Counters of agents gone since the last round go too.
                    previous.retain(|id, _| agents.iter().any(|a| &a.agent_id == id));
                    for agent in agents.into_iter().filter(|a| a.is_running()) {
                        let Ok(stats) = one_shot(&docker, &agent.agent_id).await else {
                            continue;
                        };
                        let now = counters(&stats);
                        let cpu = previous
                            .insert(agent.agent_id.clone(), now)
                            .map(|before| cpu_percent(before, now))
                            .unwrap_or(0.0);
                        bus.record(Event::Metrics {
                            tasks: task_counts(&agent.agent_id),
                            agent_id: agent.agent_id,
                            cpu_percent: cpu,
                            memory_mb: memory_mb(&stats),
                            at: Utc::now(),
                        })
                        .await;
                    }
                }
                Err(error) => tracing::warn!(%error, "cannot list agents for sampling"),
            }
            tokio::time::sleep(interval).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_percent_is_the_share_of_system_time_across_cpus() {
        let before = CpuCounters {
            container: 1_000,
            system: 10_000,
            cpus: 2,
        };
        let after = CpuCounters {
            container: 1_500,
            system: 12_000,
            cpus: 2,
        };
        assert!((cpu_percent(before, after) - 50.0).abs() < 1e-9);
        assert_eq!(cpu_percent(after, after), 0.0);
    }
}
