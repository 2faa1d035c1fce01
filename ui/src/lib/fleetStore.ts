/**
 * The overview's rows, keyed by agent id so each live event costs O(1):
 * a batch from `watch_fleet` touches only the rows it names, and a periodic
 * `list_agents` resync replaces everything so a missed event never lasts.
 */
import type { FleetAgent } from "../bindings/FleetAgent";
import type { FleetEvent } from "../bindings/FleetEvent";

export interface BatchOutcome {
  /** Some row changed: the table must be redrawn. */
  changed: boolean;
  /** Events were lost or name an agent we do not know: ask `list_agents`. */
  resync: boolean;
}

export class FleetStore {
  #rows = new Map<string, FleetAgent>();

  replaceAll(agents: FleetAgent[]): void {
    this.#rows = new Map(agents.map((agent) => [agent.agent_id, agent]));
  }

  remove(agentIds: string[]): void {
    for (const id of agentIds) this.#rows.delete(id);
  }

  get(agentId: string): FleetAgent | undefined {
    return this.#rows.get(agentId);
  }

  values(): FleetAgent[] {
    return [...this.#rows.values()];
  }

  applyBatch(events: FleetEvent[]): BatchOutcome {
    const outcome: BatchOutcome = { changed: false, resync: false };
    for (const event of events) this.#apply(event, outcome);
    return outcome;
  }

  #patch(agentId: string, outcome: BatchOutcome, change: Partial<FleetAgent>): void {
    const row = this.#rows.get(agentId);
    if (!row) {
      outcome.resync = true;
      return;
    }
    // A new object per change, so keyed rendering sees exactly which rows moved.
    this.#rows.set(agentId, { ...row, ...change });
    outcome.changed = true;
  }

  #apply(event: FleetEvent, outcome: BatchOutcome): void {
    if ("lagged" in event) {
      outcome.resync = true;
      return;
    }
    switch (event.type) {
      case "metrics":
        this.#patch(event.agent_id, outcome, {
          cpu_percent: event.cpu_percent,
          memory_mb: event.memory_mb,
          // The sample carries the counters of the agent's last heartbeat.
          ...(event.tasks ? { tasks_completed: event.tasks.completed, tasks_failed: event.tasks.failed } : {}),
        });
        return;
      case "health":
        this.#patch(event.agent_id, outcome, { status: event.to });
        return;
      case "container":
        switch (event.change.change) {
          case "started":
            this.#patch(event.agent_id, outcome, { container_state: "running", container_id: event.container_id });
            return;
          case "died":
            this.#patch(event.agent_id, outcome, { container_state: "exited", status: "dead", cpu_percent: null });
            return;
          case "out_of_memory":
            this.#patch(event.agent_id, outcome, { status: "error" });
            return;
          case "destroyed":
            if (this.#rows.delete(event.agent_id)) outcome.changed = true;
            return;
          case "health":
            return;
        }
        return;
      default:
        // Tasks, messages and actions do not change a row's columns.
        return;
    }
  }
}
