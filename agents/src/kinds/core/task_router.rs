//! `task-router`: tasks placed by the orchestrator's routing (an agent, any
//! replica of a kind, or the least-loaded kind with a capability), tried
//! again on failure up to a budget, and dead letters listed and retried.

use std::time::Duration;

use serde_json::{json, Value};

use super::fleet_api::{api_key_credential, orchestrator, settings_schema, submit_and_follow};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const ROUTE_FIELDS: [&str; 3] = ["agent_id", "agent_type", "capability"];

/// A `POST /tasks` body from a payload's route fields, task type and payload.
fn task_request(payload: &Value, requester: &str) -> Value {
    let mut request = json!({"task_type": payload["task_type"], "payload": payload["payload"],
                             "max_retries": 0, "requester_agent": requester});
    for field in ROUTE_FIELDS {
        if let Some(target) = payload.get(field) {
            request[field] = target.clone();
        }
    }
    request
}

/// Runs `request` until it completes or `attempts` are spent.
async fn run_with_attempts(
    context: &TaskContext,
    request: &Value,
    attempts: u64,
) -> Result<Value, String> {
    let api = orchestrator(context)?;
    let limit = Duration::from_secs(
        context.task.payload["step_timeout_seconds"]
            .as_u64()
            .unwrap_or(300),
    );
    let mut errors = Vec::new();
    for attempt in 1..=attempts {
        let task = submit_and_follow(&api, request, limit)
            .await
            .map_err(|e| e.to_string())?;
        if task["status"] == "completed" {
            return Ok(
                json!({"task_id": task["id"], "attempts": attempt, "agent_id": task["agent_id"],
                             "result": task["result"]}),
            );
        }
        errors.push(format!(
            "attempt {attempt}: {} ({})",
            task["error"].as_str().unwrap_or_default(),
            task["status"].as_str().unwrap_or_default()
        ));
    }
    Err(format!(
        "dead-lettered after {attempts} attempts: {}",
        errors.join("; ")
    ))
}

fn route(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let attempts = payload["attempts"].as_u64().unwrap_or(3);
        run_with_attempts(
            &context,
            &task_request(payload, &context.agent.agent_id),
            attempts,
        )
        .await
    })
}

fn dead_letters(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let limit = context.task.payload["limit"].as_u64().unwrap_or(50);
        let page = orchestrator(&context)?
            .get("/tasks/dead-letters", &[("limit", limit.to_string())])
            .await
            .map_err(|e| e.to_string())?;
        let tasks: Vec<Value> = page["tasks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| json!({"task_id": t["id"], "task_type": t["task_type"], "route": t["route"], "error": t["error"]}))
            .collect();
        Ok(json!({"total": tasks.len(), "tasks": tasks}))
    })
}

fn retry_dead_letter(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let task_id = context.task.payload["task_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let dead = orchestrator(&context)?
            .get(&format!("/tasks/{task_id}"), &[])
            .await
            .map_err(|e| e.to_string())?;
        if dead["status"] != "dead_lettered" {
            return Err(format!(
                "task {task_id} is {}, not dead-lettered",
                dead["status"].as_str().unwrap_or("unknown")
            ));
        }
        let field = match dead["route"]["kind"].as_str() {
            Some("agent") => "agent_id",
            Some("type") => "agent_type",
            _ => "capability",
        };
        let mut original = json!({"task_type": dead["task_type"], "payload": dead["payload"]});
        original[field] = dead["route"]["target"].clone();
        let mut retried = run_with_attempts(
            &context,
            &task_request(&original, &context.agent.agent_id),
            1,
        )
        .await?;
        retried["retry_of"] = json!(task_id);
        Ok(retried)
    })
}

fn route_payload() -> Value {
    let name = json!({"type": "string", "minLength": 1});
    json!({
        "type": "object", "additionalProperties": false, "required": ["task_type"],
        "description": "Exactly one of agent_id, agent_type, capability (the orchestrator checks it)",
        "properties": {
            "agent_id": name, "agent_type": name, "capability": name, "task_type": name, "payload": {},
            "attempts": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
            "step_timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 86400}
        }
    })
}

fn routed_result() -> Value {
    json!({"type": "object", "required": ["task_id", "attempts", "result"],
           "properties": {"task_id": {"type": "string"}, "attempts": {"type": "integer"}, "agent_id": {},
                          "result": {}, "retry_of": {"type": "string"}}})
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "task-router",
        aliases: vec!["router"],
        category: AgentCategory::Core,
        description: "Routes tasks by agent, kind or capability (least-loaded live kind), retries failures within a budget, lists and retries dead letters",
        task_types: vec![
            task("route", "Run a task where the route says, trying up to `attempts` times", route_payload(), routed_result(), route),
            task(
                "dead_letters",
                "The tasks given up on, newest first",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 500}}}),
                json!({"type": "object", "required": ["total", "tasks"],
                       "properties": {"total": {"type": "integer"}, "tasks": {"type": "array"}}}),
                dead_letters,
            ),
            task(
                "retry_dead_letter",
                "Run a dead-lettered task again on its route, once",
                json!({"type": "object", "additionalProperties": false, "required": ["task_id"],
                       "properties": {"task_id": {"type": "string", "minLength": 1}}}),
                routed_result(),
                retry_dead_letter,
            ),
        ],
        credentials: vec![api_key_credential("dead_letters")],
        settings_schema: settings_schema(),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 20 },
        privileges: Vec::new(),
    }
}
