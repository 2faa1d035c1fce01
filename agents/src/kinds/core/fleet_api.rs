//! The orchestrator's HTTP API as the core kinds call it: the address from
//! the `orchestrator_url` setting, the key from credential `MYCA_API_KEY`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::integration::{poll, Auth, Polled, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, setting};
use crate::kinds::spec::CredentialSpec;
use crate::runtime::handlers::TaskContext;

pub const API_KEY: &str = "MYCA_API_KEY";

/// Task statuses the ledger never moves a task out of.
pub const SETTLED: [&str; 5] = [
    "completed",
    "failed",
    "dead_lettered",
    "timed_out",
    "cancelled",
];

pub fn api_key_credential(check: &'static str) -> CredentialSpec {
    CredentialSpec {
        name: API_KEY,
        description: "The orchestrator's API key (sent as X-API-Key)",
        check: Some(check),
    }
}

pub fn settings_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "properties": {
            "orchestrator_url": {"type": "string", "default": "http://127.0.0.1:8001",
                                 "description": "The orchestrator's HTTP API as the agent reaches it"}
        }
    })
}

pub fn orchestrator(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("orchestrator", setting(context, "orchestrator_url")?);
    config.auth = Auth::Header {
        name: "X-API-Key",
        value: credential(context, API_KEY)?,
    };
    Service::new(config).map_err(|e| e.to_string())
}

/// How many of `items` have each value of `field`.
pub fn count_by(items: &[Value], field: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        let key = item[field].as_str().unwrap_or("unknown").to_owned();
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// Submits `request` (a `POST /tasks` body) and follows it until it settles.
pub async fn submit_and_follow(
    api: &Service,
    request: &Value,
    limit: Duration,
) -> Result<Value, ServiceError> {
    let submitted = api.post("/tasks", Some(request)).await?;
    let task_id = submitted["task_id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/tasks/{task_id}");
    poll(api, Duration::from_millis(200), limit, || async {
        let task = api.get(&path, &[]).await?;
        let settled = SETTLED.contains(&task["status"].as_str().unwrap_or_default());
        Ok(if settled {
            Polled::Done(task)
        } else {
            Polled::Running
        })
    })
    .await
}
