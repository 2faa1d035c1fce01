//! `tasks`: the task ledger, the source of truth for every task.

use chrono::{DateTime, Utc};
use myca_agents::protocol::{AgentTask, ProtocolError, TaskPriority, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::approvals::{NewAudit, AUDIT_INSERT};
use super::dialect::on_store;
use super::{Store, StoreError, TaskCursor, DEFAULT_PAGE_ROWS};

/// Where a task goes: one agent, any replica of a type, or any agent able
/// to run a capability.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum Route {
    Agent(String),
    Type(String),
    Capability(String),
}

impl Route {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Route::Agent(target) => ("agent", target),
            Route::Type(target) => ("type", target),
            Route::Capability(target) => ("capability", target),
        }
    }

    fn from_parts(kind: &str, target: String) -> Option<Self> {
        match kind {
            "agent" => Some(Route::Agent(target)),
            "type" => Some(Route::Type(target)),
            "capability" => Some(Route::Capability(target)),
            _ => None,
        }
    }
}

/// A task as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LedgerEntry {
    #[serde(flatten)]
    pub task: AgentTask,
    pub route: Route,
    /// The broker it was last queued on: its host's name, or `shared` for
    /// the one Redis every host reaches.
    #[serde(default)]
    pub broker: Option<String>,
    /// Where it was last queued in Redis.
    pub stream: Option<String>,
    pub entry_id: Option<String>,
    /// When a failed attempt is tried again.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Why no agent is taking the task (`no agent with id …`); null once
    /// a live agent can take it.
    pub waiting_reason: Option<String>,
    /// When the attempt fails if the reason still holds (set with the
    /// reason: then + the task's `timeout`).
    pub wait_deadline: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    route_kind: String,
    route_target: String,
    agent_id: String,
    task_type: String,
    payload: Json<Value>,
    priority: i32,
    status: String,
    result: Option<Json<Value>>,
    error: Option<String>,
    retries: i32,
    max_retries: i32,
    timeout: i32,
    requester_agent: Option<String>,
    broker: Option<String>,
    stream: Option<String>,
    entry_id: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    waiting_reason: Option<String>,
    wait_deadline: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "CAST(id AS TEXT) AS id, route_kind, route_target, agent_id, task_type, \
    payload, priority, status, result, error, retries, max_retries, timeout, requester_agent, \
    broker, stream, entry_id, next_attempt_at, created_at, updated_at, started_at, completed_at, \
    waiting_reason, wait_deadline";

impl TryFrom<Row> for LedgerEntry {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let corrupt = |what: &str, value: String| StoreError::Corrupt {
            table: "tasks",
            detail: format!("{what} {value:?}"),
        };
        let unsigned = |n: i32| u32::try_from(n).unwrap_or(0);
        Ok(Self {
            task: AgentTask {
                id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id", row.id.clone()))?,
                agent_id: row.agent_id,
                task_type: row.task_type,
                payload: row.payload.0,
                priority: TaskPriority::try_from(i64::from(row.priority))
                    .map_err(|_| corrupt("priority", row.priority.to_string()))?,
                created_at: row.created_at,
                started_at: row.started_at,
                completed_at: row.completed_at,
                status: row
                    .status
                    .parse()
                    .map_err(|_| corrupt("status", row.status.clone()))?,
                result: row.result.map(|Json(v)| v),
                error: row.error,
                timeout: u64::from(unsigned(row.timeout)),
                retries: unsigned(row.retries),
                max_retries: unsigned(row.max_retries),
                requester_agent: row.requester_agent,
            },
            route: Route::from_parts(&row.route_kind, row.route_target.clone())
                .ok_or_else(|| corrupt("route", row.route_kind.clone()))?,
            broker: row.broker,
            stream: row.stream,
            entry_id: row.entry_id,
            next_attempt_at: row.next_attempt_at,
            updated_at: row.updated_at,
            waiting_reason: row.waiting_reason,
            wait_deadline: row.wait_deadline,
        })
    }
}

/// Which tasks a listing returns, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub agent_id: Option<String>,
    pub limit: Option<u32>,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Store {
    /// Adds a task to the ledger; the same id twice is an error (409 to a client).
    pub async fn insert_task(&self, entry: &LedgerEntry) -> Result<(), StoreError> {
        let task = &entry.task;
        let (kind, target) = entry.route.parts();
        on_store!(self, pool, d => {
            sqlx::query(
                "INSERT INTO tasks (id, route_kind, route_target, agent_id, task_type, payload, \
                 priority, status, result, error, retries, max_retries, timeout, requester_agent, \
                 stream, entry_id, next_attempt_at, created_at, updated_at, started_at, completed_at, \
                 waiting_reason, wait_deadline, broker) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22, $23, $24)",
            )
            .bind(d::uuid(task.id))
            .bind(kind)
            .bind(target)
            .bind(&task.agent_id)
            .bind(&task.task_type)
            .bind(Json(&task.payload))
            .bind(i32::from(task.priority.value()))
            .bind(task.status.as_str())
            .bind(task.result.as_ref().map(Json))
            .bind(&task.error)
            .bind(int(u64::from(task.retries)))
            .bind(int(u64::from(task.max_retries)))
            .bind(int(task.timeout))
            .bind(&task.requester_agent)
            .bind(&entry.stream)
            .bind(&entry.entry_id)
            .bind(entry.next_attempt_at)
            .bind(task.created_at)
            .bind(entry.updated_at)
            .bind(task.started_at)
            .bind(task.completed_at)
            .bind(&entry.waiting_reason)
            .bind(entry.wait_deadline)
            .bind(&entry.broker)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Writes a task's changed state (status, result, attempts, placement,
    /// waiting reason). `path` is the statuses it went through: the one the
    /// store holds first, `entry`'s last; every step must be one the task
    /// state machine allows (a path of one status changes only fields, and
    /// never of a settled task). The write is a compare-and-set on the first
    /// status and the attempt (`retries`), so of two writers racing from the
    /// same state one wins and the other gets [`StoreError::TaskChanged`].
    /// This one stays within `entry`'s attempt.
    pub async fn update_task(
        &self,
        entry: &LedgerEntry,
        path: &[TaskStatus],
    ) -> Result<(), StoreError> {
        self.update_task_audited(entry, path, entry.task.retries, None)
            .await
    }

    /// [`Store::update_task`], appending `audit` to the audit trail in the
    /// same transaction: the entry exists exactly when the change was written.
    pub async fn update_task_audited(
        &self,
        entry: &LedgerEntry,
        path: &[TaskStatus],
        read_retries: u32,
        audit: Option<&NewAudit>,
    ) -> Result<(), StoreError> {
        let task = &entry.task;
        let expected = check_path(task.id, path, task.status).inspect_err(|error| {
            tracing::warn!(%error, ?path, "task update refused");
        })?;
        let updated = on_store!(self, pool, d => {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE tasks SET agent_id = $2, status = $3, result = $4, error = $5, \
                 retries = $6, stream = $7, entry_id = $8, next_attempt_at = $9, updated_at = $10, \
                 started_at = $11, completed_at = $12, waiting_reason = $13, wait_deadline = $14, \
                 broker = $16 WHERE id = $1 AND status = $15 AND retries = $17",
            )
            .bind(d::uuid(task.id))
            .bind(&task.agent_id)
            .bind(task.status.as_str())
            .bind(task.result.as_ref().map(Json))
            .bind(&task.error)
            .bind(int(u64::from(task.retries)))
            .bind(&entry.stream)
            .bind(&entry.entry_id)
            .bind(entry.next_attempt_at)
            .bind(entry.updated_at)
            .bind(task.started_at)
            .bind(task.completed_at)
            .bind(&entry.waiting_reason)
            .bind(entry.wait_deadline)
            .bind(expected.as_str())
            .bind(&entry.broker)
            .bind(int(u64::from(read_retries)))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if let (1, Some(audit)) = (updated, audit) {
                sqlx::query(AUDIT_INSERT)
                    .bind(entry.updated_at)
                    .bind(&audit.actor)
                    .bind(&audit.action)
                    .bind(&audit.subject)
                    .bind(Json(&audit.detail))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            updated
        });
        if updated == 0 {
            return Err(StoreError::TaskChanged {
                task_id: task.id,
                expected,
                retries: read_retries,
            });
        }
        Ok(())
    }

    pub async fn task(&self, id: Uuid) -> Result<Option<LedgerEntry>, StoreError> {
        let row: Option<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM tasks WHERE id = $1"))
                .bind(d::uuid(id))
                .fetch_optional(pool)
                .await?
        });
        row.map(LedgerEntry::try_from).transpose()
    }

    /// Tasks newest first, up to the filter's limit, after `cursor`; with
    /// the cursor of the next page when there is one.
    pub async fn tasks(
        &self,
        filter: &TaskFilter,
        cursor: Option<TaskCursor>,
    ) -> Result<(Vec<LedgerEntry>, Option<TaskCursor>), StoreError> {
        let limit = filter.limit.unwrap_or(DEFAULT_PAGE_ROWS);
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM tasks WHERE ($1 IS NULL OR status = $1) \
                 AND ($2 IS NULL OR agent_id = $2) \
                 AND ($3 IS NULL OR created_at < $3 OR (created_at = $3 AND id < $4)) \
                 ORDER BY created_at DESC, id DESC LIMIT $5"
            ))
            .bind(filter.status.map(|s| s.as_str()))
            .bind(&filter.agent_id)
            .bind(cursor.map(|c| c.created_at))
            .bind(cursor.map(|c| d::uuid(c.id)))
            .bind(i64::from(limit) + 1)
            .fetch_all(pool)
            .await?
        });
        let mut tasks = rows
            .into_iter()
            .map(LedgerEntry::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let next = (tasks.len() > limit as usize).then(|| {
            tasks.truncate(limit as usize);
            tasks.last().map(|last| TaskCursor {
                created_at: last.task.created_at,
                id: last.task.id,
            })
        });
        Ok((tasks, next.flatten()))
    }

    /// Tasks in `status`, oldest first (for recovery).
    pub async fn tasks_in(&self, status: TaskStatus) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM tasks WHERE status = $1 ORDER BY created_at"
            ))
            .bind(status.as_str())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(LedgerEntry::try_from).collect()
    }

    pub async fn count_tasks(&self, status: TaskStatus) -> Result<i64, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_scalar("SELECT count(*) FROM tasks WHERE status = $1")
                .bind(status.as_str())
                .fetch_one(pool)
                .await?
        }))
    }

    /// Tasks no agent has taken yet (pending or queued), oldest first: the
    /// ones that may be waiting for an agent.
    pub async fn untaken_tasks(&self) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM tasks WHERE status IN ('pending', 'queued') \
                 ORDER BY created_at"
            ))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(LedgerEntry::try_from).collect()
    }

    /// Failed or timed-out tasks whose next attempt is due.
    pub async fn due_retries(&self, now: DateTime<Utc>) -> Result<Vec<LedgerEntry>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM tasks WHERE status IN ('failed', 'timed_out') \
                 AND next_attempt_at IS NOT NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at"
            ))
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(LedgerEntry::try_from).collect()
    }
}

/// The status the store must hold for a write along `path` to `current`:
/// every step checked by the task state machine.
fn check_path(
    task_id: Uuid,
    path: &[TaskStatus],
    current: TaskStatus,
) -> Result<TaskStatus, StoreError> {
    let (&expected, _) =
        path.split_first()
            .ok_or(StoreError::IllegalTransition(ProtocolError::InvalidField {
                field: "path",
                reason: "a task update names the status it starts from".into(),
            }))?;
    if path.last() != Some(&current) {
        return Err(StoreError::IllegalTransition(ProtocolError::InvalidField {
            field: "path",
            reason: format!("ends at {:?}, the task is {current}", path.last()),
        }));
    }
    if path.len() == 1 && current.is_final() {
        return Err(StoreError::IllegalTransition(
            ProtocolError::IllegalTransition {
                task_id,
                from: current,
                to: current,
            },
        ));
    }
    for step in path.windows(2) {
        step[0]
            .step(task_id, step[1])
            .map_err(StoreError::IllegalTransition)?;
    }
    Ok(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;

    #[test]
    fn writes_follow_the_task_state_machine() {
        let id = Uuid::new_v4();
        assert_eq!(check_path(id, &[Queued], Queued).unwrap(), Queued);
        assert_eq!(
            check_path(id, &[Queued, Running, Failed, DeadLettered], DeadLettered).unwrap(),
            Queued
        );
        assert_eq!(
            check_path(id, &[Queued, Cancelled], Cancelled).unwrap(),
            Queued
        );
        for (path, current) in [
            (&[Completed][..], Completed),
            (&[Cancelled, Completed][..], Completed),
            (&[Queued, Completed][..], Completed),
            (&[DeadLettered, Queued][..], Queued),
        ] {
            let error = check_path(id, path, current).unwrap_err();
            assert!(
                matches!(
                    error,
                    StoreError::IllegalTransition(ProtocolError::IllegalTransition { .. })
                ),
                "{path:?}: {error}"
            );
        }
        assert!(check_path(id, &[], Queued).is_err());
        assert!(check_path(id, &[Queued, Running], Completed).is_err());
    }
}
