import type { Approval } from "../bindings/Approval";
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
