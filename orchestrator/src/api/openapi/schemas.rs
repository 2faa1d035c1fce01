//! The document's schema components: request bodies and parameters with
//! every constraint the server checks (so a client knows what is valid
//! before it asks), answers with the fields they always carry.

use std::collections::{BTreeMap, BTreeSet};

use myca_agents::kinds::KindSpec;
use myca_agents::protocol::names::env;
use myca_agents::protocol::{
    AgentCategory, MessageType, Privilege, TaskStatus, AGENT_ID_PATTERN, KIND_PATTERN,
    MAX_CONCURRENT_TASKS, MAX_INTERVAL_SECONDS, MAX_RESTARTS, MAX_TIMEOUT_SECONDS, MIN_CPUS,
    MIN_MEMORY_MB, TASK_TYPE_PATTERN,
};
use serde_json::{json, Map, Value};

use super::kinds::{kind_names, settings_by_kind};

use crate::api::dashboard::{MAX_LOG_TAIL, MAX_WINDOW_SECONDS};
use crate::api::messages::MAX_MESSAGE_TTL_SECONDS;
use crate::api::tasks::MAX_TASK_RETRIES;
use crate::hosts::{
    FINGERPRINT_PATTERN, HOST_ADDRESS_PATTERN, HOST_NAME_PATTERN, PATH_PATTERN,
    SECRET_NAME_PATTERN, SSH_USER_PATTERN,
};
use crate::store::{ApprovalStatus, MAX_PAGE_ROWS, TASK_CURSOR_PATTERN};

/// What the document depends on that only the running fleet knows.
pub struct Fleet {
    /// Agent kinds the runtime runs: their names are the only valid
    /// `agent_type` to spawn, their settings schemas the only valid settings.
    pub kinds: &'static [KindSpec],
    /// The most CPUs one agent may be given (the largest host's).
    pub max_cpus: f64,
    /// Task types some kind runs: the only valid `capability` of a task.
    pub capabilities: Vec<String>,
    /// Hosts that are up: the only valid `host` of a spawn.
    pub hosts: Vec<String>,
    /// Labels the hosts that are up carry, each with its values.
    pub labels: BTreeMap<String, BTreeSet<String>>,
}

pub(super) fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn strings(values: impl IntoIterator<Item = &'static str>) -> Value {
    json!({ "type": "string", "enum": values.into_iter().collect::<Vec<_>>() })
}

pub(super) fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, {"type": "null"}] })
}

/// An object with `required` fields of these types and nothing else checked.
fn answer(required: &[(&str, &str)]) -> Value {
    let properties: Map<String, Value> = required
        .iter()
        .map(|(name, kind)| ((*name).to_owned(), json!({ "type": kind })))
        .collect();
    let names: Vec<_> = required.iter().map(|(name, _)| *name).collect();
    json!({ "type": "object", "required": names, "properties": properties })
}

/// `{"<field>": [...], "next_cursor": "…" | null}`
fn page(field: &str, cursor: &str) -> Value {
    json!({
        "type": "object", "required": [field, "next_cursor"],
        "properties": {
            field: {"type": "array", "items": {"type": "object"}},
            "next_cursor": nullable(reference(cursor)),
        }
    })
}

pub(super) fn unsigned(minimum: u64, maximum: u64) -> Value {
    json!({ "type": "integer", "minimum": minimum, "maximum": maximum })
}

fn parameters() -> Map<String, Value> {
    let categories = AgentCategory::ALL.iter().map(|c| c.as_str());
    let mut schemas = Map::new();
    for (name, schema) in [
        (
            "AgentId",
            json!({"type": "string", "pattern": AGENT_ID_PATTERN}),
        ),
        ("Kind", json!({"type": "string", "pattern": KIND_PATTERN})),
        (
            "TaskType",
            json!({"type": "string", "pattern": TASK_TYPE_PATTERN}),
        ),
        ("Category", strings(categories)),
        (
            "Priority",
            json!({"type": "integer", "enum": [10, 8, 5, 3, 1]}),
        ),
        ("Uuid", json!({"type": "string", "format": "uuid"})),
        ("DateTime", json!({"type": "string", "format": "date-time"})),
        ("Limit", unsigned(1, u64::from(MAX_PAGE_ROWS))),
        (
            "Cursor",
            json!({"type": "string", "pattern": "^[1-9][0-9]{0,17}$"}),
        ),
        (
            "TaskCursor",
            json!({"type": "string", "pattern": TASK_CURSOR_PATTERN}),
        ),
        ("Force", json!({"type": "boolean"})),
        (
            "AgentsOnRemoval",
            json!({"type": "string", "enum": ["leave", "stop"]}),
        ),
        ("LogTail", unsigned(1, MAX_LOG_TAIL as u64)),
        ("WindowSeconds", unsigned(1, MAX_WINDOW_SECONDS as u64)),
        (
            "TaskStatus",
            strings(TaskStatus::ALL.iter().map(|s| s.as_str())),
        ),
        (
            "ApprovalStatus",
            strings(ApprovalStatus::ALL.iter().map(|s| s.as_str())),
        ),
        ("Actor", json!({"type": "string"})),
    ] {
        schemas.insert(name.to_owned(), schema);
    }
    schemas
}

fn agent_config(fleet: &Fleet) -> Value {
    let text = json!({"type": "string"});
    let names = json!({"type": "array", "items": {"type": "string"}});
    let credential_name = json!({"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,128}$"});
    let credential_source = json!({"type": "string", "pattern": "^[A-Za-z0-9_./-]{1,128}$"});
    json!({
        "type": "object",
        "required": ["agent_id", "agent_type", "category"],
        "properties": {
            "agent_id": reference("AgentId"),
            "agent_type": strings(kind_names(fleet.kinds)),
            "category": reference("Category"),
            "display_name": text, "description": text, "version": text,
            "cpu_limit": {"type": "number", "minimum": MIN_CPUS, "maximum": fleet.max_cpus},
            "memory_limit": unsigned(u64::from(MIN_MEMORY_MB), u64::from(u32::MAX)),
            "capabilities": names, "dependencies": names,
            "settings": {"type": "object", "description": "As the kind's settings_schema says (GET /catalog)"},
            "environment": {
                "type": "object", "additionalProperties": {"type": "string", "pattern": "^[^\\u0000]*$"},
                "propertyNames": {"not": {"enum": env::MANAGED}, "pattern": "^[^=\\u0000]+$"},
                "description": "Plain variables; a secret-named one moves to the OS keyring and is delivered as a credential"
            },
            "credentials": {
                "type": "array",
                "uniqueItems": true,
                "description": "Credentials from the OS keyring (item `credential:{from}`), delivered sealed at start",
                "items": {"oneOf": [
                    credential_name,
                    {"type": "object", "required": ["name", "from"], "additionalProperties": false,
                     "properties": {"name": credential_name, "from": credential_source}}
                ]}
            },
            "grants": reference("Grants"),
            "max_concurrent_tasks": unsigned(1, MAX_CONCURRENT_TASKS),
            "task_timeout": unsigned(1, MAX_TIMEOUT_SECONDS),
            "heartbeat_interval": unsigned(1, MAX_INTERVAL_SECONDS),
            "health_check_interval": unsigned(0, MAX_INTERVAL_SECONDS),
            "auto_restart": {"type": "boolean"},
            "max_restarts": unsigned(0, MAX_RESTARTS),
            "requires_approval": {"type": "boolean"},
            "image": nullable(text),
            "host": nullable(json!({"type": "string", "enum": fleet.hosts,
                "description": "A host that is up; none: placement picks the least loaded"})),
            "host_labels": {
                "type": "object", "additionalProperties": false,
                "description": "Labels the chosen host must carry (one host must carry them all)",
                "properties": fleet.labels.iter()
                    .map(|(key, values)| (key.clone(), json!({"type": "string", "enum": values})))
                    .collect::<Map<String, Value>>(),
            },
        },
        "oneOf": settings_by_kind(fleet.kinds),
        "example": {
            "agent_id": "custom-agent", "agent_type": "custom", "category": "core",
            "display_name": "Custom Agent", "cpu_limit": 1.0, "memory_limit": 512
        }
    })
}

fn task_request() -> Value {
    let route = |field: &str, schema: &str| json!({"required": [field], "properties": {field: reference(schema)}});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["task_type"],
        "properties": {
            "id": nullable(reference("Uuid")),
            "agent_id": nullable(reference("AgentId")),
            "agent_type": nullable(reference("Kind")),
            "capability": nullable(reference("Capability")),
            "task_type": reference("TaskType"),
            "payload": {},
            "priority": reference("Priority"),
            "timeout": nullable(unsigned(1, MAX_TIMEOUT_SECONDS)),
            "max_retries": nullable(unsigned(0, u64::from(MAX_TASK_RETRIES))),
            "requester_agent": nullable(json!({"type": "string"})),
        },
        "oneOf": [route("agent_id", "AgentId"), route("agent_type", "Kind"), route("capability", "Capability")],
        "example": {"agent_type": "test-agent", "task_type": "echo", "payload": {"text": "hello"}, "priority": 5}
    })
}

fn message_request() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["from_agent", "to_agent", "message_type"],
        "properties": {
            "from_agent": {"type": "string"},
            "to_agent": {"type": "string"},
            "message_type": strings(MessageType::ALL.iter().map(|t| t.as_str())),
            "payload": {},
            "priority": reference("Priority"),
            "requires_ack": {"type": "boolean"},
            "correlation_id": nullable(reference("Uuid")),
            "ttl": nullable(unsigned(0, MAX_MESSAGE_TTL_SECONDS)),
        },
        "example": {"from_agent": "ceo-agent", "to_agent": "cfo-agent", "message_type": "request",
                    "payload": {"task_type": "budget_check", "amount": 5000}, "requires_ack": true}
    })
}

fn host_profile() -> Value {
    let path = json!({"type": "string", "pattern": PATH_PATTERN});
    let auth = json!({"oneOf": [
        {"type": "object", "required": ["method", "path"], "properties": {"method": {"const": "key_file"}, "path": path}},
        {"type": "object", "required": ["method", "secret"], "properties": {"method": {"const": "keyring"}, "secret": {"type": "string", "pattern": SECRET_NAME_PATTERN}}},
        {"type": "object", "required": ["method"], "properties": {"method": {"const": "agent"}, "socket": nullable(path.clone())}},
    ]});
    let name = json!({"type": "string", "pattern": HOST_NAME_PATTERN});
    let enabled =
        json!({"type": "boolean", "description": "false: kept, never connected or given agents"});
    let labels = json!({"type": "object", "additionalProperties": {"type": "string"},
        "description": "What spawns' host_labels match"});
    json!({
        "oneOf": [
            {
                "type": "object", "required": ["name", "kind"],
                "properties": {"name": name, "kind": {"const": "local"}, "socket": path,
                               "enabled": enabled, "labels": labels},
            },
            {
                "type": "object",
                "required": ["name", "kind", "host", "user", "auth"],
                "description": "Without host_key_fingerprint this is first contact: the answer holds the key the server presented, to confirm with POST /hosts/{name}/confirm",
                "properties": {
                    "name": name, "kind": {"const": "ssh"}, "enabled": enabled, "labels": labels,
                    "host": {"type": "string", "pattern": HOST_ADDRESS_PATTERN},
                    "port": unsigned(1, 65535),
                    "user": {"type": "string", "pattern": SSH_USER_PATTERN},
                    "auth": auth,
                    "docker_socket": path,
                    "host_key_fingerprint": {"type": "string", "pattern": FINGERPRINT_PATTERN},
                },
            }
        ],
        "example": {"name": "vm1", "kind": "ssh", "host": "10.0.0.5", "port": 22, "user": "ops",
                    "auth": {"method": "agent"}, "host_key_fingerprint": "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"}
    })
}

fn requirements() -> Value {
    let agent = json!({
        "type": "object", "required": ["agent_id", "agent_type"],
        "properties": {"agent_id": reference("AgentId"), "agent_type": reference("Kind")}
    });
    let watched = json!({
        "type": "object", "required": ["name", "agent_id", "agent_type"],
        "properties": {"name": {"type": "string"}, "agent_id": reference("AgentId"), "agent_type": reference("Kind")}
    });
    let watched_list = json!({"type": "array", "items": watched});
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "Every agent_id may appear once across all lists.",
        "required": ["categories", "approval_categories"],
        "properties": {
            "categories": {
                "type": "object",
                "propertyNames": reference("Category"),
                "additionalProperties": {"type": "array", "items": agent},
            },
            "routes": watched_list, "integrations": watched_list, "devices": watched_list,
            "approval_categories": {"type": "array", "items": reference("Category")},
            "auto_create": {"type": "boolean"},
        }
    })
}

fn bodies(fleet: &Fleet) -> Map<String, Value> {
    let mut schemas = Map::new();
    for (name, schema) in [
        ("AgentConfig", agent_config(fleet)),
        ("TaskRequest", task_request()),
        (
            "Capability",
            json!({"type": "string", "enum": fleet.capabilities}),
        ),
        ("MessageRequest", message_request()),
        ("HostProfile", host_profile()),
        (
            "HostChange",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "enabled": {"type": "boolean"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}),
        ),
        (
            "HostConfirmation",
            json!({"type": "object", "required": ["fingerprint"], "properties": {
                "fingerprint": {"type": "string", "pattern": FINGERPRINT_PATTERN}}}),
        ),
        ("Requirements", requirements()),
        (
            "SnapshotRequest",
            json!({"type": "object", "additionalProperties": false,
            "properties": {"reason": nullable(json!({"type": "string"}))}}),
        ),
        (
            "RestoreRequest",
            json!({"type": "object", "additionalProperties": false,
            "properties": {"agent_id": nullable(reference("AgentId"))}}),
        ),
        (
            "Grants",
            json!({"type": "array", "uniqueItems": true, "items": {"enum": [Privilege::DockerSocket.as_str(), Privilege::HostDirectories.as_str()]},
                   "description": "Privileges the operator grants the agent; its kind must declare them (GET /catalog, `privileges`). `docker_socket` mounts the host's Docker socket at /var/run/docker.sock with its group; a kind whose docker_host is a unix:// socket is refused (422) without it"}),
        ),
        (
            "FillBody",
            json!({"type": "object", "additionalProperties": false, "properties": {
            "by": nullable(json!({"type": "string"})), "grants": reference("Grants")}}),
        ),
        (
            "ActorBody",
            json!({"type": "object", "additionalProperties": false, "properties": {
            "by": nullable(json!({"type": "string"})), "comment": nullable(json!({"type": "string"}))}}),
        ),
    ] {
        schemas.insert(name.to_owned(), schema);
    }
    schemas
}

fn answers() -> Map<String, Value> {
    let mut schemas = Map::new();
    for (name, schema) in [
        ("Object", json!({"type": "object"})),
        (
            "Health",
            answer(&[("status", "string"), ("service", "string")]),
        ),
        (
            "Status",
            answer(&[
                ("status", "string"),
                ("total_agents", "integer"),
                ("pending_tasks", "integer"),
                ("message_broker_connected", "boolean"),
            ]),
        ),
        (
            "AgentView",
            answer(&[
                ("agent_id", "string"),
                ("agent_type", "string"),
                ("status", "string"),
                ("container_state", "string"),
                ("host", "string"),
                ("grants", "array"),
            ]),
        ),
        ("AgentList", answer(&[("agents", "array")])),
        (
            "Registered",
            answer(&[
                ("agent_id", "string"),
                ("status", "string"),
                ("container", "boolean"),
            ]),
        ),
        (
            "AgentChange",
            answer(&[("agent_id", "string"), ("status", "string")]),
        ),
        ("SnapshotPage", page("snapshots", "Cursor")),
        (
            "SnapshotTaken",
            answer(&[
                ("snapshot_id", "integer"),
                ("agent_id", "string"),
                ("reason", "string"),
            ]),
        ),
        (
            "Task",
            answer(&[
                ("id", "string"),
                ("task_type", "string"),
                ("status", "string"),
                ("route", "object"),
            ]),
        ),
        ("TaskPage", page("tasks", "TaskCursor")),
        (
            "TaskSubmitted",
            answer(&[
                ("task_id", "string"),
                ("status", "string"),
                ("ledger_status", "string"),
            ]),
        ),
        ("MessagePage", page("messages", "Cursor")),
        ("KnowledgePage", page("knowledge", "Cursor")),
        (
            "MessageSent",
            answer(&[
                ("message_id", "string"),
                ("status", "string"),
                ("delivery", "string"),
            ]),
        ),
        ("HostList", answer(&[("hosts", "array")])),
        (
            "HostAdded",
            answer(&[("name", "string"), ("status", "string")]),
        ),
        (
            "HostDeleted",
            answer(&[
                ("name", "string"),
                ("status", "string"),
                ("agents_stopped", "array"),
            ]),
        ),
        (
            "HostTest",
            answer(&[("name", "string"), ("reachable", "boolean")]),
        ),
        (
            "GapList",
            answer(&[("total", "integer"), ("gaps", "array")]),
        ),
        ("ApprovalList", answer(&[("approvals", "array")])),
        ("TemplateList", answer(&[("templates", "array")])),
        (
            "DashboardAgents",
            answer(&[("agents", "array"), ("total", "integer")]),
        ),
        (
            "AgentDetail",
            answer(&[
                ("agent", "object"),
                ("recent_actions", "array"),
                ("metrics", "array"),
                ("messages", "array"),
                ("snapshots", "array"),
            ]),
        ),
        (
            "AgentLogs",
            answer(&[("agent_id", "string"), ("logs", "array")]),
        ),
        (
            "Stats",
            answer(&[
                ("total_agents", "integer"),
                ("running_agents", "integer"),
                ("tasks", "object"),
            ]),
        ),
        (
            "Topology",
            answer(&[
                ("nodes", "array"),
                ("edges", "array"),
                ("window_seconds", "integer"),
            ]),
        ),
        ("HealthList", answer(&[("agents", "array")])),
        (
            "Error",
            answer(&[("error", "string"), ("detail", "string")]),
        ),
        // One server-sent event; `data` is an agent_update as JSON text.
        ("SseEvent", answer(&[("data", "string")])),
    ] {
        schemas.insert(name.to_owned(), schema);
    }
    schemas
}

pub fn components(fleet: &Fleet) -> Value {
    let mut schemas = parameters();
    schemas.extend(bodies(fleet));
    schemas.extend(answers());
    schemas.extend(
        super::kinds::components()
            .into_iter()
            .chain(super::audit::components())
            .map(|(name, schema)| (name.to_owned(), schema)),
    );
    Value::Object(schemas)
}
