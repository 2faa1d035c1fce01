import { describe, expect, it } from "vitest";
import type { Approval } from "../bindings/Approval";
import type { AuditEntry } from "../bindings/AuditEntry";
import { refusal } from "../test/fixtures";
import { agentDecisions, decisionAdvice, decisionWhat, sortApprovals } from "./approvals";
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

describe("agentDecisions", () => {
  const record = { ...refusal, task_id: "t-1" };
  // The records are JSON on the wire: any shape may arrive as a detail.
  const entry = (id: number, action: string, detail: object): AuditEntry => ({
    id,
    at: "2026-12-06T10:00:00Z",
    actor: "ceo-1",
    action,
    subject: "t-1",
    detail: detail as AuditEntry["detail"],
  });

  it("keeps only the agents' decisions, with their records", () => {
    const decisions = agentDecisions([
      entry(3, "decision_refused", record),
      entry(2, "approval_approved", { comment: null }),
      entry(1, "decision_approved", { ...record, approved: true, rule: "within_policy" }),
      entry(0, "decision_refused", { malformed: true }),
    ]);
    expect(decisions.map((d) => [d.id, d.record.rule])).toEqual([
      [3, "amount_limit"],
      [1, "within_policy"],
    ]);
  });

  it("says what was decided on: the action and the amount, else the task type", () => {
    expect(decisionWhat(record)).toBe("buy_servers · 50,000");
    expect(decisionWhat({ ...record, action: null, amount: null, task_type: "architecture_review" })).toBe("architecture_review");
  });

  it("quotes the assessor's advice, or why there was none", () => {
    expect(decisionAdvice(record)).toBeNull();
    expect(decisionAdvice({ ...record, assessment: { advisory: true, available: true, agent: "gpt-1", text: "Sound." } })).toBe(
      "gpt-1 (advisory): Sound.",
    );
    expect(
      decisionAdvice({
        ...record,
        assessment: { advisory: true, available: false, agent: "gpt-1", reason: "assessment unavailable: gpt-1 did not answer within 2 s" },
      }),
    ).toBe("assessment unavailable: gpt-1 did not answer within 2 s");
  });
});
