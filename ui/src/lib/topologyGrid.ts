/**
 * Positions for a crowded topology, computed in one pass instead of a
 * force-directed layout (fCoSE freezes the window for seconds at 1,000
 * nodes): the orchestrator, brokers and stores in a row on top, then each
 * host's agents in a square block under it, hosts side by side. Agents
 * with no known host form one more block.
 */
import type { Topology } from "../bindings/Topology";
import { hostsOfAgents } from "./topologyElements";

export interface Position {
  x: number;
  y: number;
}

/** Room per agent in a block: wide enough for a label at the crowded zoom. */
export const AGENT_SPACING = { x: 120, y: 70 };
/** Between host blocks, and between the service row and the blocks. */
export const BLOCK_GAP = 240;
const SERVICE_SPACING = 260;

export function gridPositions(topology: Topology): Map<string, Position> {
  const positions = new Map<string, Position>();
  const hostOf = hostsOfAgents(topology);
  const blocks = new Map<string, string[]>();
  for (const node of topology.nodes) {
    if (node.kind === "host") blocks.set(node.id, blocks.get(node.id) ?? []);
  }
  const unplaced: string[] = [];
  let services = 0;
  for (const node of topology.nodes) {
    if (node.kind === "agent") {
      const host = hostOf.get(node.id);
      if (host && blocks.has(host)) blocks.get(host)?.push(node.id);
      else unplaced.push(node.id);
    } else if (node.kind !== "host") {
      positions.set(node.id, { x: services * SERVICE_SPACING, y: 0 });
      services += 1;
    }
  }
  const groups = [...blocks.entries()];
  if (unplaced.length > 0) groups.push(["", unplaced]);
  let left = 0;
  for (const [host, agents] of groups) {
    const columns = Math.max(1, Math.ceil(Math.sqrt(agents.length)));
    agents.forEach((agent, index) => {
      positions.set(agent, {
        x: left + (index % columns) * AGENT_SPACING.x,
        y: BLOCK_GAP + Math.floor(index / columns) * AGENT_SPACING.y,
      });
    });
    // A host with no agents is a plain node: it needs a place of its own.
    if (host && agents.length === 0) positions.set(host, { x: left, y: BLOCK_GAP });
    left += columns * AGENT_SPACING.x + BLOCK_GAP;
  }
  return positions;
}
