/** The submit-task form's payload check: JSON first, then the task type's schema. */
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import { validateWithSchema } from "./schemaForm";

export type PayloadCheck = { ok: true; payload: JsonValue } | { ok: false; problems: string[] };

export function checkPayload(text: string, schema: unknown): PayloadCheck {
  let payload: JsonValue;
  try {
    payload = (text.trim() === "" ? {} : JSON.parse(text)) as JsonValue;
  } catch (error) {
    return { ok: false, problems: [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const problems = Object.entries(validateWithSchema(schema, payload)).map(([field, message]) =>
    field ? `${field}: ${message}` : message,
  );
  return problems.length === 0 ? { ok: true, payload } : { ok: false, problems };
}
