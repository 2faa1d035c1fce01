-- The seed's agent history tables (MAS v2 migration 003), PostgreSQL dialect.

CREATE TABLE IF NOT EXISTS agent_logs (
    id             SERIAL PRIMARY KEY,
    agent_id       VARCHAR(100) NOT NULL,
    timestamp      TIMESTAMPTZ NOT NULL DEFAULT now(),
    action_type    VARCHAR(100) NOT NULL,
    input_summary  TEXT,
    output_summary TEXT,
    success        BOOLEAN NOT NULL DEFAULT TRUE,
    duration_ms    INTEGER,
    resources_used JSONB,
    related_agents TEXT[]
);
CREATE INDEX IF NOT EXISTS idx_agent_logs_agent_time ON agent_logs (agent_id, timestamp DESC);

CREATE TABLE IF NOT EXISTS agent_snapshots (
    id            SERIAL PRIMARY KEY,
    agent_id      VARCHAR(100) NOT NULL,
    snapshot_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    state         JSONB NOT NULL,
    config        JSONB NOT NULL,
    pending_tasks JSONB NOT NULL DEFAULT '[]'::jsonb,
    memory_state  JSONB,
    reason        VARCHAR(255)
);
CREATE INDEX IF NOT EXISTS idx_agent_snapshots_agent_time ON agent_snapshots (agent_id, snapshot_time DESC);

CREATE TABLE IF NOT EXISTS agent_metrics (
    id                   SERIAL PRIMARY KEY,
    agent_id             VARCHAR(100) NOT NULL,
    timestamp            TIMESTAMPTZ NOT NULL DEFAULT now(),
    cpu_percent          FLOAT,
    memory_mb            INTEGER,
    tasks_completed      INTEGER,
    tasks_failed         INTEGER,
    avg_task_duration_ms FLOAT,
    messages_sent        INTEGER,
    messages_received    INTEGER,
    uptime_seconds       INTEGER,
    error_count          INTEGER
);
CREATE INDEX IF NOT EXISTS idx_agent_metrics_agent_time ON agent_metrics (agent_id, timestamp DESC);

CREATE TABLE IF NOT EXISTS agent_messages (
    id             SERIAL PRIMARY KEY,
    message_id     UUID NOT NULL UNIQUE,
    from_agent     VARCHAR(100) NOT NULL,
    to_agent       VARCHAR(100) NOT NULL,
    message_type   VARCHAR(50) NOT NULL,
    payload        JSONB NOT NULL DEFAULT '{}'::jsonb,
    priority       INTEGER NOT NULL DEFAULT 5,
    timestamp      TIMESTAMPTZ NOT NULL DEFAULT now(),
    correlation_id UUID,
    acknowledged   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS idx_agent_messages_to_time ON agent_messages (to_agent, timestamp DESC);
CREATE INDEX IF NOT EXISTS idx_agent_messages_correlation ON agent_messages (correlation_id);

CREATE TABLE IF NOT EXISTS agent_knowledge (
    id         SERIAL PRIMARY KEY,
    agent_id   VARCHAR(100) NOT NULL,
    key        VARCHAR(255) NOT NULL,
    value      JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ,
    UNIQUE (agent_id, key)
);
