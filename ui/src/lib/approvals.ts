import type { Approval } from "../bindings/Approval";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { DecisionRecord } from "../bindings/DecisionRecord";
import type { Filled } from "../bindings/Filled";

/** Pending approvals first (oldest waiting first), then decided ones, newest first. */
export function sortApprovals(approvals: Approval[]): Approval[] {
  const pending = approvals.filter((a) => a.status === "pending").sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  const decided = approvals
    .filter((a) => a.status !== "pending")
    .sort((a, b) => (b.decided_at ?? b.requested_at).localeCompare(a.decided_at ?? a.requested_at));
  return [...pending, ...decided];
}

/** What filling a gap or deciding its approval did, in one sentence. */
export function filledMessage(filled: Filled): string {
  switch (filled.outcome) {
    case "spawned":
      return `Spawned ${filled.agent.agent_id}`;
    case "awaiting_approval":
      return `Approval requested: ${filled.approval.kind} ${filled.approval.subject}`;
    case "rejected":
      return `Rejected: ${filled.approval.kind} ${filled.approval.subject}${filled.approval.decided_by ? ` by ${filled.approval.decided_by}` : ""}`;
  }
}

/** The audit actions of the gating decisions agents answer tasks with. */
export const DECISION_ACTIONS = ["decision_approved", "decision_refused"] as const;

/** An agent's decision from the audit trail: when, and what the trail keeps of it. */
export type AgentDecision = { id: number; at: string; record: DecisionRecord };

function isDecisionRecord(detail: unknown): detail is DecisionRecord {
  if (detail == null || typeof detail !== "object") return false;
  const record = detail as Record<string, unknown>;
  return typeof record.approved === "boolean" && typeof record.rule === "string" && typeof record.task_id === "string";
}

/** The decisions agents took among `entries` (audit trail order is kept). */
export function agentDecisions(entries: AuditEntry[]): AgentDecision[] {
  return entries.flatMap((entry) =>
    (DECISION_ACTIONS as readonly string[]).includes(entry.action) && isDecisionRecord(entry.detail)
      ? [{ id: entry.id, at: entry.at, record: entry.detail }]
      : [],
  );
}

/** What was decided on, in a few words: the action (else the task type) and the amount. */
export function decisionWhat(record: DecisionRecord): string {
  const what = record.action ?? record.task_type;
  return record.amount == null ? what : `${what} · ${record.amount.toLocaleString("en-US")}`;
}

/** The assessor's advisory opinion on a decision, or why it had none; null when none was asked. */
export function decisionAdvice(record: DecisionRecord): string | null {
  const assessment = record.assessment;
  if (!assessment) return null;
  if (assessment.available === true) return `${String(assessment.agent)} (advisory): ${String(assessment.text ?? "")}`;
  return String(assessment.reason ?? "assessment unavailable");
}
