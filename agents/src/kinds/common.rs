//! The task types every kind runs.

use serde_json::{json, Value};

use super::spec::{task, TaskTypeSpec};
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn any_payload() -> Value {
    json!({"description": "Ignored"})
}

fn health_check(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        Ok(json!({
            "status": "healthy",
            "agent_id": context.agent.agent_id,
            "agent_status": context.agent.status,
            "uptime_seconds": context.agent.uptime_seconds,
        }))
    })
}

fn get_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move { serde_json::to_value(&context.agent).map_err(|error| error.to_string()) })
}

fn get_capabilities(context: TaskContext) -> HandlerFuture {
    Box::pin(async move { Ok(json!({ "capabilities": context.capabilities })) })
}

pub(super) fn task_types() -> Vec<TaskTypeSpec> {
    vec![
        task(
            "health_check",
            "The agent's health, as its /health answers",
            any_payload(),
            json!({"type": "object", "required": ["status", "agent_id", "agent_status", "uptime_seconds"],
                   "properties": {"status": {"type": "string"}, "agent_id": {"type": "string"},
                                  "agent_status": {"type": "string"}, "uptime_seconds": {"type": "integer"}}}),
            health_check,
        ),
        task(
            "get_status",
            "The agent's state (AgentState)",
            any_payload(),
            json!({"type": "object"}),
            get_status,
        ),
        task(
            "get_capabilities",
            "The task types the agent runs",
            any_payload(),
            json!({"type": "object", "required": ["capabilities"],
                   "properties": {"capabilities": {"type": "array", "items": {"type": "string"}}}}),
            get_capabilities,
        ),
    ]
}
