-- Files tasks produce (synthesized audio, reports), kept beside the ledger:
-- a task's result names them, GET /tasks/{id}/artifacts/{artifact_id}
-- serves them. Bounded (8 MiB each, as the agents' runtime refuses more);
-- gone with their task.
CREATE TABLE IF NOT EXISTS task_artifacts (
    id           UUID PRIMARY KEY,
    task_id      UUID NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    agent_id     VARCHAR(100) NOT NULL,
    name         VARCHAR(255) NOT NULL,
    content_type VARCHAR(255) NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0 AND size <= 8388608),
    sha256       CHAR(64) NOT NULL,
    data         BYTEA NOT NULL CHECK (octet_length(data) = size),
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_task_artifacts_task ON task_artifacts (task_id);
