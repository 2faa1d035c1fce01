import { describe, expect, it } from "vitest";
import { testKind } from "../test/fixtures";
import { initialInputs, inputsToObject, schemaFields, validateWithSchema } from "./schemaForm";

const fields = schemaFields(testKind.settings_schema);

describe("schemaFields", () => {
  it("makes one field per property with its kind, default and required flag", () => {
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ["greeting", "string", true],
      ["delay_ms", "integer", false],
      ["ratio", "number", false],
      ["verbose", "boolean", false],
      ["mode", "enum", false],
      ["tags", "json", false],
    ]);
    expect(fields[0]).toMatchObject({ label: "Greeting", description: "what it says", defaultValue: "hello" });
    expect(fields[4].options).toEqual(["fast", "slow"]);
  });

  it("has no fields for a schema without properties or no schema", () => {
    expect(schemaFields({ type: "object" })).toEqual([]);
    expect(schemaFields(null)).toEqual([]);
  });

  it("starts inputs from the defaults", () => {
    expect(initialInputs(fields)).toEqual({ greeting: "hello", delay_ms: "", ratio: "", verbose: true, mode: "fast", tags: "" });
  });
});

describe("inputsToObject", () => {
  it("parses numbers and JSON and leaves empty optional fields out", () => {
    const { value, problems } = inputsToObject(fields, {
      ...initialInputs(fields),
      delay_ms: "250",
      ratio: "0.5",
      tags: '["a","b"]',
    });
    expect(problems).toEqual({});
    expect(value).toEqual({ greeting: "hello", delay_ms: 250, ratio: 0.5, verbose: true, mode: "fast", tags: ["a", "b"] });
  });

  it("reports unparseable inputs and missing required ones per field", () => {
    const { problems } = inputsToObject(fields, { ...initialInputs(fields), greeting: " ", delay_ms: "1.5", ratio: "x", tags: "[" });
    expect(problems).toEqual({
      greeting: "is required",
      delay_ms: "must be a whole number",
      ratio: "must be a number",
      tags: "is not valid JSON",
    });
  });
});

describe("validateWithSchema", () => {
  it("accepts a valid value", () => {
    expect(validateWithSchema(testKind.settings_schema, { greeting: "hi" })).toEqual({});
  });

  it("puts each schema error on its field", () => {
    const problems = validateWithSchema(testKind.settings_schema, { delay_ms: 5000, mode: "warp" });
    expect(Object.keys(problems).sort()).toEqual(["delay_ms", "greeting", "mode"]);
    expect(problems.greeting).toMatch(/required/);
    expect(problems.delay_ms).toMatch(/1000/);
  });

  it("leaves the schema it is given untouched, even a frozen one", () => {
    const deepFreeze = (value: unknown): unknown => {
      if (typeof value === "object" && value !== null) Object.values(Object.freeze(value)).forEach(deepFreeze);
      return value;
    };
    const schema = deepFreeze(structuredClone(testKind.settings_schema));
    expect(validateWithSchema(schema, { greeting: 5 })).toEqual({ greeting: expect.stringMatching(/string/) });
    expect(schema).toEqual(testKind.settings_schema);
  });

  it("puts errors about the whole value under the empty key", () => {
    expect(Object.keys(validateWithSchema({ type: "object" }, [1]))).toEqual([""]);
  });
});
