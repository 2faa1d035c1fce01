//! What a kind declares about itself: the one description the runtime's
//! handlers, spawn validation, gap templates, `GET /catalog`, the window's
//! forms and `docs/agents.md` are all read from.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::schema::{validate, with_defaults, FieldError};
use crate::protocol::AgentCategory;
pub use crate::protocol::Privilege;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// Runs one task type.
pub type Run = fn(TaskContext) -> HandlerFuture;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KindSpec {
    /// The registry id agents of this kind are spawned with (`proxmox-agent`).
    pub kind: &'static str,
    /// Other names the seed uses for this kind (`proxmox`, `vm-manager`);
    /// a spawn by any of them spawns `kind`.
    pub aliases: Vec<&'static str>,
    pub category: AgentCategory,
    pub description: &'static str,
    /// Every task type an agent of this kind runs, the common ones included.
    pub task_types: Vec<TaskTypeSpec>,
    pub credentials: Vec<CredentialSpec>,
    /// JSON Schema of the agent's `settings`, with defaults.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub settings_schema: Value,
    pub defaults: KindDefaults,
    /// What the operator must grant before an agent of this kind can do its work.
    pub privileges: Vec<Privilege>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TaskTypeSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON Schema the task's payload must match before the handler runs.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub payload_schema: Value,
    /// JSON Schema of the task's result.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub result_schema: Value,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub run: Run,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CredentialSpec {
    /// The name the agent asks for (a spawn's credential reference).
    pub name: &'static str,
    pub description: &'static str,
    /// The task type that checks the credential against its service, if any.
    pub check: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KindDefaults {
    pub cpu_limit: f64,
    pub memory_limit_mb: u32,
    pub max_concurrent_tasks: u32,
}

/// The setting a kind with [`Privilege::HostDirectories`] names its directories in.
pub const HOST_DIRECTORIES: &str = "host_directories";

/// The host's kernel and runtime filesystems: never mounted into an agent
/// (the Docker socket lives under /run).
const NEVER_MOUNTED: [&str; 5] = ["/proc", "/sys", "/dev", "/run", "/var/run"];

/// Why `path` cannot be mounted at the same path in a container, if it cannot.
fn unmountable(path: &str) -> Option<&'static str> {
    let trimmed = path.trim_end_matches('/');
    if !path.starts_with('/') || trimmed.is_empty() {
        Some("must be an absolute path below /")
    } else if NEVER_MOUNTED
        .iter()
        .any(|system| trimmed == *system || trimmed.starts_with(&format!("{system}/")))
    {
        Some("must not be under /proc, /sys, /dev, /run or /var/run")
    } else if path.contains([':', ',', '\0']) {
        Some("must not contain ':', ',' or NUL")
    } else if path.split('/').any(|part| part == "..") {
        Some("must not contain '..'")
    } else {
        None
    }
}

/// A task type: `name`, what it does, its payload and result schemas, its handler.
pub fn task(
    name: &'static str,
    description: &'static str,
    payload_schema: Value,
    result_schema: Value,
    run: Run,
) -> TaskTypeSpec {
    TaskTypeSpec {
        name,
        description,
        payload_schema,
        result_schema,
        run,
    }
}

/// The schema of an object with exactly `properties`, `required` among them.
pub fn closed_object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

/// The result schema of a task artifact's reference: the bytes are at
/// `GET /tasks/{task_id}/artifacts/{id}`.
pub fn artifact_schema() -> Value {
    closed_object(
        json!({"id": {"type": "string", "minLength": 36, "maxLength": 36}, "name": {"type": "string"},
               "content_type": {"type": "string"}, "size": {"type": "integer", "minimum": 0},
               "sha256": {"type": "string", "minLength": 64, "maxLength": 64}}),
        &["id", "name", "content_type", "size", "sha256"],
    )
}

/// Settings of a kind that takes none beyond what its task payloads say.
pub fn no_settings() -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": {}})
}

impl KindSpec {
    pub fn task_type(&self, name: &str) -> Option<&TaskTypeSpec> {
        self.task_types.iter().find(|t| t.name == name)
    }

    /// Whether `name` is this kind's id or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        self.kind == name || self.aliases.contains(&name)
    }

    /// `settings` with the schema's defaults filled in, or every field-level
    /// problem with them (fields named `settings.<name>`).
    pub fn settings(
        &self,
        settings: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Vec<FieldError>> {
        let filled = with_defaults(&self.settings_schema, settings);
        let mut errors = validate(
            &self.settings_schema,
            &Value::Object(filled.clone()),
            "settings",
        );
        for (index, path) in self.host_directories(&filled).iter().enumerate() {
            if let Some(problem) = unmountable(path) {
                errors.push(FieldError {
                    field: format!("settings.{HOST_DIRECTORIES}.{index}"),
                    message: problem.to_owned(),
                });
            }
        }
        if errors.is_empty() {
            Ok(filled)
        } else {
            Err(errors)
        }
    }

    /// The host directories to mount into an agent of this kind: those its
    /// settings name, if the kind asks for the privilege at all.
    pub fn host_directories(&self, settings: &Map<String, Value>) -> Vec<String> {
        if !self.privileges.contains(&Privilege::HostDirectories) {
            return Vec::new();
        }
        settings
            .get(HOST_DIRECTORIES)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }

    /// The settings the agent itself reads: only those the kind declares,
    /// so nothing else given at spawn reaches the container's environment.
    pub fn agent_settings(&self, settings: &Map<String, Value>) -> Map<String, Value> {
        let declared = self
            .settings_schema
            .get("properties")
            .and_then(Value::as_object);
        settings
            .iter()
            .filter(|(name, _)| declared.is_some_and(|d| d.contains_key(*name)))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }
}
