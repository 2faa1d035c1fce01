import type { DesktopError } from "../bindings/DesktopError";

function isDesktopError(value: unknown): value is DesktopError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.kind === "string" && typeof candidate.message === "string";
}

/**
 * Commands reject with a `DesktopError`; anything else (a Tauri failure, a
 * string, a thrown JS error) is wrapped so every caller handles one shape.
 */
export function toDesktopError(error: unknown): DesktopError {
  if (isDesktopError(error)) return { ...error, fields: error.fields ?? [] };
  if (error instanceof Error) return { kind: "internal", message: error.message, fields: [] };
  return { kind: "internal", message: String(error), fields: [] };
}

/** One line for a toast: what failed and why. */
export function describeError(action: string, error: unknown): string {
  const problem = toDesktopError(error);
  if (problem.kind === "not_ready") return `${action}: the orchestrator is still starting`;
  return `${action}: ${problem.message}`;
}
