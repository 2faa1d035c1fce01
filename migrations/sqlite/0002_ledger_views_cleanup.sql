-- What later work needs beside the seed's tables (the task ledger, approvals,
-- hosts, an audit trail, editable settings) and the seed's two views. SQLite has no stored
-- functions: cleanup_old_agent_logs / _metrics are store methods here.

CREATE TABLE IF NOT EXISTS tasks (
    id              TEXT PRIMARY KEY,
    route_kind      TEXT NOT NULL CHECK (route_kind IN ('agent', 'type', 'capability')),
    route_target    TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    task_type       TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    priority        INTEGER NOT NULL DEFAULT 5,
    status          TEXT NOT NULL,
    result          TEXT CHECK (result IS NULL OR json_valid(result)),
    error           TEXT,
    retries         INTEGER NOT NULL DEFAULT 0,
    max_retries     INTEGER NOT NULL DEFAULT 3,
    timeout         INTEGER NOT NULL DEFAULT 300,
    requester_agent TEXT,
    stream          TEXT,
    entry_id        TEXT,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    started_at      TEXT,
    completed_at    TEXT
);
CREATE INDEX IF NOT EXISTS idx_tasks_status ON tasks (status, updated_at);
CREATE INDEX IF NOT EXISTS idx_tasks_agent ON tasks (agent_id, created_at DESC);

CREATE TABLE IF NOT EXISTS approvals (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    request      TEXT NOT NULL CHECK (json_valid(request)),
    status       TEXT NOT NULL DEFAULT 'pending',
    requested_at TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    comment      TEXT
);
CREATE INDEX IF NOT EXISTS idx_approvals_status ON approvals (status, requested_at);

CREATE TABLE IF NOT EXISTS hosts (
    name       TEXT PRIMARY KEY,
    profile    TEXT NOT NULL CHECK (json_valid(profile)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT CHECK (detail IS NULL OR json_valid(detail))
);
CREATE INDEX IF NOT EXISTS idx_audit_at ON audit (at DESC);

CREATE VIEW IF NOT EXISTS agent_activity_summary AS
SELECT agent_id,
       count(*)                                       AS total_actions,
       sum(CASE WHEN success THEN 1 ELSE 0 END)       AS successful_actions,
       sum(CASE WHEN success THEN 0 ELSE 1 END)       AS failed_actions,
       avg(duration_ms)                               AS avg_duration_ms,
       min(timestamp)                                 AS first_action,
       max(timestamp)                                 AS last_action
FROM agent_logs
GROUP BY agent_id;

CREATE VIEW IF NOT EXISTS recent_agent_errors AS
SELECT id, agent_id, timestamp, action_type, input_summary, output_summary, duration_ms
FROM agent_logs
WHERE NOT success
ORDER BY timestamp DESC, id DESC
LIMIT 100;
