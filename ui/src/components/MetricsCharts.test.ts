// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { FleetEvent } from "../bindings/FleetEvent";
import { byTestId, scriptIpc, settle } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import MetricsCharts from "./MetricsCharts.svelte";

const view = mountedPerTest();

describe("MetricsCharts", () => {
  it("says why a chart is empty until samples arrive, and counts its points", async () => {
    const ipc = scriptIpc({ agent_metrics: [], watch_fleet: 7, unsubscribe: null });
    view.open(MetricsCharts, { agentId: "a1" });
    await settle();
    for (const key of ["cpu", "memory"]) {
      expect(byTestId(view.target, `metrics-${key}`).dataset.points).toBe("0");
      expect(byTestId(view.target, `metrics-${key}-empty`).textContent).toBe("No samples yet — the orchestrator samples every 10 s");
    }
    expect(byTestId(view.target, "metrics-tasksPerMinute").dataset.points).toBe("0");

    const sample: FleetEvent = { type: "metrics", agent_id: "a1", cpu_percent: 12, memory_mb: 80, tasks: { completed: 3, failed: 0 }, at: "2026-11-25T10:00:00Z" };
    ipc.channel<FleetEvent[]>("watch_fleet", "onEvents").onmessage([sample, { ...sample, agent_id: "other" }]);
    await settle();
    expect(byTestId(view.target, "metrics-cpu").dataset.points).toBe("1");
    expect(byTestId(view.target, "metrics-memory").dataset.points).toBe("1");
    expect(view.target.querySelector('[data-testid="metrics-cpu-empty"]')).toBeNull();
    expect(view.target.querySelector('[data-testid="metrics-tasksPerMinute-empty"]')).not.toBeNull();
  });
});
