//! What the CFO approved in the current budget period, per category: kept
//! in the agent's long-term memory (the orchestrator's store), so it
//! survives a restart, travels in the agent's snapshots and comes back
//! with a restore. A new period starts from the settings' `spent` again.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Utc};
use serde_json::{json, Map, Value};
use tokio::sync::{Mutex, MutexGuard};

use crate::runtime::handlers::TaskContext;

/// One approval at a time: two concurrent ones must not both spend the
/// last of a budget.
static DECIDING: LazyLock<Mutex<()>> = LazyLock::new(Mutex::default);

/// The periods a budget can run for.
pub const PERIODS: [&str; 3] = ["month", "quarter", "year"];

/// The label of the `period` (month, quarter or year) `now` falls in.
pub fn period_label(period: &str, now: DateTime<Utc>) -> String {
    match period {
        "year" => format!("{}", now.year()),
        "quarter" => format!("{}-Q{}", now.year(), now.month0() / 3 + 1),
        _ => format!("{}-{:02}", now.year(), now.month()),
    }
}

pub struct Ledger {
    pub period: String,
    approved: Map<String, Value>,
}

impl Ledger {
    fn key(&self) -> String {
        format!("cfo/approved/{}", self.period)
    }

    /// The current period's approvals, as the agent's memory holds them.
    pub async fn open(context: &TaskContext) -> Result<Self, String> {
        let period = context.settings["period"].as_str().unwrap_or("month");
        let mut ledger = Self {
            period: period_label(period, Utc::now()),
            approved: Map::new(),
        };
        let kept = context
            .memory
            .recall(&ledger.key())
            .await
            .map_err(|e| format!("the spending ledger is unavailable: {e}"))?;
        if let Some(Value::Object(approved)) = kept {
            ledger.approved = approved;
        }
        Ok(ledger)
    }

    /// Opens the ledger for a decision that may add to it: no other
    /// decision runs until the guard is dropped.
    pub async fn for_decision(
        context: &TaskContext,
    ) -> Result<(Self, MutexGuard<'static, ()>), String> {
        let guard = DECIDING.lock().await;
        Ok((Self::open(context).await?, guard))
    }

    /// What `category` had approved by this agent in the period.
    pub fn approved(&self, category: &str) -> f64 {
        self.approved
            .get(category)
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    }

    /// Records `amount` approved for `category` and keeps it.
    pub async fn record(
        &mut self,
        context: &TaskContext,
        category: &str,
        amount: f64,
    ) -> Result<(), String> {
        let total = self.approved(category) + amount;
        self.approved.insert(category.to_owned(), json!(total));
        context
            .memory
            .remember(&self.key(), Value::Object(self.approved.clone()), None)
            .await
            .map_err(|e| format!("the approval could not be recorded: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn each_period_has_its_own_label() {
        let now = Utc.with_ymd_and_hms(2026, 8, 14, 9, 0, 0).unwrap();
        assert_eq!(period_label("month", now), "2026-08");
        assert_eq!(period_label("quarter", now), "2026-Q3");
        assert_eq!(period_label("year", now), "2026");
    }
}
