// PROVISIONAL: replaced by the generated binding
import type { TaskPriority } from "./TaskPriority";
import type { JsonValue } from "./serde_json/JsonValue";

export type TaskRequest = { id?: string | null, agent_id?: string | null, agent_type?: string | null, capability?: string | null, task_type: string, payload: JsonValue, priority?: TaskPriority, timeout?: number | null, max_retries?: number | null, requester_agent?: string | null, };
