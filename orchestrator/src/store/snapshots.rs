//! `agent_snapshots`: agents' frozen state, for inspection and restores.

use chrono::{DateTime, Duration, Utc};
use myca_agents::protocol::{AgentConfig, AgentSnapshot, AgentState, AgentTask};
use serde::Serialize;
use serde_json::Value;
use sqlx::types::Json;

use super::dialect::on_store;
use super::{Page, Paged, Store, StoreError};

/// A stored snapshot: its row id and the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSnapshot {
    pub id: i64,
    #[serde(flatten)]
    pub snapshot: AgentSnapshot,
}

/// A snapshot's listing line, without its (possibly large) state.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct SnapshotSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub agent_id: String,
    pub snapshot_time: DateTime<Utc>,
    pub reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    agent_id: String,
    snapshot_time: DateTime<Utc>,
    state: Json<AgentState>,
    config: Json<AgentConfig>,
    pending_tasks: Json<Vec<AgentTask>>,
    memory_state: Option<Json<Value>>,
    reason: Option<String>,
}

impl From<Row> for StoredSnapshot {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            snapshot: AgentSnapshot {
                // The row id is the snapshot's identity in the store; the
                // agent's own uuid for it is not a column of the seed's table.
                id: uuid::Uuid::nil(),
                agent_id: row.agent_id,
                snapshot_time: row.snapshot_time,
                state: row.state.0,
                config: row.config.0,
                pending_tasks: row.pending_tasks.0,
                memory_state: row.memory_state.map(|Json(v)| v).unwrap_or(Value::Null),
                reason: row.reason.unwrap_or_default(),
            },
        }
    }
}

/// Which snapshots a cleanup keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotRetention {
    /// The newest this many per agent are always kept.
    pub keep_last: u32,
    /// Older ones are dropped once older than this many days.
    pub max_age_days: u32,
}

impl Default for SnapshotRetention {
    fn default() -> Self {
        Self {
            keep_last: 10,
            max_age_days: 30,
        }
    }
}

impl Store {
    /// Stores a snapshot (already free of secrets) and returns its row id.
    pub async fn insert_snapshot(&self, snapshot: &AgentSnapshot) -> Result<i64, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_scalar(
                "INSERT INTO agent_snapshots (agent_id, snapshot_time, state, config, \
                 pending_tasks, memory_state, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 RETURNING id",
            )
            .bind(&snapshot.agent_id)
            .bind(snapshot.snapshot_time)
            .bind(Json(&snapshot.state))
            .bind(Json(&snapshot.config))
            .bind(Json(&snapshot.pending_tasks))
            .bind(Json(&snapshot.memory_state))
            .bind(&snapshot.reason)
            .fetch_one(pool)
            .await?
        }))
    }

    pub async fn snapshot(&self, id: i64) -> Result<Option<StoredSnapshot>, StoreError> {
        let row: Option<Row> = on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT id, agent_id, snapshot_time, state, config, pending_tasks, memory_state, \
                 reason FROM agent_snapshots WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(StoredSnapshot::from))
    }

    /// An agent's snapshots (every agent's when `None`), newest first.
    pub async fn snapshots(
        &self,
        agent_id: Option<&str>,
        page: &Page,
    ) -> Result<Paged<SnapshotSummary>, StoreError> {
        let rows: Vec<SnapshotSummary> = on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT id, agent_id, snapshot_time, reason FROM agent_snapshots \
                 WHERE ($1 IS NULL OR agent_id = $1) AND ($2 IS NULL OR id < $2) \
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(agent_id)
            .bind(page.before)
            .bind(page.fetch())
            .fetch_all(pool)
            .await?
        });
        Ok(Paged::from_rows(
            rows.into_iter()
                .map(|summary| (summary.id, summary))
                .collect(),
            page,
        ))
    }

    pub async fn delete_snapshot(&self, id: i64) -> Result<bool, StoreError> {
        let deleted = on_store!(self, pool, d => {
            sqlx::query("DELETE FROM agent_snapshots WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted > 0)
    }

    /// Drops every snapshot that is both beyond an agent's newest
    /// `keep_last` and older than `max_age_days`; returns how many.
    pub async fn cleanup_snapshots(&self, retention: SnapshotRetention) -> Result<u64, StoreError> {
        let cutoff = Utc::now() - Duration::days(i64::from(retention.max_age_days));
        Ok(on_store!(self, pool, d => {
            sqlx::query(
                "DELETE FROM agent_snapshots WHERE snapshot_time < $1 AND id IN ( \
                   SELECT id FROM ( \
                     SELECT id, row_number() OVER (PARTITION BY agent_id \
                       ORDER BY snapshot_time DESC, id DESC) AS newest \
                     FROM agent_snapshots) ranked \
                   WHERE newest > $2)",
            )
            .bind(cutoff)
            .bind(i64::from(retention.keep_last))
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}
