/**
 * The spawn form of a catalog entry: its inputs, the `SpawnRequest` they
 * make, and every problem keyed by the form field it belongs to (settings
 * fields as `settings.<name>`), whether found here or by `validate_spawn`.
 */
import type { CatalogEntry } from "../bindings/CatalogEntry";
import type { FieldError } from "../bindings/FieldError";
import type { Privilege } from "../bindings/Privilege";
import type { SpawnRequest } from "../bindings/SpawnRequest";
import { initialInputs, inputsToObject, schemaFields, validateWithSchema, type FieldInput, type FieldProblems, type SchemaField } from "./schemaForm";

export interface SpawnInputs {
  agent_id: string;
  display_name: string;
  /** "" = automatic placement. */
  host: string;
  cpu_limit: string;
  memory_limit_mb: string;
  replicas: string;
  settings: Record<string, FieldInput>;
  /** Privileges ticked in the form. */
  grants: Privilege[];
}

/** What each privilege the form can grant gives the agent, in the operator's words. */
export const GRANT_EFFECTS: Partial<Record<Privilege, string>> = {
  docker_socket: "Mount the host's Docker socket: the agent gets full control of that engine",
};

/**
 * Privileges the kind declares that are granted by a tick (a kind's
 * `host_directories` are granted by naming them in its settings).
 */
export function grantable(entry: CatalogEntry): Privilege[] {
  return entry.privileges.filter((privilege) => privilege in GRANT_EFFECTS);
}

/** Agent ids become container names: the rule `validate_agent_id` enforces. */
const AGENT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export function settingsFields(entry: CatalogEntry): SchemaField[] {
  return schemaFields(entry.settings_schema);
}

export function initialSpawnInputs(entry: CatalogEntry): SpawnInputs {
  return {
    agent_id: "",
    display_name: "",
    host: "",
    cpu_limit: String(entry.defaults.cpu_limit),
    memory_limit_mb: String(entry.defaults.memory_limit_mb),
    replicas: "1",
    settings: initialInputs(settingsFields(entry)),
    grants: [],
  };
}

function positive(text: string, integer: boolean): number | null {
  const value = Number(text.trim());
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) return null;
  if (integer && !Number.isInteger(value)) return null;
  return value;
}

/** The request, or the problems that keep it from being sent. */
export function buildSpawnRequest(
  entry: CatalogEntry,
  inputs: SpawnInputs,
): { request: SpawnRequest | null; problems: FieldProblems } {
  const problems: FieldProblems = {};
  if (!AGENT_ID.test(inputs.agent_id)) {
    problems.agent_id = "2–63 lowercase letters, digits or hyphens, not starting with a hyphen";
  }
  const cpu = positive(inputs.cpu_limit, false);
  if (cpu === null) problems.cpu_limit = "must be a positive number of CPUs";
  const memory = positive(inputs.memory_limit_mb, true);
  if (memory === null) problems.memory_limit_mb = "must be a positive whole number of MB";
  const replicas = positive(inputs.replicas, true);
  if (replicas === null) problems.replicas = "must be a whole number, at least 1";

  const fields = settingsFields(entry);
  const settings = inputsToObject(fields, inputs.settings);
  const schemaProblems = Object.keys(settings.problems).length > 0 ? {} : validateWithSchema(entry.settings_schema, settings.value);
  for (const [field, message] of Object.entries({ ...schemaProblems, ...settings.problems })) {
    problems[field ? `settings.${field}` : "settings"] = message;
  }
  if (Object.keys(problems).length > 0) return { request: null, problems };
  return {
    request: {
      agent_id: inputs.agent_id,
      agent_type: entry.kind,
      category: entry.category,
      display_name: inputs.display_name.trim() || inputs.agent_id,
      host: inputs.host || null,
      cpu_limit: cpu ?? 0,
      memory_limit_mb: memory ?? 0,
      replicas: replicas ?? 1,
      settings: settings.value,
      credentials: entry.credentials.map((c) => c.name),
      grants: inputs.grants.filter((grant) => entry.privileges.includes(grant)),
    },
    problems,
  };
}

/** Names the orchestrator's configuration uses for a field the form names otherwise. */
const FORM_NAMES: Record<string, string> = { memory_limit: "memory_limit_mb" };

/** Rust's field errors (an answer or a `DesktopError`'s fields) under the form's field names (`settings/x` → `settings.x`). */
export function fieldErrorsToProblems(errors: FieldError[]): FieldProblems {
  const problems: FieldProblems = {};
  for (const { field, message } of errors) {
    const key = field.replace(/^settings[/.]/, "settings.").replace(/^\/+/, "");
    problems[FORM_NAMES[key] ?? key] ??= message;
  }
  return problems;
}

/** The form's own fields; a problem about anything else is listed under the form. */
const FORM_FIELDS = ["agent_id", "display_name", "host", "cpu_limit", "memory_limit_mb", "replicas", "grants"];

export function unplacedProblems(problems: FieldProblems, settings: SchemaField[]): [string, string][] {
  const placed = new Set([...FORM_FIELDS, ...settings.map((f) => `settings.${f.name}`)]);
  return Object.entries(problems).filter(([field]) => !placed.has(field));
}

/** Names of the credentials the kind needs that the keyring lacks. */
export function missingCredentials(entry: CatalogEntry): string[] {
  return entry.credentials.filter((c) => entry.credentials_present[c.name] !== true).map((c) => c.name);
}
