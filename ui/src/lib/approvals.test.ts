import { describe, expect, it } from "vitest";
import type { Approval } from "../bindings/Approval";
import { sortApprovals } from "./approvals";
import { loadOperator, saveOperator } from "./operator";

const approval = (id: string, status: Approval["status"], requested: string, decided: string | null = null): Approval => ({
  id,
  kind: "spawn_agent",
  subject: id,
  request: {},
  status,
  requested_at: requested,
  decided_by: decided ? "ops" : null,
  decided_at: decided,
  comment: null,
});

describe("sortApprovals", () => {
  it("puts pending first, oldest first, then decided ones newest first", () => {
    const sorted = sortApprovals([
      approval("old-approved", "approved", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
      approval("pending-late", "pending", "2026-01-05T00:00:00Z"),
      approval("new-rejected", "rejected", "2026-01-01T00:00:00Z", "2026-01-09T00:00:00Z"),
      approval("pending-early", "pending", "2026-01-03T00:00:00Z"),
    ]);
    expect(sorted.map((a) => a.id)).toEqual(["pending-early", "pending-late", "new-rejected", "old-approved"]);
  });
});

describe("operator name", () => {
  it("is saved trimmed and read back", () => {
    const data = new Map<string, string>();
    const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
    expect(loadOperator(storage)).toBe("");
    saveOperator("  ana  ", storage);
    expect(loadOperator(storage)).toBe("ana");
  });
});
