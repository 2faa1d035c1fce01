/**
 * Forms generated from a JSON Schema (a kind's `settings_schema`, a task's
 * `payload_schema`): the fields to draw, the values they produce, and the
 * schema's verdict per field. Validation is @cfworker/json-schema, which
 * interprets schemas and never compiles code (the window's CSP has no eval).
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import type { JsonValue } from "../bindings/serde_json/JsonValue";

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "json";

export interface SchemaField {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  options: string[];
  defaultValue: JsonValue | undefined;
}

/** What an input holds: text for every kind but a checkbox. */
export type FieldInput = string | boolean;

/** Field name → problem; empty when everything is acceptable. */
export type FieldProblems = Record<string, string>;

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function kindOf(schema: Record<string, unknown>): FieldKind {
  if (Array.isArray(schema.enum)) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "string" || type === "number" || type === "integer" || type === "boolean") return type;
  return "json";
}

function titleCase(name: string): string {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The schema's top-level properties as form fields, in declaration order. */
export function schemaFields(schema: unknown): SchemaField[] {
  const root = asObject(schema);
  const required = new Set(Array.isArray(root.required) ? root.required.map(String) : []);
  return Object.entries(asObject(root.properties)).map(([name, raw]) => {
    const property = asObject(raw);
    const kind = kindOf(property);
    return {
      name,
      label: typeof property.title === "string" ? property.title : titleCase(name),
      kind,
      required: required.has(name),
      description: typeof property.description === "string" ? property.description : "",
      options: kind === "enum" ? (property.enum as unknown[]).map(String) : [],
      defaultValue: property.default as JsonValue | undefined,
    };
  });
}

/** The inputs' starting values: each field's default, else empty. */
export function initialInputs(fields: SchemaField[]): Record<string, FieldInput> {
  const inputs: Record<string, FieldInput> = {};
  for (const field of fields) {
    const value = field.defaultValue;
    if (field.kind === "boolean") inputs[field.name] = value === true;
    else if (value === undefined || value === null) inputs[field.name] = "";
    else if (field.kind === "json") inputs[field.name] = JSON.stringify(value, null, 2);
    else inputs[field.name] = String(value);
  }
  return inputs;
}

/**
 * The object the inputs describe. An empty optional input is left out (the
 * schema's default applies); a number or JSON input that does not parse is
 * a problem of that field.
 */
export function inputsToObject(
  fields: SchemaField[],
  inputs: Record<string, FieldInput>,
): { value: Record<string, JsonValue>; problems: FieldProblems } {
  const value: Record<string, JsonValue> = {};
  const problems: FieldProblems = {};
  for (const field of fields) {
    const input = inputs[field.name];
    if (field.kind === "boolean") {
      value[field.name] = input === true;
      continue;
    }
    const text = typeof input === "string" ? input.trim() : "";
    if (text === "") {
      if (field.required) problems[field.name] = "is required";
      continue;
    }
    if (field.kind === "number" || field.kind === "integer") {
      const number = Number(text);
      if (!Number.isFinite(number)) problems[field.name] = "must be a number";
      else if (field.kind === "integer" && !Number.isInteger(number)) problems[field.name] = "must be a whole number";
      else value[field.name] = number;
    } else if (field.kind === "json") {
      try {
        value[field.name] = JSON.parse(text) as JsonValue;
      } catch {
        problems[field.name] = "is not valid JSON";
      }
    } else {
      value[field.name] = typeof input === "string" ? input : "";
    }
  }
  return { value, problems };
}

const REQUIRED_PROPERTY = /required property "([^"]+)"/;

/** Which top-level field an error is about ("" for the whole value). */
function fieldOf(error: { keyword: string; instanceLocation: string; error: string }): string {
  if (error.keyword === "required" && error.instanceLocation === "#") {
    return REQUIRED_PROPERTY.exec(error.error)?.[1] ?? "";
  }
  const [first = ""] = error.instanceLocation.replace(/^#\/?/, "").split("/");
  return decodeURIComponent(first.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Wrapper errors ("does not match schema") only restate a detailed one. */
const SUMMARY_KEYWORDS = new Set(["properties", "allOf", "anyOf", "oneOf", "$ref", "items", "additionalItems"]);

/**
 * The schema's verdict on `value`, one message per field (the first detailed
 * one); problems with the value as a whole are under "".
 */
export function validateWithSchema(schema: unknown, value: JsonValue): FieldProblems {
  if (typeof schema !== "boolean" && (typeof schema !== "object" || schema === null)) return {};
  // The validator annotates the schema object it is given (defineProperty);
  // the caller's may be frozen or a Svelte state proxy, which refuse that.
  const own = JSON.parse(JSON.stringify(schema)) as Schema | boolean;
  const result = new Validator(own, "2020-12", false).validate(value);
  const problems: FieldProblems = {};
  for (const error of result.errors) {
    if (SUMMARY_KEYWORDS.has(error.keyword)) continue;
    const field = fieldOf(error);
    problems[field] ??= error.error;
  }
  if (!result.valid && Object.keys(problems).length === 0) problems[""] = result.errors[0]?.error ?? "is not valid";
  return problems;
}
