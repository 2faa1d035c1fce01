import type { Restored } from "../bindings/Restored";

/** What the operator is told after a restore, including what they still owe. */
export function restoreMessage(restored: Restored): string {
  const where = `Restored as ${restored.agent.agent_id}`;
  const owed = restored.credentials_to_provide;
  if (owed.length === 0) return `${where}; no credentials to provide.`;
  return `${where}. Provide ${owed.length === 1 ? "this credential" : "these credentials"} again: ${owed.join(", ")}.`;
}
