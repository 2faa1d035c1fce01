//! `agent_metrics`: resource and work counters sampled over time.

use chrono::{DateTime, Utc};
use myca_agents::protocol::AgentMetrics;
use sqlx::QueryBuilder;

use super::dialect::on_store;
use super::{Store, StoreError, BATCH_ROWS};

/// The seed's columns are 32-bit; a counter past that is stored at its ceiling.
fn int(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn unsigned(value: Option<i32>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

#[derive(sqlx::FromRow)]
struct Row {
    agent_id: String,
    timestamp: DateTime<Utc>,
    cpu_percent: Option<f64>,
    memory_mb: Option<i32>,
    tasks_completed: Option<i32>,
    tasks_failed: Option<i32>,
    avg_task_duration_ms: Option<f64>,
    messages_sent: Option<i32>,
    messages_received: Option<i32>,
    uptime_seconds: Option<i32>,
    error_count: Option<i32>,
}

impl From<Row> for AgentMetrics {
    fn from(row: Row) -> Self {
        Self {
            agent_id: row.agent_id,
            timestamp: row.timestamp,
            cpu_percent: row.cpu_percent.unwrap_or(0.0),
            memory_mb: f64::from(row.memory_mb.unwrap_or(0)),
            tasks_completed: unsigned(row.tasks_completed),
            tasks_failed: unsigned(row.tasks_failed),
            avg_task_duration_ms: row.avg_task_duration_ms.unwrap_or(0.0),
            messages_sent: unsigned(row.messages_sent),
            messages_received: unsigned(row.messages_received),
            uptime_seconds: unsigned(row.uptime_seconds),
            error_count: unsigned(row.error_count),
        }
    }
}

impl Store {
    pub async fn insert_metrics(&self, samples: &[AgentMetrics]) -> Result<(), StoreError> {
        if samples.is_empty() {
            return Ok(());
        }
        on_store!(self, pool, d => {
            let mut tx = pool.begin().await?;
            for chunk in samples.chunks(BATCH_ROWS) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO agent_metrics (agent_id, timestamp, cpu_percent, memory_mb, \
                     tasks_completed, tasks_failed, avg_task_duration_ms, messages_sent, \
                     messages_received, uptime_seconds, error_count) ",
                );
                insert.push_values(chunk, |mut row, m| {
                    row.push_bind(&m.agent_id)
                        .push_bind(m.timestamp)
                        .push_bind(m.cpu_percent)
                        .push_bind(m.memory_mb.round() as i32)
                        .push_bind(int(m.tasks_completed))
                        .push_bind(int(m.tasks_failed))
                        .push_bind(m.avg_task_duration_ms)
                        .push_bind(int(m.messages_sent))
                        .push_bind(int(m.messages_received))
                        .push_bind(int(m.uptime_seconds))
                        .push_bind(int(m.error_count));
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// An agent's most recent samples, newest first.
    pub async fn metrics(
        &self,
        agent_id: &str,
        limit: u32,
    ) -> Result<Vec<AgentMetrics>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT agent_id, timestamp, cpu_percent, memory_mb, tasks_completed, \
                 tasks_failed, avg_task_duration_ms, messages_sent, messages_received, \
                 uptime_seconds, error_count FROM agent_metrics WHERE agent_id = $1 \
                 ORDER BY timestamp DESC, id DESC LIMIT $2",
            )
            .bind(agent_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(AgentMetrics::from).collect())
    }
}
