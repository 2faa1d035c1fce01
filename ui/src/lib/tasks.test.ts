import { describe, expect, it } from "vitest";
import { task } from "../test/fixtures";
import { appendPage, canCancel, canRetry, outcomeSummary, routeLabel } from "./tasks";
import { restoreMessage } from "./snapshots";

describe("task rows", () => {
  it("offers cancel while waiting or running and retry once it ended badly", () => {
    expect(["pending", "queued", "running"].every((s) => canCancel(s as never))).toBe(true);
    expect(canCancel("completed")).toBe(false);
    expect(["failed", "timed_out", "cancelled", "dead_lettered"].every((s) => canRetry(s as never))).toBe(true);
    expect(canRetry("completed")).toBe(false);
  });

  it("summarises the error, else the result, else why it waits", () => {
    expect(outcomeSummary(task("1", { error: "boom", result: { x: 1 } }))).toBe("boom");
    expect(outcomeSummary(task("1", { result: { echo: "hi" } }))).toBe('{"echo":"hi"}');
    expect(outcomeSummary(task("1", { waiting_reason: "no agent with id a9" }))).toBe("no agent with id a9");
    expect(outcomeSummary(task("1", { result: "x".repeat(500) }))).toHaveLength(160);
    expect(routeLabel(task("1"))).toBe("agent: a1");
  });

  it("appends a page without repeating tasks", () => {
    expect(appendPage([task("1"), task("2")], [task("2"), task("3")]).map((t) => t.id)).toEqual(["1", "2", "3"]);
  });
});

describe("restoreMessage", () => {
  it("names the new agent and the credentials to provide again", () => {
    const restored = (agentId: string, requeued: string[], secrets: string[]) => ({
      agent: { agent_id: agentId, agent_type: "test-agent", category: "core", container_id: "c", state: "running", port: null, grants: [], cpu_limit: 0.5, memory_limit_mb: 128 },
      requeued,
      knowledge_restored: 0,
      conversation_restored: 0,
      secrets_to_provide: secrets,
    });
    expect(restoreMessage(restored("a1-copy", ["t1", "t2"], ["API_TOKEN", "DB_PASSWORD"]))).toBe(
      "Restored as a1-copy, 2 task(s) queued again. Provide these credentials again: API_TOKEN, DB_PASSWORD.",
    );
    expect(restoreMessage(restored("a1", [], []))).toBe("Restored as a1; no credentials to provide.");
  });
});
