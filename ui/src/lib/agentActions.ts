/**
 * Stop / restart / remove / snapshot of one or many agents, as both the
 * overview and the detail view run them: confirmation for the destructive
 * ones, one toast for the successes and one per failure.
 */
import type { ActionOutcome } from "../bindings/ActionOutcome";
import type { BulkAction } from "../bindings/BulkAction";
import { confirmAction } from "./confirm.svelte";
import { agentsAction } from "./ipc";
import { toasts } from "./toasts.svelte";

const DESTRUCTIVE: Partial<Record<BulkAction, string>> = {
  stop: "Stopped agents take no tasks until restarted.",
  remove: "Removed agents lose their container; take a snapshot first to keep their state.",
};

const PAST: Record<BulkAction, string> = {
  stop: "stopped",
  restart: "restarted",
  remove: "removed",
  snapshot: "snapshotted",
};

function describeTargets(agentIds: string[]): string {
  return agentIds.length === 1 ? agentIds[0] : `${agentIds.length} agents`;
}

/** Runs the action unless the operator declines; null when declined or failed. */
export async function runAgentsAction(agentIds: string[], action: BulkAction): Promise<ActionOutcome[] | null> {
  if (agentIds.length === 0) return null;
  const warning = DESTRUCTIVE[action];
  if (warning) {
    const ok = await confirmAction({
      title: `${action[0].toUpperCase()}${action.slice(1)} ${describeTargets(agentIds)}?`,
      message: warning,
      confirmLabel: action[0].toUpperCase() + action.slice(1),
    });
    if (!ok) return null;
  }
  try {
    const outcomes = await agentsAction(agentIds, action);
    const succeeded = outcomes.filter((o) => o.ok);
    if (succeeded.length > 0) toasts.success(`${describeTargets(succeeded.map((o) => o.agent_id))} ${PAST[action]}`);
    for (const failed of outcomes.filter((o) => !o.ok)) toasts.error(`${action} ${failed.agent_id}: ${failed.message}`);
    return outcomes;
  } catch (error) {
    toasts.failure(`${action} ${describeTargets(agentIds)}`, error);
    return null;
  }
}
