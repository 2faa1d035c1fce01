//! The document's parts read from the catalog of kinds: the answer of
//! `GET /catalog`, and the spawn body's per-kind `agent_type` and
//! `settings` (a body valid by the document is one the server admits).

use myca_agents::kinds::KindSpec;
use myca_agents::protocol::{Privilege, DOCKER_SOCKET_IN_AGENT};
use serde_json::{json, Value};

use super::schemas::{nullable, reference, unsigned};

/// Every name a spawn may give as `agent_type`: ids and aliases.
pub fn kind_names(kinds: &[KindSpec]) -> Vec<&'static str> {
    kinds
        .iter()
        .flat_map(|kind| std::iter::once(kind.kind).chain(kind.aliases.iter().copied()))
        .collect()
}

/// One branch per kind: its names, the settings it admits and the grants
/// it takes.
pub fn settings_by_kind(kinds: &[KindSpec]) -> Value {
    let branches: Vec<Value> = kinds
        .iter()
        .map(|kind| {
            let mut branch = json!({
                "required": ["agent_type"],
                "properties": {
                    "agent_type": {"enum": kind_names(std::slice::from_ref(kind))},
                    "settings": kind.settings_schema,
                }
            });
            // Settings the kind cannot default make `settings` itself required.
            let requires_settings = kind.settings_schema["required"]
                .as_array()
                .is_some_and(|fields| !fields.is_empty());
            if requires_settings {
                branch["required"] = json!(["agent_type", "settings"]);
            }
            // Only what a kind declares can be granted.
            let declared: Vec<&str> = kind.privileges.iter().map(|p| p.as_str()).collect();
            branch["properties"]["grants"] = if declared.is_empty() {
                json!({"maxItems": 0})
            } else {
                json!({"items": {"enum": declared}})
            };
            if kind.privileges.contains(&Privilege::DockerSocket) {
                branch["anyOf"] = docker_socket_rules();
            }
            branch
        })
        .collect();
    Value::Array(branches)
}

/// A kind that may use the host's Docker socket: granted, with its
/// `docker_host` left at the socket the grant mounts (or another engine);
/// or not granted, with a `docker_host` that is not a unix socket.
fn docker_socket_rules() -> Value {
    let mounted = format!("unix://{DOCKER_SOCKET_IN_AGENT}");
    let not_a_socket = json!({"not": {"pattern": "^unix://"}});
    json!([
        {"required": ["grants"],
         "properties": {"grants": {"contains": {"const": Privilege::DockerSocket.as_str()}},
                        "settings": {"properties": {"docker_host": {"anyOf": [{"const": mounted}, not_a_socket]}}}}},
        {"required": ["settings"],
         "properties": {"settings": {"required": ["docker_host"], "properties": {"docker_host": not_a_socket}}}}
    ])
}

fn kind_spec() -> Value {
    let text = json!({"type": "string"});
    let schema = json!({"type": ["object", "boolean"]});
    let task_type = json!({
        "type": "object", "required": ["name", "description", "payload_schema", "result_schema"],
        "properties": {"name": reference("TaskType"), "description": text,
                       "payload_schema": schema, "result_schema": schema}
    });
    let credential = json!({
        "type": "object", "required": ["name", "description", "check"],
        "properties": {"name": text, "description": text, "check": nullable(text.clone())}
    });
    json!({
        "type": "object",
        "required": ["kind", "aliases", "category", "description", "task_types", "credentials",
                     "settings_schema", "defaults", "privileges"],
        "properties": {
            "kind": reference("Kind"),
            "aliases": {"type": "array", "items": reference("Kind")},
            "category": reference("Category"),
            "description": text,
            "task_types": {"type": "array", "items": task_type},
            "credentials": {"type": "array", "items": credential},
            "settings_schema": schema,
            "defaults": {
                "type": "object", "required": ["cpu_limit", "memory_limit_mb", "max_concurrent_tasks"],
                "properties": {"cpu_limit": {"type": "number"}, "memory_limit_mb": unsigned(1, u64::from(u32::MAX)),
                               "max_concurrent_tasks": unsigned(1, u64::from(u32::MAX))}
            },
            "privileges": {"type": "array", "items": {"enum": ["docker_socket", "host_directories"]}},
        }
    })
}

/// The components `GET /catalog` answers with.
pub fn components() -> [(&'static str, Value); 2] {
    [
        ("KindSpec", kind_spec()),
        (
            "Catalog",
            json!({"type": "object", "required": ["kinds"],
                   "properties": {"kinds": {"type": "array", "items": reference("KindSpec")}}}),
        ),
    ]
}
