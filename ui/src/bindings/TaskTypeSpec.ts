// PROVISIONAL: replaced by the generated binding
import type { JsonValue } from "./serde_json/JsonValue";

export type TaskTypeSpec = { name: string, description: string, payload_schema: JsonValue, result_schema: JsonValue, };
