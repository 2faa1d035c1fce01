//! The seed's cleanup operations: PostgreSQL functions there, the same
//! deletes here for SQLite.

use chrono::{Duration, Utc};

use super::{Store, StoreError};

/// How long history is kept unless configured otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRetention {
    pub log_days: u32,
    pub metric_days: u32,
}

impl Default for HistoryRetention {
    fn default() -> Self {
        Self {
            log_days: 30,
            metric_days: 7,
        }
    }
}

impl Store {
    /// `cleanup_old_agent_logs(days)`: deletes actions older than `days`; returns how many.
    pub async fn cleanup_old_agent_logs(&self, days: u32) -> Result<u64, StoreError> {
        self.cleanup("agent_logs", "cleanup_old_agent_logs", days)
            .await
    }

    /// `cleanup_old_agent_metrics(days)`: deletes samples older than `days`; returns how many.
    pub async fn cleanup_old_agent_metrics(&self, days: u32) -> Result<u64, StoreError> {
        self.cleanup("agent_metrics", "cleanup_old_agent_metrics", days)
            .await
    }

    /// Applies a retention policy to actions and metrics; returns rows removed.
    pub async fn apply_retention(&self, retention: HistoryRetention) -> Result<u64, StoreError> {
        Ok(self.cleanup_old_agent_logs(retention.log_days).await?
            + self
                .cleanup_old_agent_metrics(retention.metric_days)
                .await?)
    }

    async fn cleanup(&self, table: &str, function: &str, days: u32) -> Result<u64, StoreError> {
        let days = i32::try_from(days).unwrap_or(i32::MAX);
        match self {
            Store::Sqlite(pool) => {
                let cutoff = Utc::now() - Duration::days(i64::from(days));
                Ok(
                    sqlx::query(&format!("DELETE FROM {table} WHERE timestamp < $1"))
                        .bind(cutoff)
                        .execute(pool)
                        .await?
                        .rows_affected(),
                )
            }
            Store::Postgres(pool) => {
                let removed: i64 = sqlx::query_scalar(&format!("SELECT {function}($1)"))
                    .bind(days)
                    .fetch_one(pool)
                    .await?;
                Ok(u64::try_from(removed).unwrap_or(0))
            }
        }
    }
}
