import type { Approval } from "../bindings/Approval";

/** Pending approvals first (oldest waiting first), then decided ones, newest first. */
export function sortApprovals(approvals: Approval[]): Approval[] {
  const pending = approvals.filter((a) => a.status === "pending").sort((a, b) => a.requested_at.localeCompare(b.requested_at));
  const decided = approvals
    .filter((a) => a.status !== "pending")
    .sort((a, b) => (b.decided_at ?? b.requested_at).localeCompare(a.decided_at ?? a.requested_at));
  return [...pending, ...decided];
}
