-- What later work needs beside the seed's tables (the task ledger, approvals,
-- hosts, an audit trail, editable settings), the seed's two views and two cleanup functions.

-- 64-bit ids, so one row type reads both backends (SQLite ids are 64-bit).
ALTER TABLE agent_logs ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE agent_logs_id_seq AS BIGINT;
ALTER TABLE agent_snapshots ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE agent_snapshots_id_seq AS BIGINT;
ALTER TABLE agent_metrics ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE agent_metrics_id_seq AS BIGINT;
ALTER TABLE agent_messages ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE agent_messages_id_seq AS BIGINT;
ALTER TABLE agent_knowledge ALTER COLUMN id TYPE BIGINT;
ALTER SEQUENCE agent_knowledge_id_seq AS BIGINT;

CREATE TABLE IF NOT EXISTS tasks (
    id              UUID PRIMARY KEY,
    route_kind      VARCHAR(20) NOT NULL CHECK (route_kind IN ('agent', 'type', 'capability')),
    route_target    VARCHAR(255) NOT NULL,
    agent_id        VARCHAR(100) NOT NULL,
    task_type       VARCHAR(100) NOT NULL,
    payload         JSONB NOT NULL DEFAULT '{}'::jsonb,
    priority        INTEGER NOT NULL DEFAULT 5,
    status          VARCHAR(20) NOT NULL,
    result          JSONB,
    error           TEXT,
    retries         INTEGER NOT NULL DEFAULT 0,
    max_retries     INTEGER NOT NULL DEFAULT 3,
    timeout         INTEGER NOT NULL DEFAULT 300,
    requester_agent VARCHAR(100),
    stream          VARCHAR(255),
    entry_id        VARCHAR(64),
    next_attempt_at TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS idx_tasks_status ON tasks (status, updated_at);
CREATE INDEX IF NOT EXISTS idx_tasks_agent ON tasks (agent_id, created_at DESC);

CREATE TABLE IF NOT EXISTS approvals (
    id           UUID PRIMARY KEY,
    kind         VARCHAR(50) NOT NULL,
    subject      VARCHAR(255) NOT NULL,
    request      JSONB NOT NULL,
    status       VARCHAR(20) NOT NULL DEFAULT 'pending',
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by   VARCHAR(255),
    decided_at   TIMESTAMPTZ,
    comment      TEXT
);
CREATE INDEX IF NOT EXISTS idx_approvals_status ON approvals (status, requested_at);

CREATE TABLE IF NOT EXISTS hosts (
    name       VARCHAR(255) PRIMARY KEY,
    profile    JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS settings (
    key        VARCHAR(100) PRIMARY KEY,
    value      JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE IF NOT EXISTS audit (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   VARCHAR(255) NOT NULL,
    action  VARCHAR(100) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    detail  JSONB
);
CREATE INDEX IF NOT EXISTS idx_audit_at ON audit (at DESC);

CREATE OR REPLACE VIEW agent_activity_summary AS
SELECT agent_id,
       count(*)                                       AS total_actions,
       sum(CASE WHEN success THEN 1 ELSE 0 END)       AS successful_actions,
       sum(CASE WHEN success THEN 0 ELSE 1 END)       AS failed_actions,
       avg(duration_ms)::float8                       AS avg_duration_ms,
       min(timestamp)                                 AS first_action,
       max(timestamp)                                 AS last_action
FROM agent_logs
GROUP BY agent_id;

CREATE OR REPLACE VIEW recent_agent_errors AS
SELECT id, agent_id, timestamp, action_type, input_summary, output_summary, duration_ms
FROM agent_logs
WHERE NOT success
ORDER BY timestamp DESC, id DESC
LIMIT 100;

-- Deletes rows older than `days` days; returns how many.
CREATE OR REPLACE FUNCTION cleanup_old_agent_logs(days INTEGER) RETURNS BIGINT AS $$
DECLARE removed BIGINT;
BEGIN
    DELETE FROM agent_logs WHERE timestamp < now() - make_interval(days => days);
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION cleanup_old_agent_metrics(days INTEGER) RETURNS BIGINT AS $$
DECLARE removed BIGINT;
BEGIN
    DELETE FROM agent_metrics WHERE timestamp < now() - make_interval(days => days);
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$ LANGUAGE plpgsql;
