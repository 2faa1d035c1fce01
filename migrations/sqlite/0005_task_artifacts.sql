-- Files tasks produce (synthesized audio, reports), kept beside the ledger:
-- a task's result names them, GET /tasks/{id}/artifacts/{artifact_id}
-- serves them. Bounded (8 MiB each, as the agents' runtime refuses more);
-- gone with their task.
CREATE TABLE IF NOT EXISTS task_artifacts (
    id           TEXT PRIMARY KEY,
    task_id      TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0 AND size <= 8388608),
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    data         BLOB NOT NULL CHECK (length(data) = size),
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_task_artifacts_task ON task_artifacts (task_id);
