// PROVISIONAL: replaced by the generated binding
import type { JsonValue } from "./serde_json/JsonValue";

export type AuditEntry = { id: number, at: string, actor: string, action: string, subject: string, detail: JsonValue | null, };
