// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { FleetEvent } from "../bindings/FleetEvent";
import { confirmState } from "../lib/confirm.svelte";
import { toasts } from "../lib/toasts.svelte";
import { agent } from "../test/fixtures";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Overview from "./Overview.svelte";

const view = mountedPerTest();

const fleet = [agent("a1"), agent("a2", { status: "error" }), agent("a3", { status: "error", host: "vm-b" })];

function script() {
  return scriptIpc({
    list_agents: fleet,
    watch_fleet: 9,
    unsubscribe: null,
    agents_action: (args: Record<string, unknown>) =>
      (args.agentIds as string[]).map((id) => ({ agent_id: id, ok: id !== "a3", message: id === "a3" ? "container is gone" : "" })),
  });
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

describe("Overview", () => {
  it("counts agents per status", async () => {
    script();
    view.open(Overview);
    await settle();
    expect(byTestId(view.target, "count-all").textContent).toContain("3");
    expect(byTestId(view.target, "count-error").textContent).toContain("2");
    expect(byTestId(view.target, "count-active").textContent).toContain("1");
  });

  it("applies live events to the counters and resyncs when events were skipped", async () => {
    const ipc = script();
    view.open(Overview);
    await settle();
    const channel = ipc.channel<FleetEvent[]>("watch_fleet", "onEvents");
    channel.onmessage([
      { type: "health", agent_id: "a2", from: "error", to: "active", heartbeat_overdue: false, queue_lag: 0, at: "2026-11-25T10:00:00Z" },
    ]);
    await nextFrame();
    await settle();
    expect(byTestId(view.target, "count-active").textContent).toContain("2");
    expect(ipc.called("list_agents")).toHaveLength(1);
    channel.onmessage([{ lagged: 40 }]);
    await settle();
    expect(ipc.called("list_agents")).toHaveLength(2);
  });

  it("draws the agents' rows and filters them by text", async () => {
    script();
    view.open(Overview);
    await settle();
    expect(view.target.querySelector('[data-testid="agent-row-a1"]')?.textContent).toContain("test-agent");
    typeInto(byTestId(view.target, "fleet-filter-text"), "vm-b");
    await settle();
    expect(view.target.querySelector('[data-testid="agent-row-a1"]')).toBeNull();
    expect(view.target.querySelector('[data-testid="agent-row-a3"]')).not.toBeNull();
  });

  it("keeps 1,000 agents virtualized: only a screenful of rows is in the document", async () => {
    scriptIpc({ list_agents: Array.from({ length: 1000 }, (_, i) => agent(`agent-${String(i).padStart(4, "0")}`)), watch_fleet: 1 });
    view.open(Overview);
    await settle();
    const drawn = view.target.querySelectorAll('[data-testid^="agent-row-"]').length;
    expect(byTestId(view.target, "count-all").textContent).toContain("1000");
    expect(view.target.querySelector('[data-testid="agent-row-agent-0000"]')).not.toBeNull();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(100);
  });

  it("groups rows under a header per host", async () => {
    script();
    view.open(Overview);
    await settle();
    const group = byTestId(view.target, "fleet-group") as HTMLSelectElement;
    group.value = "host";
    group.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    expect(byTestId(view.target, "group-local").textContent).toContain("(2)");
    expect(byTestId(view.target, "group-vm-b").textContent).toContain("(1)");
  });

  it("refreshes on the Refresh button", async () => {
    const ipc = script();
    view.open(Overview);
    await settle();
    byTestId(view.target, "fleet-refresh").click();
    await settle();
    expect(ipc.called("list_agents")).toHaveLength(2);
  });

  it("unsubscribes when the view goes away", async () => {
    const ipc = script();
    view.open(Overview);
    await settle();
    view.close();
    await settle();
    expect(ipc.called("unsubscribe").map((c) => c.args)).toEqual([{ id: 9 }]);
  });

  it("stops the selected agents after confirmation and reports each failure", async () => {
    const ipc = script();
    view.open(Overview);
    await settle();
    const selectAll = byTestId(view.target, "select-all") as HTMLInputElement;
    selectAll.checked = true;
    selectAll.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    expect(byTestId(view.target, "selection-bar").textContent).toContain("3 selected");
    byTestId(view.target, "bulk-stop").click();
    await settle();
    expect(confirmState.request?.title).toBe("Stop 3 agents?");
    confirmState.answer(true);
    await settle();
    expect(ipc.called("agents_action")[0].args).toEqual({ agentIds: ["a1", "a2", "a3"], action: "stop" });
    expect(toasts.items.map((t) => [t.kind, t.text])).toEqual([
      ["success", "2 agents stopped"],
      ["error", "stop a3: container is gone"],
    ]);
    expect(byTestId(view.target, "selection-bar").textContent).toContain("1 selected");
  });
});
