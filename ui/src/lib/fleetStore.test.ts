import { describe, expect, it } from "vitest";
import { agent, task } from "../test/fixtures";
import { FleetStore } from "./fleetStore";

const at = "2026-11-25T10:00:01Z";

function store() {
  const s = new FleetStore();
  s.replaceAll([agent("a1"), agent("a2")]);
  return s;
}

describe("FleetStore.applyBatch", () => {
  it("applies metrics, health and container events to their rows only", () => {
    const s = store();
    const before = s.get("a2");
    const outcome = s.applyBatch([
      { type: "metrics", agent_id: "a1", cpu_percent: 12.5, memory_mb: 40, tasks: null, at },
      { type: "health", agent_id: "a1", from: "active", to: "busy", heartbeat_overdue: false, queue_lag: 0, at },
    ]);
    expect(outcome).toEqual({ changed: true, resync: false });
    expect(s.get("a1")).toMatchObject({ cpu_percent: 12.5, memory_mb: 40, status: "busy" });
    expect(s.get("a2")).toBe(before);
  });

  it("replaces a changed row with a new object, for keyed redraws", () => {
    const s = store();
    const old = s.get("a1");
    s.applyBatch([{ type: "metrics", agent_id: "a1", cpu_percent: 1, memory_mb: 1, tasks: null, at }]);
    expect(s.get("a1")).not.toBe(old);
    expect(old?.cpu_percent).toBeNull();
  });

  it("takes the task counters a sample carries, and keeps them when it carries none", () => {
    const s = store();
    s.applyBatch([{ type: "metrics", agent_id: "a1", cpu_percent: 1, memory_mb: 1, tasks: { completed: 9, failed: 2 }, at }]);
    expect(s.get("a1")).toMatchObject({ tasks_completed: 9, tasks_failed: 2 });
    s.applyBatch([{ type: "metrics", agent_id: "a1", cpu_percent: 2, memory_mb: 1, tasks: null, at }]);
    expect(s.get("a1")).toMatchObject({ cpu_percent: 2, tasks_completed: 9, tasks_failed: 2 });
  });

  it("marks a died container dead and removes a destroyed one", () => {
    const s = store();
    s.applyBatch([
      { type: "container", agent_id: "a1", container_id: "c", change: { change: "died", exit_code: 1 }, at },
      { type: "container", agent_id: "a2", container_id: "c", change: { change: "destroyed" }, at },
    ]);
    expect(s.get("a1")).toMatchObject({ status: "dead", container_state: "exited" });
    expect(s.get("a2")).toBeUndefined();
    expect(s.values()).toHaveLength(1);
  });

  it("asks for a resync when events were skipped or name an unknown agent", () => {
    expect(store().applyBatch([{ lagged: 12 }])).toEqual({ changed: false, resync: true });
    const s = store();
    expect(s.applyBatch([{ type: "metrics", agent_id: "new", cpu_percent: 1, memory_mb: 1, tasks: null, at }])).toEqual({
      changed: false,
      resync: true,
    });
    expect(s.get("new")).toBeUndefined();
  });

  it("ignores events that change no column", () => {
    const outcome = store().applyBatch([{ type: "task_finished", task: { ...task("t1"), agent_id: "a1" } }]);
    expect(outcome).toEqual({ changed: false, resync: false });
  });

  it("applies a batch per event against 1,000 rows without copying the fleet", () => {
    const s = new FleetStore();
    s.replaceAll(Array.from({ length: 1000 }, (_, i) => agent(`a${i}`)));
    const batch = Array.from({ length: 500 }, (_, i) => ({
      type: "metrics" as const,
      agent_id: `a${i * 2}`,
      cpu_percent: i,
      memory_mb: i,
      tasks: null,
      at,
    }));
    expect(s.applyBatch(batch).changed).toBe(true);
    expect(s.get("a998")?.cpu_percent).toBe(499);
    expect(s.get("a999")?.cpu_percent).toBeNull();
  });

  it("resync replaces every row", () => {
    const s = store();
    s.replaceAll([agent("b1")]);
    expect(s.values().map((a) => a.agent_id)).toEqual(["b1"]);
  });
});
