import { describe, expect, it } from "vitest";
import type { Node } from "../bindings/Node";
import type { Topology } from "../bindings/Topology";
import { edgeWidth, MAX_FIT_ZOOM, readableZoom, topologyElements } from "./topologyElements";

const node = (id: string, kind: Node["kind"], change: Partial<Node> = {}): Node => ({
  id,
  kind,
  label: id,
  address: null,
  status: null,
  problem: null,
  unhealthy: false,
  isolated: false,
  ...change,
});

const topology: Topology = {
  window_seconds: 300,
  nodes: [
    node("orchestrator", "orchestrator"),
    node("host:local", "host", { address: "unix:///var/run/docker.sock" }),
    node("broker", "broker"),
    node("agent:a1", "agent", { status: "active" }),
    node("agent:a2", "agent", { problem: null, unhealthy: true, isolated: true, status: "error" }),
    node("agent:a3", "agent"),
    node("host:vm2", "host", { problem: "unreachable: no route to host", unhealthy: true }),
  ],
  edges: [
    { source: "host:local", target: "agent:a1", kind: "placement", weight: 1 },
    { source: "agent:a2", target: "host:local", kind: "placement", weight: 1 },
    { source: "agent:a3", target: "host:gone", kind: "placement", weight: 1 },
    { source: "orchestrator", target: "agent:a1", kind: "tasks", weight: 40 },
    { source: "agent:a1", target: "agent:a2", kind: "messages", weight: 3 },
    { source: "agent:a1", target: "agent:missing", kind: "messages", weight: 3 },
  ],
};

describe("topologyElements", () => {
  const elements = topologyElements(topology);
  const byId = (id: string) => elements.find((e) => e.data.id === id);

  it("nests agents in the host they are placed on, whichever way the edge points", () => {
    expect(byId("agent:a1")?.data.parent).toBe("host:local");
    expect(byId("agent:a2")?.data.parent).toBe("host:local");
    expect(byId("host:local")?.data.parent).toBeUndefined();
  });

  it("leaves an agent placed on a host the graph lacks ungrouped", () => {
    expect(byId("agent:a3")?.data.parent).toBeUndefined();
  });

  it("flags unhealthy and isolated nodes with classes", () => {
    expect(byId("agent:a2")?.classes).toBe("agent unhealthy isolated");
    expect(byId("agent:a1")?.classes).toBe("agent");
  });

  it("labels a host that is not up with why", () => {
    expect(byId("host:vm2")?.data.label).toBe("host:vm2 (unreachable: no route to host)");
    expect(byId("host:vm2")?.classes).toBe("host unhealthy");
    expect(byId("host:local")?.data.label).toBe("host:local");
  });

  it("keeps traffic edges with a width from their weight, drops nesting and dangling edges", () => {
    const edges = elements.filter((e) => e.group === "edges");
    expect(edges.map((e) => `${e.data.source}->${e.data.target}:${e.classes}`)).toEqual([
      "orchestrator->agent:a1:tasks",
      "agent:a1->agent:a2:messages",
    ]);
    expect(edges[0].data.width).toBeGreaterThan(edges[1].data.width as number);
  });

  it("widens edges logarithmically within bounds", () => {
    expect(edgeWidth(0)).toBe(1);
    expect(edgeWidth(1)).toBe(3);
    expect(edgeWidth(1_000_000)).toBe(12);
  });
});

describe("readableZoom", () => {
  it("never zooms a small graph in past label size, zooms a large one out as needed", () => {
    expect(readableZoom(2.4)).toBe(MAX_FIT_ZOOM);
    expect(readableZoom(0.3)).toBe(0.3);
  });
});
