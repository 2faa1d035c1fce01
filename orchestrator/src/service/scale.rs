//! Scaling a kind across the fleet: replicas `{type}-{n}` placed one by one
//! on the least loaded hosts (or all on the template's host when it names
//! one), extra ones removed from wherever they run, highest first.

use std::sync::Arc;

use myca_agents::protocol::AgentConfig;

use super::{AgentView, FleetService};
use crate::hostset::placement::{choose, Demand};
use crate::hostset::{HostRuntime, HostSetError};

impl FleetService {
    pub async fn scale(
        &self,
        template: &AgentConfig,
        replicas: usize,
    ) -> Result<Vec<AgentView>, HostSetError> {
        let prefix = format!("{}-", template.agent_type);
        let replica_number = |id: &str| id.strip_prefix(&prefix)?.parse::<usize>().ok();
        let existing: Vec<(String, usize)> = self
            .hosts
            .all_agents()
            .await
            .into_iter()
            .filter(|placed| placed.agent.agent_type == template.agent_type)
            .filter_map(|placed| {
                let n = replica_number(&placed.agent.agent_id)?;
                Some((placed.agent.agent_id, n))
            })
            .collect();
        for (agent_id, _) in existing.iter().filter(|(_, n)| *n > replicas) {
            self.remove(agent_id).await?;
        }
        let missing: Vec<AgentConfig> = (1..=replicas)
            .filter(|n| !existing.iter().any(|(_, m)| m == n))
            .map(|n| {
                let mut config = template.clone();
                config.agent_id = format!("{prefix}{n}");
                config
            })
            .collect();
        let hosts = self.spread(&missing, template).await?;
        let spawns = missing
            .iter()
            .zip(hosts)
            .map(|(config, host)| async move { host.pool.spawn(config).await });
        for spawned in futures_util::future::join_all(spawns).await {
            spawned?;
        }
        let mut agents: Vec<AgentView> = self
            .agents()
            .await?
            .into_iter()
            .filter(|a| replica_number(&a.agent_id).is_some_and(|n| n <= replicas))
            .filter(|a| a.agent_type == template.agent_type)
            .collect();
        agents.sort_by_key(|a| replica_number(&a.agent_id));
        Ok(agents)
    }

    /// A host for each config: the template's host, or placement run once
    /// per replica over loads that count the replicas placed before it.
    async fn spread(
        &self,
        configs: &[AgentConfig],
        template: &AgentConfig,
    ) -> Result<Vec<Arc<HostRuntime>>, HostSetError> {
        if let Some(name) = &template.host {
            let host = self.hosts.host(name)?;
            return Ok(configs.iter().map(|_| Arc::clone(&host)).collect());
        }
        let mut loads = self.hosts.loads().await?;
        let demand = Demand::of(template);
        let mut chosen = Vec::with_capacity(configs.len());
        for _ in configs {
            let name = choose(&loads, &demand)?.name.clone();
            if let Some(load) = loads.iter_mut().find(|l| l.name == name) {
                load.add(&demand);
            }
            chosen.push(self.hosts.host(&name)?);
        }
        Ok(chosen)
    }
}
