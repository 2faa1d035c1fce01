//! `agent_logs`: what agents did, one row per action.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::QueryBuilder;

use super::dialect::on_store;
use super::{Store, StoreError, BATCH_ROWS};

/// One agent action, the seed's `agent_logs` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AgentAction {
    pub agent_id: String,
    pub timestamp: DateTime<Utc>,
    pub action_type: String,
    pub input_summary: Option<String>,
    pub output_summary: Option<String>,
    pub success: bool,
    pub duration_ms: Option<i32>,
    pub resources_used: Option<Value>,
    #[serde(default)]
    pub related_agents: Vec<String>,
}

impl AgentAction {
    pub fn new(agent_id: impl Into<String>, action_type: impl Into<String>, success: bool) -> Self {
        Self {
            agent_id: agent_id.into(),
            timestamp: Utc::now(),
            action_type: action_type.into(),
            input_summary: None,
            output_summary: None,
            success,
            duration_ms: None,
            resources_used: None,
            related_agents: Vec::new(),
        }
    }
}

/// A stored row: its id and the action.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct StoredAction {
    #[ts(type = "number")]
    pub id: i64,
    #[serde(flatten)]
    pub action: AgentAction,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    agent_id: String,
    timestamp: DateTime<Utc>,
    action_type: String,
    input_summary: Option<String>,
    output_summary: Option<String>,
    success: bool,
    duration_ms: Option<i32>,
    resources_used: Option<Json<Value>>,
    related_agents: Option<Json<Vec<String>>>,
}

impl From<Row> for StoredAction {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            action: AgentAction {
                agent_id: row.agent_id,
                timestamp: row.timestamp,
                action_type: row.action_type,
                input_summary: row.input_summary,
                output_summary: row.output_summary,
                success: row.success,
                duration_ms: row.duration_ms,
                resources_used: row.resources_used.map(|Json(v)| v),
                related_agents: row.related_agents.map(|Json(v)| v).unwrap_or_default(),
            },
        }
    }
}

impl Store {
    /// Appends actions in multi-row INSERTs, all in one transaction.
    pub async fn insert_actions(&self, actions: &[AgentAction]) -> Result<(), StoreError> {
        if actions.is_empty() {
            return Ok(());
        }
        on_store!(self, pool, d => {
            let mut tx = pool.begin().await?;
            for chunk in actions.chunks(BATCH_ROWS) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO agent_logs (agent_id, timestamp, action_type, input_summary, \
                     output_summary, success, duration_ms, resources_used, related_agents) ",
                );
                insert.push_values(chunk, |mut row, a| {
                    row.push_bind(&a.agent_id)
                        .push_bind(a.timestamp)
                        .push_bind(&a.action_type)
                        .push_bind(&a.input_summary)
                        .push_bind(&a.output_summary)
                        .push_bind(a.success)
                        .push_bind(a.duration_ms)
                        .push_bind(a.resources_used.as_ref().map(Json))
                        .push_bind(d::names(&a.related_agents));
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// An agent's most recent actions, newest first.
    pub async fn actions(
        &self,
        agent_id: &str,
        limit: u32,
    ) -> Result<Vec<StoredAction>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT id, agent_id, timestamp, action_type, input_summary, output_summary, \
                 success, duration_ms, resources_used, {} AS related_agents FROM agent_logs \
                 WHERE agent_id = $1 ORDER BY timestamp DESC, id DESC LIMIT $2",
                d::RELATED_AGENTS_JSON
            ))
            .bind(agent_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(StoredAction::from).collect())
    }

    pub async fn count_actions(&self, agent_id: &str) -> Result<i64, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_scalar("SELECT count(*) FROM agent_logs WHERE agent_id = $1")
                .bind(agent_id)
                .fetch_one(pool)
                .await?
        }))
    }
}
