use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One metrics sample; the columns of the seed's `agent_metrics` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentMetrics {
    pub agent_id: String,
    #[serde(default = "Utc::now")]
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub cpu_percent: f64,
    #[serde(default)]
    pub memory_mb: f64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tasks_completed: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub tasks_failed: u64,
    #[serde(default)]
    pub avg_task_duration_ms: f64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub messages_sent: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub messages_received: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub uptime_seconds: u64,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub error_count: u64,
}
