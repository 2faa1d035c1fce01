//! Every route the API serves, as the document describes it: the query
//! parameters it reads, the body it takes, what it answers and every error
//! status it can give. `http_api.rs` checks the table against the router.

/// A query parameter: name and schema component (under
/// `#/components/schemas/`).
pub type Param = (&'static str, &'static str);

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub query: &'static [Param],
    /// Schema component of the JSON body, which is then required.
    pub body: Option<&'static str>,
    /// Schema component of the 200 answer.
    pub answer: &'static str,
    /// Error statuses besides 401 (every route but `/health` needs the key).
    pub errors: &'static [u16],
}

/// What can go wrong with any JSON body: malformed (400), too large (413),
/// not JSON (415), a wrong value (422).
pub const BODY_ERRORS: [u16; 4] = [400, 413, 415, 422];

const PAGE: &[Param] = &[("limit", "Limit"), ("cursor", "Cursor")];

macro_rules! route {
    ($method:literal $path:literal, $summary:literal, query: $query:expr, body: $body:expr, answer: $answer:literal, errors: $errors:expr) => {
        Route {
            method: $method,
            path: $path,
            summary: $summary,
            query: $query,
            body: $body,
            answer: $answer,
            errors: $errors,
        }
    };
}

pub const ROUTES: &[Route] = &[
    route!("get" "/health", "Liveness; needs no key", query: &[], body: None, answer: "Health", errors: &[]),
    route!("get" "/status", "Orchestrator status (the seed's body)", query: &[], body: None, answer: "Status", errors: &[503]),
    route!("get" "/openapi.json", "This document", query: &[], body: None, answer: "Object", errors: &[]),
    route!("get" "/agents", "Every agent with its status", query: &[], body: None, answer: "AgentList", errors: &[503]),
    route!("get" "/agents/{id}", "One agent", query: &[], body: None, answer: "AgentView", errors: &[404, 503]),
    route!("post" "/agents/spawn", "Spawn an agent (idempotent per id); `grants` gives it privileges its kind declares", query: &[], body: Some("AgentConfig"), answer: "AgentView", errors: &[409, 503]),
    route!("post" "/agents/register", "An agent announcing itself", query: &[], body: Some("AgentConfig"), answer: "Registered", errors: &[409, 503]),
    route!("post" "/agents/{id}/stop", "Stop gracefully, or at once with ?force=true", query: &[("force", "Force")], body: None, answer: "AgentChange", errors: &[404, 422, 503]),
    route!("post" "/agents/{id}/restart", "Restart the same container", query: &[], body: None, answer: "AgentChange", errors: &[404, 503]),
    route!("get" "/agents/{id}/snapshots", "The agent's snapshots, newest first", query: PAGE, body: None, answer: "SnapshotPage", errors: &[422, 503]),
    route!("post" "/agents/{id}/snapshots", "Take a snapshot", query: &[], body: Some("SnapshotRequest"), answer: "SnapshotTaken", errors: &[404, 409, 503]),
    route!("get" "/snapshots/{id}", "One snapshot", query: &[], body: None, answer: "Object", errors: &[400, 404, 503]),
    route!("post" "/snapshots/{id}/restore", "Spawn an agent from a snapshot", query: &[], body: Some("RestoreRequest"), answer: "Object", errors: &[404, 409, 503]),
    route!("get" "/tasks", "Tasks, newest first, filtered by ?status= and ?agent_id=", query: &[("status", "TaskStatus"), ("agent_id", "AgentId"), ("limit", "Limit"), ("cursor", "TaskCursor")], body: None, answer: "TaskPage", errors: &[422, 503]),
    route!("post" "/tasks", "Submit a task (to an agent, a type or a capability)", query: &[], body: Some("TaskRequest"), answer: "TaskSubmitted", errors: &[404, 409, 503]),
    route!("get" "/tasks/dead-letters", "Tasks given up on, newest first", query: &[("limit", "Limit"), ("cursor", "TaskCursor")], body: None, answer: "TaskPage", errors: &[422, 503]),
    route!("get" "/tasks/{id}", "A task's state and result", query: &[], body: None, answer: "Task", errors: &[400, 404, 503]),
    route!("post" "/tasks/{id}/cancel", "Cancel a task that has not settled (409 once it has)", query: &[], body: None, answer: "Task", errors: &[400, 404, 409, 503]),
    route!("get" "/tasks/{id}/artifacts/{artifact_id}", "A file the task produced (its result names it), served with its media type", query: &[], body: None, answer: "Artifact", errors: &[400, 404, 503]),
    route!("get" "/knowledge", "The fleet's live knowledge entries (every agent's, or ?agent_id=), newest first", query: &[("agent_id", "AgentId"), ("limit", "Limit"), ("cursor", "Cursor")], body: None, answer: "KnowledgePage", errors: &[422, 503]),
    route!("get" "/messages", "An agent's messages (?agent_id=, paged) or the replies to one (?correlation_id=)", query: &[("agent_id", "AgentId"), ("correlation_id", "Uuid"), ("limit", "Limit"), ("cursor", "Cursor")], body: None, answer: "MessagePage", errors: &[422, 503]),
    route!("post" "/messages", "Send an agent-to-agent message", query: &[], body: Some("MessageRequest"), answer: "MessageSent", errors: &[404, 503]),
    route!("get" "/messages/{id}", "One message", query: &[], body: None, answer: "Object", errors: &[400, 404, 503]),
    route!("get" "/hosts", "Every host of the fleet: its profile and state (connecting, up, unreachable with why, disabled, key_changed), engine, running agents", query: &[], body: None, answer: "HostList", errors: &[503]),
    route!("post" "/hosts", "Add a host while the service runs (an SSH host without a pinned key: first contact, confirm its key)", query: &[], body: Some("HostProfile"), answer: "HostAdded", errors: &[409, 503]),
    route!("patch" "/hosts/{name}", "Enable, disable or relabel a host", query: &[], body: Some("HostChange"), answer: "HostAdded", errors: &[404, 409, 503]),
    route!("post" "/hosts/{name}/confirm", "Pin the key a first-contact SSH host presented", query: &[], body: Some("HostConfirmation"), answer: "HostAdded", errors: &[404, 409, 503]),
    route!("delete" "/hosts/{name}", "Remove a host; ?agents=stop stops and removes its agents first, leave (default) leaves them running", query: &[("agents", "AgentsOnRemoval")], body: None, answer: "HostDeleted", errors: &[404, 409, 422, 503]),
    route!("post" "/hosts/{name}/test", "Test connection: engine, OS, CPUs, memory, latency — or why it failed", query: &[], body: None, answer: "HostTest", errors: &[404, 503]),
    route!("get" "/gaps", "Missing required agents", query: &[], body: None, answer: "GapList", errors: &[503]),
    route!("get" "/gaps/requirements", "The required agents", query: &[], body: None, answer: "Requirements", errors: &[503]),
    route!("put" "/gaps/requirements", "Replace the required agents", query: &[("by", "Actor")], body: Some("Requirements"), answer: "Requirements", errors: &[503]),
    route!("post" "/gaps/{agent_id}/fill", "Fill a gap (or request approval)", query: &[], body: Some("FillBody"), answer: "Object", errors: &[404, 409, 503]),
    route!("get" "/approvals", "Approval requests, newest first, by ?status=", query: &[("status", "ApprovalStatus"), ("limit", "Limit")], body: None, answer: "ApprovalList", errors: &[422, 503]),
    route!("post" "/approvals/{id}/approve", "Approve and carry out", query: &[], body: Some("ActorBody"), answer: "Object", errors: &[404, 409, 503]),
    route!("post" "/approvals/{id}/reject", "Reject", query: &[], body: Some("ActorBody"), answer: "Object", errors: &[404, 409, 503]),
    route!("get" "/catalog", "Every agent kind: task types with payload and result schemas, credentials, settings schema, defaults, privileges", query: &[], body: None, answer: "Catalog", errors: &[]),
    route!("get" "/templates", "Agent templates per category", query: &[], body: None, answer: "TemplateList", errors: &[]),
    route!("get" "/audit", "Who did what, newest first", query: PAGE, body: None, answer: "AuditPage", errors: &[422, 503]),
    route!("get" "/api/dashboard/agents", "Agents for the dashboard", query: &[], body: None, answer: "DashboardAgents", errors: &[503]),
    route!("get" "/api/dashboard/agents/{id}", "An agent with its recent history", query: &[], body: None, answer: "AgentDetail", errors: &[404, 503]),
    route!("get" "/api/dashboard/agents/{id}/logs", "Container output, the last ?tail= lines (at most 10,000) ?since= a time", query: &[("tail", "LogTail"), ("since", "DateTime")], body: None, answer: "AgentLogs", errors: &[404, 422, 503]),
    route!("get" "/api/dashboard/stats", "Fleet statistics", query: &[], body: None, answer: "Stats", errors: &[503]),
    route!("get" "/api/dashboard/topology", "Nodes and weighted edges over the last ?window_seconds=", query: &[("window_seconds", "WindowSeconds")], body: None, answer: "Topology", errors: &[422, 503]),
    route!("get" "/api/dashboard/health", "Every agent's health and queue lag", query: &[], body: None, answer: "HealthList", errors: &[503]),
    route!("get" "/api/dashboard/ws", "WebSocket (upgrade): initial_state, agent_update, heartbeat, pong", query: &[], body: None, answer: "WebSocket", errors: &[400, 426]),
    route!("get" "/api/dashboard/stream", "Server-sent agent_update events", query: &[], body: None, answer: "EventStream", errors: &[]),
];

/// What an answer hands to the next call, for clients that follow links
/// (schemathesis' stateful phase does): (from method, from path, to method,
/// to path, parameter, where its value is in the answer).
pub const LINKS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "post",
        "/agents/spawn",
        "get",
        "/agents/{id}",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/spawn",
        "get",
        "/api/dashboard/agents/{id}",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/spawn",
        "get",
        "/api/dashboard/agents/{id}/logs",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/spawn",
        "post",
        "/agents/{id}/snapshots",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/spawn",
        "get",
        "/agents/{id}/snapshots",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/spawn",
        "post",
        "/agents/{id}/restart",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/spawn",
        "post",
        "/agents/{id}/stop",
        "id",
        "/agent_id",
    ),
    (
        "post",
        "/agents/{id}/snapshots",
        "get",
        "/snapshots/{id}",
        "id",
        "/snapshot_id",
    ),
    (
        "post",
        "/agents/{id}/snapshots",
        "post",
        "/snapshots/{id}/restore",
        "id",
        "/snapshot_id",
    ),
    ("post", "/tasks", "get", "/tasks/{id}", "id", "/task_id"),
    (
        "post",
        "/tasks",
        "post",
        "/tasks/{id}/cancel",
        "id",
        "/task_id",
    ),
    (
        "post",
        "/messages",
        "get",
        "/messages/{id}",
        "id",
        "/message_id",
    ),
    (
        "post",
        "/hosts",
        "post",
        "/hosts/{name}/test",
        "name",
        "/name",
    ),
    ("post", "/hosts", "delete", "/hosts/{name}", "name", "/name"),
];
