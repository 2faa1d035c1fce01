import { describe, expect, it } from "vitest";
import type { Node } from "../bindings/Node";
import type { Topology } from "../bindings/Topology";
import { AGENT_SPACING, BLOCK_GAP, gridPositions } from "./topologyGrid";

const node = (id: string, kind: Node["kind"]): Node => ({
  id,
  kind,
  label: id,
  address: null,
  status: null,
  problem: null,
  unhealthy: false,
  isolated: false,
});

function fleet(hosts: Record<string, number>, unplaced = 0): Topology {
  const nodes: Node[] = [node("orchestrator", "orchestrator"), node("broker", "broker"), node("store", "store")];
  const edges: Topology["edges"] = [];
  for (const [host, count] of Object.entries(hosts)) {
    nodes.push(node(host, "host"));
    for (let i = 0; i < count; i += 1) {
      nodes.push(node(`${host}/a${i}`, "agent"));
      edges.push({ source: `${host}/a${i}`, target: host, kind: "placement", weight: 1 });
    }
  }
  for (let i = 0; i < unplaced; i += 1) nodes.push(node(`lost${i}`, "agent"));
  return { nodes, edges, window_seconds: 300 };
}

describe("gridPositions", () => {
  it("puts the services in a row above square blocks of each host's agents", () => {
    const positions = gridPositions(fleet({ "host:a": 9, "host:b": 4 }));
    expect(positions.get("orchestrator")).toEqual({ x: 0, y: 0 });
    expect(positions.get("store")?.y).toBe(0);
    // 9 agents: 3 columns; the 4th starts the second row.
    expect(positions.get("host:a/a3")).toEqual({ x: 0, y: BLOCK_GAP + AGENT_SPACING.y });
    expect(positions.get("host:a/a8")).toEqual({ x: 2 * AGENT_SPACING.x, y: BLOCK_GAP + 2 * AGENT_SPACING.y });
    // host b starts to the right of host a's three columns.
    expect(positions.get("host:b/a0")).toEqual({ x: 3 * AGENT_SPACING.x + BLOCK_GAP, y: BLOCK_GAP });
    // Hosts with agents are groups: cytoscape places them around their agents.
    expect(positions.has("host:a")).toBe(false);
  });

  it("places every node of a thousand-agent fleet, without overlaps, agents with no host included", () => {
    const topology = fleet({ "host:a": 600, "host:b": 380, "host:empty": 0 }, 20);
    const positions = gridPositions(topology);
    const placed = topology.nodes.filter((n) => !(n.kind === "host" && n.id !== "host:empty"));
    for (const n of placed) expect(positions.has(n.id), n.id).toBe(true);
    const spots = new Set([...positions.values()].map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(positions.size);
  });
});
