// PROVISIONAL: replaced by the generated binding
import type { JsonValue } from "./serde_json/JsonValue";

export type StoredAction = { id: number, agent_id: string, timestamp: string, action_type: string, input_summary: string | null, output_summary: string | null, success: boolean, duration_ms: number | null, resources_used: JsonValue | null, related_agents: Array<string>, };
