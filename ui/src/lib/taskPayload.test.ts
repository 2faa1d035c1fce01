import { describe, expect, it } from "vitest";
import { testKind } from "../test/fixtures";
import { checkPayload } from "./taskPayload";

const schema = testKind.task_types[0].payload_schema;

describe("checkPayload", () => {
  it("accepts a payload that fits the schema", () => {
    expect(checkPayload('{"text": "hi", "times": 2}', schema)).toEqual({ ok: true, payload: { text: "hi", times: 2 } });
  });

  it("reports JSON that does not parse", () => {
    const check = checkPayload("{text: hi}", schema);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problems[0]).toMatch(/^not valid JSON/);
  });

  it("reports schema errors by field", () => {
    const check = checkPayload('{"times": 0}', schema);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.problems.some((p) => p.startsWith("text: ") && p.includes("required"))).toBe(true);
      expect(check.problems.some((p) => p.startsWith("times: "))).toBe(true);
    }
  });

  it("takes an empty payload as {}", () => {
    expect(checkPayload("  ", {})).toEqual({ ok: true, payload: {} });
  });
});
