// PROVISIONAL: replaced by the generated binding
export type TaskStatus = "pending" | "queued" | "running" | "completed" | "failed" | "timed_out" | "cancelled" | "dead_lettered";
