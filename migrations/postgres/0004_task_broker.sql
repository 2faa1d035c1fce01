-- Which host's broker holds a task's stream entry: a fleet over several
-- hosts queues each task on the broker of the host that will run it.
-- NULL for tasks never queued.
ALTER TABLE tasks ADD COLUMN broker TEXT;
