// PROVISIONAL: replaced by the generated binding
import type { AgentStatus } from "./AgentStatus";

export type FleetAgent = { agent_id: string, agent_type: string, category: string, status: AgentStatus, container_id: string, container_state: string, port: number | null, last_heartbeat: string | null, uptime_seconds: number, current_tasks: number, tasks_completed: number, tasks_failed: number, host: string, cpu_percent: number | null, memory_mb: number | null, };
