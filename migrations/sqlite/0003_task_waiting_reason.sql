-- Why a task waits and until when: while no live agent can take a task the
-- ledger records the reason, and fails the attempt once wait_deadline passes.
ALTER TABLE tasks ADD COLUMN waiting_reason TEXT;
ALTER TABLE tasks ADD COLUMN wait_deadline TEXT;
CREATE INDEX IF NOT EXISTS idx_tasks_wait_deadline ON tasks (wait_deadline)
    WHERE wait_deadline IS NOT NULL;
