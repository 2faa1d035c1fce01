//! The fleet table and what an operator does to agents from it.

use myca_agents::protocol::AgentConfig;
use serde::{Deserialize, Serialize};

use super::error::failed;
use super::{Desktop, DesktopError, ErrorKind};
use crate::hostset::HostView;
use crate::service::{AgentView, FleetService};
use crate::store::{Page, SnapshotSummary, StoredAction};

/// How many of an agent's recent actions and snapshots its detail shows.
const DETAIL_ROWS: u32 = 20;

/// One row of the fleet table: the agent, where it runs, its last sample.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FleetAgent {
    /// Where it runs is its `host`.
    #[serde(flatten)]
    pub agent: AgentView,
    pub cpu_percent: Option<f64>,
    pub memory_mb: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BulkAction {
    Stop,
    Restart,
    Remove,
    Snapshot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ActionOutcome {
    pub agent_id: String,
    pub ok: bool,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AgentDetail {
    pub agent: FleetAgent,
    /// As spawned, secret-named values masked; none for an adopted
    /// container without our label.
    pub config: Option<AgentConfig>,
    pub recent_actions: Vec<StoredAction>,
    pub snapshots: Vec<SnapshotSummary>,
}

impl Desktop {
    fn row(&self, agent: AgentView) -> FleetAgent {
        let sample = self.samples.get(&agent.agent_id);
        FleetAgent {
            cpu_percent: sample.map(|s| s.cpu_percent),
            memory_mb: sample.map(|s| s.memory_mb),
            agent,
        }
    }

    pub(super) async fn fleet_agent(
        &self,
        service: &FleetService,
        agent_id: &str,
    ) -> Result<FleetAgent, DesktopError> {
        let agent = service.agent(agent_id).await.map_err(failed)?;
        let agent = agent.ok_or_else(|| {
            DesktopError::new(ErrorKind::NotFound, format!("no agent {agent_id:?}"))
        })?;
        Ok(self.row(agent))
    }

    /// Every host of the fleet with its state.
    pub fn list_hosts(&self) -> Result<Vec<HostView>, DesktopError> {
        Ok(self.service()?.hosts.views())
    }

    pub async fn list_agents(&self) -> Result<Vec<FleetAgent>, DesktopError> {
        let service = self.service()?;
        let agents = service.agents().await.map_err(failed)?;
        Ok(agents.into_iter().map(|a| self.row(a)).collect())
    }

    /// Does `action` to every agent at once; one outcome per id, in order.
    pub async fn agents_action(
        &self,
        agent_ids: &[String],
        action: BulkAction,
    ) -> Result<Vec<ActionOutcome>, DesktopError> {
        let service = self.service()?;
        let outcomes = agent_ids.iter().map(|agent_id| async move {
            let done = match action {
                BulkAction::Stop => service
                    .stop(agent_id, false)
                    .await
                    .map(|()| "stopped".to_owned())
                    .map_err(failed),
                BulkAction::Restart => service
                    .restart(agent_id)
                    .await
                    .map(|_| "restarted".to_owned())
                    .map_err(failed),
                BulkAction::Remove => service
                    .remove(agent_id)
                    .await
                    .map(|()| "removed".to_owned())
                    .map_err(failed),
                BulkAction::Snapshot => service
                    .snapshots
                    .create(agent_id, "taken from the fleet table")
                    .await
                    .map(|id| format!("snapshot {id} taken"))
                    .map_err(failed),
            };
            let (ok, message) = match done {
                Ok(message) => (true, message),
                Err(error) => (false, error.message),
            };
            ActionOutcome {
                agent_id: agent_id.clone(),
                ok,
                message,
            }
        });
        Ok(futures_util::future::join_all(outcomes).await)
    }

    /// Runs `replicas` agents like `agent_id` (named `{kind}-{n}`).
    pub async fn scale_agent(
        &self,
        agent_id: &str,
        replicas: usize,
    ) -> Result<Vec<FleetAgent>, DesktopError> {
        let service = self.service()?;
        if !(1..=super::spawn::MAX_REPLICAS).contains(&replicas) {
            return Err(DesktopError::invalid_fields(vec![super::FieldError {
                field: "replicas".into(),
                message: format!("1 to {} replicas", super::spawn::MAX_REPLICAS),
            }]));
        }
        let template = service
            .spawn_config(agent_id)
            .await
            .map_err(failed)?
            .ok_or_else(|| {
                DesktopError::new(
                    ErrorKind::Conflict,
                    format!("{agent_id} has no spawn configuration to copy (adopted container)"),
                )
            })?;
        let agents = service.scale(&template, replicas).await.map_err(failed)?;
        Ok(agents.into_iter().map(|a| self.row(a)).collect())
    }

    pub async fn agent_detail(&self, agent_id: &str) -> Result<AgentDetail, DesktopError> {
        let service = self.service()?;
        let agent = self.fleet_agent(service, agent_id).await?;
        let store = &service.store;
        Ok(AgentDetail {
            config: service.spawn_config(agent_id).await.map_err(failed)?,
            recent_actions: store.actions(agent_id, DETAIL_ROWS).await.map_err(failed)?,
            snapshots: store
                .snapshots(Some(agent_id), &Page::first(DETAIL_ROWS))
                .await
                .map_err(failed)?
                .items,
            agent,
        })
    }
}
