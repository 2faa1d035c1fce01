//! Names every piece agrees on: Redis channels and streams, container names
//! and labels, and the agent's environment variables.

/// Commands to one agent (`pause`, `resume`, `stop`, `snapshot`).
pub fn agent_channel(agent_id: &str) -> String {
    format!("agent:{agent_id}")
}
/// Every agent's heartbeats, consumed by the orchestrator.
pub const HEARTBEATS_CHANNEL: &str = "orchestrator:heartbeats";
/// Fleet events.
pub const EVENTS_CHANNEL: &str = "mas:events";
/// Messages to every agent.
pub const BROADCAST_CHANNEL: &str = "mas:broadcast";

use super::TaskPriority;

/// Tasks addressed to one agent, one stream per priority so the agent can
/// always take the most urgent waiting task first.
pub fn agent_task_stream(agent_id: &str, priority: TaskPriority) -> String {
    format!("mas:tasks:agent:{agent_id}:{}", priority.value())
}
/// Tasks for any replica of a type; replicas share it through one group.
pub fn type_task_stream(agent_type: &str, priority: TaskPriority) -> String {
    format!("mas:tasks:type:{agent_type}:{}", priority.value())
}
/// Results of every task, consumed by the orchestrator.
pub const RESULTS_STREAM: &str = "mas:results";
/// Agent snapshots (on command and at shutdown), consumed by the orchestrator.
pub const SNAPSHOTS_STREAM: &str = "mas:snapshots";
/// Set once a task's result is recorded, so a redelivered task is not run twice.
/// Messages agents send, routed (and stored) by the orchestrator; field `message`.
pub const MESSAGES_STREAM: &str = "mas:messages";
/// The entry field holding an `AgentMessage`.
pub const MESSAGE_FIELD: &str = "message";

/// Messages delivered to one agent, read in group `mas-agents`.
pub fn inbox_stream(agent_id: &str) -> String {
    format!("mas:inbox:{agent_id}")
}

/// Agents' requests to their long-term memory, served by the orchestrator.
pub const KNOWLEDGE_REQUESTS_STREAM: &str = "mas:knowledge:requests";
/// The entry field holding a `KnowledgeRequest`.
pub const KNOWLEDGE_REQUEST_FIELD: &str = "request";

/// Where the orchestrator pushes the reply to one knowledge request.
pub fn knowledge_reply_key(request_id: &uuid::Uuid) -> String {
    format!("mas:knowledge:reply:{request_id}")
}

/// Agents' requests for their credentials, served by the orchestrator.
pub const CREDENTIALS_REQUESTS_STREAM: &str = "mas:credentials:requests";
/// The entry field holding a `CredentialRequest`.
pub const CREDENTIALS_REQUEST_FIELD: &str = "request";

/// Where the orchestrator pushes the (sealed) reply to one credentials request.
pub fn credentials_reply_key(request_id: &uuid::Uuid) -> String {
    format!("mas:credentials:reply:{request_id}")
}

/// An agent's short-term memory: its last conversation entries, newest first.
pub fn conversation_key(agent_id: &str) -> String {
    format!("mas:memory:{agent_id}:conversation")
}

/// Entries short-term memory keeps per agent (the seed's last 10).
pub const CONVERSATION_ENTRIES: isize = 10;
/// Short-term memory lapses after a day without a new entry.
pub const CONVERSATION_TTL_SECONDS: u64 = 24 * 3600;

pub fn task_done_key(task_id: &uuid::Uuid) -> String {
    format!("mas:task:{task_id}:done")
}
/// Set when a task is cancelled, so an agent that fetched it drops it
/// instead of running it, even if it missed the `cancel` command.
pub fn task_cancelled_key(task_id: &uuid::Uuid) -> String {
    format!("mas:task:{task_id}:cancelled")
}
/// The consumer group agents read task streams with.
pub const AGENTS_GROUP: &str = "mas-agents";
/// The consumer group the orchestrator reads results with.
pub const ORCHESTRATOR_GROUP: &str = "mas-orchestrator";

pub fn container_name(agent_id: &str) -> String {
    format!("mas-agent-{agent_id}")
}
pub const LABEL_AGENT: &str = "mas.agent";
pub const LABEL_AGENT_ID: &str = "mas.agent_id";
pub const LABEL_AGENT_TYPE: &str = "mas.agent_type";
pub const LABEL_AGENT_CATEGORY: &str = "mas.agent_category";

/// Environment variables the agent runtime reads.
pub mod env {
    pub const AGENT_ID: &str = "AGENT_ID";
    pub const AGENT_TYPE: &str = "AGENT_TYPE";
    pub const AGENT_CATEGORY: &str = "AGENT_CATEGORY";
    pub const REDIS_URL: &str = "REDIS_URL";
    pub const HEARTBEAT_INTERVAL: &str = "HEARTBEAT_INTERVAL";
    pub const TASK_TIMEOUT: &str = "TASK_TIMEOUT";
    pub const MAX_CONCURRENT_TASKS: &str = "MAX_CONCURRENT_TASKS";
    pub const AGENT_PORT: &str = "AGENT_PORT";
    pub const LOG_LEVEL: &str = "LOG_LEVEL";
    /// Seconds in-flight tasks may finish after SIGTERM (default 10).
    pub const SHUTDOWN_GRACE: &str = "SHUTDOWN_GRACE";
    /// A random per-container token the agent proves itself with when it
    /// asks for its credentials; set only for agents that have credentials.
    pub const BOOTSTRAP_TOKEN: &str = "BOOTSTRAP_TOKEN";
    /// The agent's settings as JSON: only those its kind declares (never a
    /// secret; credentials travel sealed), defaults filled in.
    pub const AGENT_SETTINGS: &str = "AGENT_SETTINGS";

    /// Every variable the orchestrator or the runtime owns: a spawn's own
    /// `environment` may not set them.
    pub const MANAGED: [&str; 12] = [
        AGENT_ID,
        AGENT_TYPE,
        AGENT_CATEGORY,
        REDIS_URL,
        HEARTBEAT_INTERVAL,
        TASK_TIMEOUT,
        MAX_CONCURRENT_TASKS,
        AGENT_PORT,
        LOG_LEVEL,
        SHUTDOWN_GRACE,
        BOOTSTRAP_TOKEN,
        AGENT_SETTINGS,
    ];
}

/// The agent's HTTP port when AGENT_PORT is unset.
pub const DEFAULT_AGENT_PORT: u16 = 8080;
