//! Recent traffic, for the topology's edge weights.

use chrono::{DateTime, Utc};

use super::dialect::on_store;
use super::{Store, StoreError};

impl Store {
    /// Tasks created since `since`, per agent that holds them.
    pub async fn task_counts_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT agent_id, count(*) FROM tasks WHERE created_at >= $1 AND agent_id <> '' \
                 GROUP BY agent_id ORDER BY agent_id",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Messages sent since `since`, per sender and recipient.
    pub async fn message_counts_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT from_agent, to_agent, count(*) FROM agent_messages WHERE timestamp >= $1 \
                 GROUP BY from_agent, to_agent ORDER BY from_agent, to_agent",
            )
            .bind(since)
            .fetch_all(pool)
            .await?
        }))
    }
}
