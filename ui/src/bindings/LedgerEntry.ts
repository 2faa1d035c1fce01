// PROVISIONAL: replaced by the generated binding
import type { Route } from "./Route";
import type { TaskPriority } from "./TaskPriority";
import type { TaskStatus } from "./TaskStatus";
import type { JsonValue } from "./serde_json/JsonValue";

export type LedgerEntry = { id: string, agent_id: string, task_type: string, payload: JsonValue, priority: TaskPriority, created_at: string, started_at: string | null, completed_at: string | null, status: TaskStatus, result: JsonValue | null, error: string | null, timeout: number, retries: number, max_retries: number, requester_agent: string | null, route: Route, stream: string | null, entry_id: string | null, next_attempt_at: string | null, updated_at: string, waiting_reason: string | null, wait_deadline: string | null, };
