//! Tasks, snapshots, topology, gaps and approvals: the window's views of
//! the fleet's records, each one call of the library the API uses too.

use myca_agents::protocol::{AgentTask, TaskStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::failed;
use super::{Desktop, DesktopError};
use crate::api::{submit_task, task_page, topology_of, ApiError, TaskRequest};
use crate::gaps::{Filled, Gap};
use crate::snapshots::Restored;
use crate::store::{
    Approval, ApprovalStatus, AuditEntry, LedgerEntry, Page, Paged, SnapshotSummary, TaskFilter,
};
use crate::topology::Topology;

/// Who an approval or fill is recorded under when the form gives no name.
const DEFAULT_ACTOR: &str = "desktop";
const APPROVALS_SHOWN: u32 = 200;

/// Which tasks a view lists.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct TaskQuery {
    #[ts(optional)]
    pub status: Option<TaskStatus>,
    #[ts(optional)]
    pub agent_id: Option<String>,
    /// `next_cursor` of the previous page.
    #[ts(optional)]
    pub cursor: Option<String>,
    #[ts(optional)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TaskPage {
    pub items: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SnapshotTaken {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub agent_id: String,
    pub reason: String,
}

fn actor(by: &str) -> &str {
    match by.trim() {
        "" => DEFAULT_ACTOR,
        name => name,
    }
}

fn page(cursor: Option<i64>, limit: Option<u32>) -> Result<Page, DesktopError> {
    let limit = crate::api::checked_limit(limit).map_err(DesktopError::from)?;
    Ok(Page {
        limit,
        before: cursor,
    })
}

impl Desktop {
    pub async fn list_tasks(&self, query: TaskQuery) -> Result<TaskPage, DesktopError> {
        let service = self.service()?;
        let filter = TaskFilter {
            status: query.status,
            agent_id: query.agent_id,
            limit: None,
        };
        let (items, next_cursor) = task_page(service, filter, query.limit, query.cursor).await?;
        Ok(TaskPage { items, next_cursor })
    }

    pub async fn submit_task(&self, request: TaskRequest) -> Result<LedgerEntry, DesktopError> {
        Ok(submit_task(self.service()?, request).await?)
    }

    pub async fn cancel_task(&self, task_id: Uuid) -> Result<LedgerEntry, DesktopError> {
        self.service()?.ledger.cancel(task_id).await.map_err(failed)
    }

    /// A new task with the same route, type and payload as `task_id`.
    pub async fn retry_task(&self, task_id: Uuid) -> Result<LedgerEntry, DesktopError> {
        let service = self.service()?;
        let old = service
            .ledger
            .task(task_id)
            .await
            .map_err(failed)?
            .ok_or_else(|| ApiError::NotFound(format!("no task {task_id}")))?;
        let mut task = AgentTask::new(
            old.task.agent_id.clone(),
            old.task.task_type.clone(),
            old.task.payload.clone(),
        );
        task.priority = old.task.priority;
        task.timeout = old.task.timeout;
        task.max_retries = old.task.max_retries;
        task.requester_agent = old.task.requester_agent.clone();
        service.ledger.submit(task, old.route).await.map_err(failed)
    }

    pub async fn take_snapshot(
        &self,
        agent_id: &str,
        reason: &str,
    ) -> Result<SnapshotTaken, DesktopError> {
        let service = self.service()?;
        self.fleet_agent(service, agent_id).await?;
        let reason = match reason.trim() {
            "" => "manual",
            reason => reason,
        };
        let snapshot_id = service
            .snapshots
            .create(agent_id, reason)
            .await
            .map_err(failed)?;
        Ok(SnapshotTaken {
            snapshot_id,
            agent_id: agent_id.to_owned(),
            reason: reason.to_owned(),
        })
    }

    pub async fn list_snapshots(
        &self,
        agent_id: &str,
        cursor: Option<i64>,
    ) -> Result<Paged<SnapshotSummary>, DesktopError> {
        let service = self.service()?;
        myca_agents::protocol::validate_agent_id(agent_id).map_err(failed)?;
        let page = page(cursor, None)?;
        service
            .store
            .snapshots(Some(agent_id), &page)
            .await
            .map_err(failed)
    }

    pub async fn restore_snapshot(
        &self,
        snapshot_id: i64,
        agent_id: Option<&str>,
    ) -> Result<Restored, DesktopError> {
        let service = self.service()?;
        let agent_id = agent_id.filter(|id| !id.trim().is_empty());
        service
            .snapshots
            .restore(snapshot_id, agent_id)
            .await
            .map_err(failed)
    }

    pub async fn topology(&self, window_seconds: i64) -> Result<Topology, DesktopError> {
        Ok(topology_of(self.service()?, window_seconds).await?)
    }

    pub async fn list_gaps(&self) -> Result<Vec<Gap>, DesktopError> {
        self.service()?.gaps.gaps().await.map_err(failed)
    }

    /// Spawns the missing agent, or files an approval request where its
    /// category needs one. The window grants no privileges (a kind that
    /// needs one is refused, saying so; the API's fill can grant them).
    pub async fn fill_gap(&self, agent_id: &str, by: &str) -> Result<Filled, DesktopError> {
        self.service()?
            .gaps
            .fill(agent_id, actor(by), &[])
            .await
            .map_err(failed)
    }

    pub async fn list_approvals(
        &self,
        status: Option<ApprovalStatus>,
    ) -> Result<Vec<Approval>, DesktopError> {
        self.service()?
            .store
            .approvals(status, APPROVALS_SHOWN)
            .await
            .map_err(failed)
    }

    pub async fn decide_approval(
        &self,
        id: Uuid,
        approve: bool,
        by: &str,
    ) -> Result<Filled, DesktopError> {
        if by.trim().is_empty() {
            return Err(DesktopError::invalid_fields(vec![super::FieldError {
                field: "by".into(),
                message: "say who decides: it is recorded in the audit trail".into(),
            }]));
        }
        self.service()?
            .gaps
            .decide(id, approve, by.trim(), None)
            .await
            .map_err(failed)
    }

    pub async fn audit(&self, cursor: Option<i64>) -> Result<Paged<AuditEntry>, DesktopError> {
        let page = page(cursor, None)?;
        self.service()?.store.audit(&page).await.map_err(failed)
    }
}
