//! The seed's two views: activity per agent and the latest failures.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::dialect::on_store;
use super::{Store, StoreError};

/// A row of `agent_activity_summary`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ActivitySummary {
    pub agent_id: String,
    pub total_actions: i64,
    pub successful_actions: i64,
    pub failed_actions: i64,
    pub avg_duration_ms: Option<f64>,
    pub first_action: DateTime<Utc>,
    pub last_action: DateTime<Utc>,
}

/// A row of `recent_agent_errors`.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RecentError {
    pub id: i64,
    pub agent_id: String,
    pub timestamp: DateTime<Utc>,
    pub action_type: String,
    pub input_summary: Option<String>,
    pub output_summary: Option<String>,
    pub duration_ms: Option<i32>,
}

impl Store {
    pub async fn activity_summary(&self) -> Result<Vec<ActivitySummary>, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT agent_id, total_actions, successful_actions, failed_actions, \
                 avg_duration_ms, first_action, last_action FROM agent_activity_summary \
                 ORDER BY agent_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// The latest failed actions (at most 100), newest first.
    pub async fn recent_errors(&self) -> Result<Vec<RecentError>, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT id, agent_id, timestamp, action_type, input_summary, output_summary, \
                 duration_ms FROM recent_agent_errors ORDER BY timestamp DESC, id DESC",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
