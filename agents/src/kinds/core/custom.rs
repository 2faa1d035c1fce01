//! `custom`: the seed's API example spawns one; it runs the common task
//! types only and takes any settings.

use serde_json::json;

use crate::kinds::spec::{KindDefaults, KindSpec};
use crate::protocol::AgentCategory;

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "custom",
        aliases: Vec::new(),
        category: AgentCategory::Core,
        description:
            "A general agent with the common task types only (health, status, capabilities)",
        task_types: Vec::new(),
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "description": "Free-form; read by nothing in the runtime"}),
        defaults: KindDefaults {
            cpu_limit: 1.0,
            memory_limit_mb: 512,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
