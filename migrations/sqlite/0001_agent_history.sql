-- The seed's agent history tables (MAS v2 migration 003), SQLite dialect:
-- timestamps are RFC 3339 text in UTC, JSON columns hold JSON text and the
-- seed's TEXT[] column holds a JSON array.

CREATE TABLE IF NOT EXISTS agent_logs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id       TEXT NOT NULL,
    timestamp      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    action_type    TEXT NOT NULL,
    input_summary  TEXT,
    output_summary TEXT,
    success        INTEGER NOT NULL DEFAULT 1,
    duration_ms    INTEGER,
    resources_used TEXT CHECK (resources_used IS NULL OR json_valid(resources_used)),
    related_agents TEXT CHECK (related_agents IS NULL OR json_valid(related_agents))
);
CREATE INDEX IF NOT EXISTS idx_agent_logs_agent_time ON agent_logs (agent_id, timestamp DESC);

CREATE TABLE IF NOT EXISTS agent_snapshots (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id      TEXT NOT NULL,
    snapshot_time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    state         TEXT NOT NULL CHECK (json_valid(state)),
    config        TEXT NOT NULL CHECK (json_valid(config)),
    pending_tasks TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(pending_tasks)),
    memory_state  TEXT CHECK (memory_state IS NULL OR json_valid(memory_state)),
    reason        TEXT
);
CREATE INDEX IF NOT EXISTS idx_agent_snapshots_agent_time ON agent_snapshots (agent_id, snapshot_time DESC);

CREATE TABLE IF NOT EXISTS agent_metrics (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id             TEXT NOT NULL,
    timestamp            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    cpu_percent          REAL,
    memory_mb            INTEGER,
    tasks_completed      INTEGER,
    tasks_failed         INTEGER,
    avg_task_duration_ms REAL,
    messages_sent        INTEGER,
    messages_received    INTEGER,
    uptime_seconds       INTEGER,
    error_count          INTEGER
);
CREATE INDEX IF NOT EXISTS idx_agent_metrics_agent_time ON agent_metrics (agent_id, timestamp DESC);

CREATE TABLE IF NOT EXISTS agent_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id     TEXT NOT NULL UNIQUE,
    from_agent     TEXT NOT NULL,
    to_agent       TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    payload        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    priority       INTEGER NOT NULL DEFAULT 5,
    timestamp      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    correlation_id TEXT,
    acknowledged   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_agent_messages_to_time ON agent_messages (to_agent, timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_agent_messages_correlation ON agent_messages (correlation_id);

CREATE TABLE IF NOT EXISTS agent_knowledge (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id   TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at TEXT,
    UNIQUE (agent_id, key)
);
