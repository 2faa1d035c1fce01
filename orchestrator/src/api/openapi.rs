//! `GET /openapi.json`: the API described for clients (OpenAPI 3.1), built
//! from one table of routes.

use axum::Json;
use serde_json::{json, Map, Value};

/// (method, path, summary, request body schema)
const ROUTES: &[(&str, &str, &str, Option<&str>)] = &[
    ("get", "/health", "Liveness; needs no key", None),
    (
        "get",
        "/status",
        "Orchestrator status (the seed's body)",
        None,
    ),
    ("get", "/agents", "Every agent with its status", None),
    ("get", "/agents/{id}", "One agent", None),
    (
        "post",
        "/agents/spawn",
        "Spawn an agent (idempotent per id)",
        Some("AgentConfig"),
    ),
    (
        "post",
        "/agents/register",
        "An agent announcing itself",
        Some("AgentConfig"),
    ),
    (
        "post",
        "/agents/{id}/stop",
        "Stop gracefully, or at once with ?force=true",
        None,
    ),
    (
        "post",
        "/agents/{id}/restart",
        "Restart the same container",
        None,
    ),
    (
        "get",
        "/agents/{id}/snapshots",
        "The agent's snapshots",
        None,
    ),
    (
        "post",
        "/agents/{id}/snapshots",
        "Take a snapshot",
        Some("SnapshotRequest"),
    ),
    ("get", "/snapshots/{id}", "One snapshot", None),
    (
        "post",
        "/snapshots/{id}/restore",
        "Spawn an agent from a snapshot",
        Some("RestoreRequest"),
    ),
    (
        "get",
        "/tasks",
        "Tasks, filtered by ?status= and ?agent_id=",
        None,
    ),
    (
        "post",
        "/tasks",
        "Submit a task (to an agent, a type or a capability)",
        Some("TaskRequest"),
    ),
    ("get", "/tasks/dead-letters", "Tasks given up on", None),
    ("get", "/tasks/{id}", "A task's state and result", None),
    (
        "get",
        "/messages",
        "Messages of ?agent_id= or replies to ?correlation_id=",
        None,
    ),
    (
        "post",
        "/messages",
        "Send an agent-to-agent message",
        Some("MessageRequest"),
    ),
    ("get", "/messages/{id}", "One message", None),
    ("get", "/hosts", "Saved Docker host profiles", None),
    (
        "post",
        "/hosts",
        "Save a host profile (local, or SSH with a pinned key)",
        Some("HostProfile"),
    ),
    ("delete", "/hosts/{name}", "Forget a host profile", None),
    (
        "post",
        "/hosts/{name}/test",
        "Test connection: engine, OS, CPUs, memory, latency",
        None,
    ),
    ("get", "/gaps", "Missing required agents", None),
    ("get", "/gaps/requirements", "The required agents", None),
    (
        "put",
        "/gaps/requirements",
        "Replace the required agents",
        Some("Requirements"),
    ),
    (
        "post",
        "/gaps/{agent_id}/fill",
        "Fill a gap (or request approval)",
        Some("Actor"),
    ),
    ("get", "/approvals", "Approval requests, by ?status=", None),
    (
        "post",
        "/approvals/{id}/approve",
        "Approve and carry out",
        Some("Actor"),
    ),
    ("post", "/approvals/{id}/reject", "Reject", Some("Actor")),
    ("get", "/templates", "Agent templates per category", None),
    ("get", "/audit", "Who did what, newest first", None),
    (
        "get",
        "/api/dashboard/agents",
        "Agents for the dashboard",
        None,
    ),
    (
        "get",
        "/api/dashboard/agents/{id}",
        "An agent with its history",
        None,
    ),
    (
        "get",
        "/api/dashboard/agents/{id}/logs",
        "Container output, ?tail= and ?since=",
        None,
    ),
    ("get", "/api/dashboard/stats", "Fleet statistics", None),
    (
        "get",
        "/api/dashboard/topology",
        "Nodes and weighted edges, ?window_seconds=",
        None,
    ),
    (
        "get",
        "/api/dashboard/health",
        "Every agent's health and queue lag",
        None,
    ),
    (
        "get",
        "/api/dashboard/ws",
        "WebSocket: initial_state, agent_update, heartbeat, pong",
        None,
    ),
    (
        "get",
        "/api/dashboard/stream",
        "Server-sent agent_update events",
        None,
    ),
    ("get", "/openapi.json", "This document", None),
];

fn schemas() -> Value {
    let id = json!({"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"});
    let priority = json!({"type": "integer", "enum": [10, 8, 5, 3, 1]});
    json!({
        "AgentConfig": {
            "type": "object",
            "required": ["agent_id", "agent_type", "category"],
            "properties": {
                "agent_id": id, "agent_type": {"type": "string"},
                "category": {"type": "string", "enum": ["core", "corporate", "financial", "mycology", "research", "infrastructure", "security", "device", "data", "integration", "communication"]},
                "display_name": {"type": "string"}, "cpu_limit": {"type": "number"},
                "memory_limit": {"type": "integer", "minimum": 16}, "environment": {"type": "object"},
                "settings": {"type": "object"}, "max_concurrent_tasks": {"type": "integer"},
                "task_timeout": {"type": "integer"}, "heartbeat_interval": {"type": "integer"}
            }
        },
        "TaskRequest": {
            "type": "object", "required": ["task_type"],
            "properties": {
                "agent_id": id, "agent_type": {"type": "string"}, "capability": {"type": "string"},
                "task_type": {"type": "string"}, "payload": {}, "priority": priority,
                "timeout": {"type": "integer"}, "max_retries": {"type": "integer"},
                "id": {"type": "string", "format": "uuid"}
            }
        },
        "MessageRequest": {
            "type": "object", "required": ["from_agent", "to_agent", "message_type"],
            "properties": {
                "from_agent": {"type": "string"}, "to_agent": {"type": "string"},
                "message_type": {"type": "string", "enum": ["request", "response", "event", "command", "heartbeat", "broadcast", "ack"]},
                "payload": {}, "priority": priority, "requires_ack": {"type": "boolean"},
                "correlation_id": {"type": "string", "format": "uuid"}, "ttl": {"type": "integer"}
            }
        },
        "SnapshotRequest": {"type": "object", "properties": {"reason": {"type": "string"}}},
        "RestoreRequest": {"type": "object", "properties": {"agent_id": id}},
        "HostProfile": {"type": "object", "required": ["name", "kind"], "properties": {
            "name": {"type": "string"}, "kind": {"type": "string", "enum": ["local", "ssh"]},
            "socket": {"type": "string"}, "host": {"type": "string"}, "port": {"type": "integer"},
            "user": {"type": "string"}, "auth": {"type": "object"}, "docker_socket": {"type": "string"},
            "host_key_fingerprint": {"type": "string"}
        }},
        "Actor": {"type": "object", "properties": {"by": {"type": "string"}, "comment": {"type": "string"}}},
        "Requirements": {"type": "object", "required": ["categories", "approval_categories"]},
        "Error": {"type": "object", "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}
    })
}

fn operation(path: &str, summary: &str, body: Option<&str>) -> Value {
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    responses.insert("200".into(), json!({"description": "OK"}));
    for code in ["400", "401", "404", "409", "413", "422"] {
        responses.insert(code.into(), error.clone());
    }
    let parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let mut op = json!({ "summary": summary, "parameters": parameters, "responses": responses });
    if path == "/health" {
        op["security"] = json!([]);
    }
    if let Some(schema) = body {
        op["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
        });
    }
    op
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, body) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = operation(path, summary, *body);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "MYCA orchestrator API", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "http://127.0.0.1:8001"}],
        "security": [{"apiKeyHeader": []}, {"apiKeyQuery": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"}
            },
            "schemas": schemas()
        }
    })
}

pub async fn openapi() -> Json<Value> {
    Json(document())
}
