//! `myca-core`: the fleet's own overseer, through the orchestrator's API:
//! a status roll-up, a gap scan on request, and multi-step plans whose
//! steps run as tasks on the fleet, one after another.

use std::time::Duration;

use serde_json::{json, Value};

use super::fleet_api::{
    api_key_credential, count_by, orchestrator, settings_schema, submit_and_follow,
};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// Statuses that need a person's (or the event processor's) attention.
const UNHEALTHY: [&str; 2] = ["error", "dead"];

fn fleet_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let api = orchestrator(&context)?;
        let agents = api.get("/agents", &[]).await.map_err(|e| e.to_string())?;
        let status = api.get("/status", &[]).await.map_err(|e| e.to_string())?;
        let agents = agents["agents"].as_array().cloned().unwrap_or_default();
        let unhealthy: Vec<&Value> = agents
            .iter()
            .filter(|a| UNHEALTHY.contains(&a["status"].as_str().unwrap_or_default()))
            .map(|a| &a["agent_id"])
            .collect();
        Ok(json!({
            "total": agents.len(),
            "by_status": count_by(&agents, "status"),
            "by_type": count_by(&agents, "agent_type"),
            "unhealthy": unhealthy,
            "pending_tasks": status["pending_tasks"],
            "broker_connected": status["message_broker_connected"],
        }))
    })
}

fn gap_scan(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let gaps = orchestrator(&context)?
            .get("/gaps", &[])
            .await
            .map_err(|e| e.to_string())?;
        let listed: Vec<Value> = gaps["gaps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| json!({"agent_id": g["agent_id"], "agent_type": g["agent_type"], "category": g["category"],
                            "severity": g["severity"], "requires_approval": g["requires_approval"]}))
            .collect();
        Ok(json!({"total": listed.len(), "gaps": listed}))
    })
}

fn run_plan(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let api = orchestrator(&context)?;
        let payload = &context.task.payload;
        let stop_on_failure = payload["stop_on_failure"].as_bool().unwrap_or(true);
        let limit = Duration::from_secs(payload["step_timeout_seconds"].as_u64().unwrap_or(300));
        let mut steps = Vec::new();
        for (index, step) in payload["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let mut request = step.clone();
            request["requester_agent"] = json!(context.agent.agent_id);
            let task = submit_and_follow(&api, &request, limit)
                .await
                .map_err(|e| format!("step {index}: {e}"))?;
            let completed = task["status"] == "completed";
            steps.push(json!({"task_id": task["id"], "task_type": task["task_type"], "status": task["status"],
                              "result": task["result"], "error": task["error"]}));
            if !completed && stop_on_failure {
                return Err(format!(
                    "step {index} ({}) ended {}: {}; steps run: {}",
                    task["task_type"].as_str().unwrap_or_default(),
                    task["status"].as_str().unwrap_or_default(),
                    task["error"].as_str().unwrap_or_default(),
                    Value::Array(steps)
                ));
            }
        }
        Ok(json!({"steps": steps}))
    })
}

fn plan_payload() -> Value {
    let route = json!({"type": "string", "minLength": 1});
    json!({
        "type": "object", "additionalProperties": false, "required": ["steps"],
        "properties": {
            "steps": {"type": "array", "minItems": 1, "maxItems": 50, "items": {
                "type": "object", "additionalProperties": false, "required": ["task_type"],
                "description": "A POST /tasks body: one of agent_id, agent_type or capability",
                "properties": {"agent_id": route, "agent_type": route, "capability": route,
                               "task_type": route, "payload": {},
                               "priority": {"enum": [10, 8, 5, 3, 1]},
                               "timeout": {"type": "integer", "minimum": 1},
                               "max_retries": {"type": "integer", "minimum": 0, "maximum": 10}}}},
            "stop_on_failure": {"type": "boolean", "default": true},
            "step_timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 86400}
        }
    })
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "myca-core",
        aliases: vec!["orchestrator"],
        category: AgentCategory::Core,
        description: "The fleet's overseer: status roll-up, gap scan on request, multi-step plans run as tasks",
        task_types: vec![
            task(
                "fleet_status",
                "Agents by status and type, the unhealthy ones, pending tasks",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["total", "by_status", "by_type", "unhealthy"],
                       "properties": {"total": {"type": "integer"}, "by_status": {"type": "object"},
                                      "by_type": {"type": "object"}, "unhealthy": {"type": "array"}}}),
                fleet_status,
            ),
            task(
                "gap_scan",
                "The required agents that are missing",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["total", "gaps"],
                       "properties": {"total": {"type": "integer"}, "gaps": {"type": "array"}}}),
                gap_scan,
            ),
            task(
                "run_plan",
                "Run `steps` as tasks on the fleet, one after another; stops at the first failure unless told not to",
                plan_payload(),
                json!({"type": "object", "required": ["steps"], "properties": {"steps": {"type": "array"}}}),
                run_plan,
            ),
        ],
        credentials: vec![api_key_credential("fleet_status")],
        settings_schema: settings_schema(),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 10 },
        privileges: Vec::new(),
    }
}
