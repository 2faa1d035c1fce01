// PROVISIONAL: replaced by the generated binding
import type { JsonValue } from "./serde_json/JsonValue";

export type SpawnRequest = { agent_id: string, agent_type: string, display_name: string, host: string | null, cpu_limit: number, memory_limit_mb: number, replicas: number, settings: { [key in string]?: JsonValue }, credentials: Array<string>, };
