/**
 * A JSON log line (as the agent runtime's tracing subscriber writes them:
 * `{"timestamp":…,"level":"INFO","fields":{"message":…,…},"target":…}`)
 * in the parts the log view draws: time, level, message, then the other
 * fields as key=value. Parsed only for the lines on screen, never stored.
 */
export interface StructuredLine {
  /** `HH:MM:SS.mmm` when the line carries an ISO timestamp. */
  time: string | null;
  level: string | null;
  message: string;
  fields: [key: string, value: string][];
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** Keys drawn in their own place rather than as key=value. */
const OWN_PLACE = new Set(["timestamp", "level", "fields", "message", "msg"]);

export function parseStructured(text: string): StructuredLine | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  if (!isObject(parsed)) return null;
  const nested = isObject(parsed.fields) ? parsed.fields : {};
  const message = nested.message ?? parsed.message ?? parsed.msg;
  // Any other JSON is data, not a log record: drawn as it came.
  if (message === undefined && typeof parsed.level !== "string") return null;
  const fields: [string, string][] = [];
  for (const [key, value] of Object.entries(nested)) if (key !== "message") fields.push([key, fieldValue(value)]);
  for (const [key, value] of Object.entries(parsed)) if (!OWN_PLACE.has(key)) fields.push([key, fieldValue(value)]);
  return {
    time: typeof parsed.timestamp === "string" ? clockTime(parsed.timestamp) : null,
    level: typeof parsed.level === "string" ? parsed.level.toUpperCase() : null,
    message: message === undefined ? "" : fieldValue(message),
    fields,
  };
}

function fieldValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The time of day of an ISO timestamp, to the millisecond, as the log's time column shows it. */
export function clockTime(iso: string): string | null {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? iso.slice(11, 23) : null;
}
