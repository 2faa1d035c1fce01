// PROVISIONAL: replaced by the generated binding
import type { AgentCategory } from "./AgentCategory";
import type { CredentialRef } from "./CredentialRef";
import type { JsonValue } from "./serde_json/JsonValue";

export type AgentConfig = { agent_id: string, agent_type: string, category: AgentCategory, display_name: string, description: string, version: string, cpu_limit: number, memory_limit: number, capabilities: Array<string>, dependencies: Array<string>, settings: { [key in string]?: JsonValue }, environment: { [key in string]?: string }, credentials?: Array<CredentialRef>, max_concurrent_tasks: number, task_timeout: number, heartbeat_interval: number, health_check_interval: number, auto_restart: boolean, max_restarts: number, requires_approval: boolean, image: string | null, };
