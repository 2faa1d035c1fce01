import { describe, expect, it } from "vitest";
import { clockTime, parseStructured } from "./logJson";

describe("parseStructured", () => {
  it("splits the agent runtime's JSON line into time, level, message and fields", () => {
    const line =
      '{"timestamp":"2026-11-25T17:18:09.676485Z","level":"INFO","fields":{"message":"task started","task_id":"09f6","attempt":1},"target":"myca_agents::runtime","span":{"name":"task"}}';
    expect(parseStructured(line)).toEqual({
      time: "17:18:09.676",
      level: "INFO",
      message: "task started",
      fields: [
        ["task_id", "09f6"],
        ["attempt", "1"],
        ["target", "myca_agents::runtime"],
        ["span", '{"name":"task"}'],
      ],
    });
  });

  it("accepts a flat message and lower-case levels", () => {
    expect(parseStructured('{"level":"warn","msg":"slow"}')).toEqual({ time: null, level: "WARN", message: "slow", fields: [] });
  });

  it("leaves plain text, broken JSON and JSON that is not a log record alone", () => {
    expect(parseStructured("task 3 done")).toBeNull();
    expect(parseStructured('{"level":"INFO","fields":')).toBeNull();
    expect(parseStructured('{"marker":"story-echo"}')).toBeNull();
    expect(parseStructured("[1,2]")).toBeNull();
    expect(parseStructured("\u001b[32m{}\u001b[0m")).toBeNull();
  });
});

describe("clockTime", () => {
  it("keeps hours to milliseconds of an ISO timestamp", () => {
    expect(clockTime("2026-11-25T10:00:00.123456789Z")).toBe("10:00:00.123");
    expect(clockTime("yesterday")).toBeNull();
  });
});
