//! `route-monitor`: watches HTTP routes (an API's endpoints, a gap's
//! route): one probe, or many at once with a summary — the routes of the
//! payload, or those the agent was spawned to watch.

use serde_json::{json, Value};

use super::probe::{self, Probe};
use crate::kinds::spec::{no_settings, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn probe_many(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let given = context.task.payload["probes"].as_array();
        let watched: Vec<Value> = context.settings["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|url| json!({ "url": url }))
            .collect();
        let payloads = match given {
            Some(probes) => probes.clone(),
            None => watched,
        };
        if payloads.is_empty() {
            return Err(
                "nothing to probe: give `probes` or spawn the agent with the `routes` setting"
                    .to_owned(),
            );
        }
        let probes = payloads
            .iter()
            .enumerate()
            .map(|(index, payload)| {
                Probe::from_payload(payload)
                    .map_err(|e| e.replacen("payload.", &format!("payload.probes.{index}."), 1))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let reports: Vec<Value> = probe::run_all(&probes)
            .await
            .into_iter()
            .map(|outcome| outcome.report)
            .collect();
        Ok(json!({"summary": probe::summary(&reports), "results": reports}))
    })
}

pub fn spec() -> KindSpec {
    let mut settings = no_settings();
    settings["properties"]["routes"] = json!({
        "type": "array", "maxItems": 100, "default": [],
        "items": {"type": "string", "minLength": 8, "maxLength": 2048},
        "description": "URLs this agent watches: what probe_many checks when its payload names none"
    });
    KindSpec {
        kind: "route-monitor",
        aliases: vec!["route-monitor-agent"],
        category: AgentCategory::Data,
        description: "HTTP route probes: status, latency, redirects, content and TLS certificate expiry, one route or many with a summary",
        task_types: vec![
            probe::probe_task(),
            task(
                "probe_many",
                "Probe several URLs (the payload's `probes`, else the watched `routes`), with a summary",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"probes": {"type": "array", "minItems": 1, "maxItems": 100, "items": probe::payload_schema()}}}),
                json!({"type": "object", "required": ["summary", "results"],
                       "properties": {"summary": probe::summary_schema(), "results": {"type": "array", "items": probe::result_schema()}}}),
                probe_many,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: settings,
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 64,
            max_concurrent_tasks: 10,
        },
        privileges: Vec::new(),
    }
}
