// PROVISIONAL: replaced by the generated binding
import type { AgentStatus } from "./AgentStatus";
import type { AgentTask } from "./AgentTask";
import type { ContainerChange } from "./ContainerChange";
import type { JsonValue } from "./serde_json/JsonValue";

export type FleetEvent = { "type": "container", agent_id: string, container_id: string, change: ContainerChange, at: string, } | { "type": "metrics", agent_id: string, cpu_percent: number, memory_mb: number, at: string, } | { "type": "task_finished", task: AgentTask, } | { "type": "message", message: JsonValue, } | { "type": "action", action: JsonValue, } | { "type": "health", agent_id: string, from: AgentStatus | null, to: AgentStatus, heartbeat_overdue: boolean, queue_lag: number, at: string, } | { "type": "lagged", skipped: number, };
