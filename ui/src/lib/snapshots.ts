import type { Restored } from "../bindings/Restored";

/** What the operator is told after a restore, including what they still owe. */
export function restoreMessage(restored: Restored): string {
  const where = `Restored as ${restored.agent.agent_id}`;
  const requeued = restored.requeued.length > 0 ? `, ${restored.requeued.length} task(s) queued again` : "";
  const owed = restored.secrets_to_provide;
  if (owed.length === 0) return `${where}${requeued}; no credentials to provide.`;
  return `${where}${requeued}. Provide ${owed.length === 1 ? "this credential" : "these credentials"} again: ${owed.join(", ")}.`;
}
