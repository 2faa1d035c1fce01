// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import type { Topology } from "../bindings/Topology";
import { nav } from "../lib/nav.svelte";

import { byTestId, scriptIpc, settle } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";

// jsdom has no canvas: the graph itself is cytoscape's; this tests the view around it.
vi.mock("../components/TopologyGraph.svelte", async () => ({ default: (await import("../test/Stub.svelte")).default }));
const { default: TopologyView } = await import("./TopologyView.svelte");

const view = mountedPerTest();

const topology: Topology = {
  window_seconds: 3600,
  nodes: [
    { id: "host:local", kind: "host", label: "local", address: "unix:///var/run/docker.sock", status: null, problem: null, unhealthy: false, isolated: false },
    { id: "a1", kind: "agent", label: "a1", address: null, status: "active", problem: null, unhealthy: false, isolated: false },
    { id: "a1-copy", kind: "agent", label: "a1-copy", address: null, status: "error", problem: null, unhealthy: true, isolated: true },
  ],
  edges: [
    { source: "host:local", target: "a1", kind: "placement", weight: 1 },
    { source: "host:local", target: "a1-copy", kind: "placement", weight: 1 },
  ],
};

describe("Topology view", () => {
  it("asks for the chosen window and lists its agents with their flags", async () => {
    const ipc = scriptIpc({ topology: (args: Record<string, unknown>) => ({ ...topology, window_seconds: args.windowSeconds }) });
    view.open(TopologyView);
    await settle();
    expect(ipc.called("topology")[0].args).toEqual({ windowSeconds: 3600 });
    expect(byTestId(view.target, "topology").textContent).toContain("2 agents · 1 unhealthy · 1 isolated");
    expect(byTestId(view.target, "topology-node-a1-copy").dataset).toMatchObject({ unhealthy: "true", isolated: "true" });
    const window = byTestId(view.target, "topology-window") as HTMLSelectElement;
    window.value = "300";
    window.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    expect(ipc.called("topology")[1].args).toEqual({ windowSeconds: 300 });
  });

  it("opens an agent's detail from its node", async () => {
    scriptIpc({ topology });
    view.open(TopologyView);
    await settle();
    byTestId(view.target, "topology-node-a1").click();
    expect(nav.view).toBe("agent");
    expect(nav.agentId).toBe("a1");
  });
});
