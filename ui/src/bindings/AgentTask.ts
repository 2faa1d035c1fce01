// PROVISIONAL: replaced by the generated binding
import type { TaskPriority } from "./TaskPriority";
import type { TaskStatus } from "./TaskStatus";
import type { JsonValue } from "./serde_json/JsonValue";

export type AgentTask = { id: string, agent_id: string, task_type: string, payload: JsonValue, priority: TaskPriority, created_at: string, started_at: string | null, completed_at: string | null, status: TaskStatus, result: JsonValue | null, error: string | null, timeout: number, retries: number, max_retries: number, requester_agent: string | null, };
