/**
 * The topology as cytoscape elements: hosts become compound parents of the
 * agents placed on them (so 1,000 agents read as a few groups), placement
 * edges are then implied by nesting and dropped, traffic edges get a width
 * from their weight.
 */
import type { Node } from "../bindings/Node";
import type { Topology } from "../bindings/Topology";

export interface GraphElement {
  group: "nodes" | "edges";
  data: Record<string, string | number>;
  classes: string;
}

/** 1 px for a trickle, up to 12 px, logarithmic so one busy pair does not dwarf the rest. */
export function edgeWidth(weight: number): number {
  return Math.min(12, 1 + 2 * Math.log2(1 + Math.max(0, weight)));
}

/** Agent id → the host it is placed on, from the placement edges. */
export function hostsOfAgents(topology: Topology): Map<string, string> {
  const kinds = new Map(topology.nodes.map((n) => [n.id, n.kind]));
  const parents = new Map<string, string>();
  for (const edge of topology.edges) {
    if (edge.kind !== "placement") continue;
    const [agent, host] = kinds.get(edge.source) === "host" ? [edge.target, edge.source] : [edge.source, edge.target];
    if (kinds.get(agent) === "agent" && kinds.get(host) === "host") parents.set(agent, host);
  }
  return parents;
}

export function topologyElements(topology: Topology): GraphElement[] {
  const ids = new Set(topology.nodes.map((n) => n.id));
  const parents = hostsOfAgents(topology);
  const nodes: GraphElement[] = topology.nodes.map((node: Node) => {
    // A host that is not up says why on the graph itself.
    const label = node.problem ? `${node.label} (${node.problem})` : node.label;
    const data: Record<string, string | number> = { id: node.id, label, kind: node.kind };
    const parent = parents.get(node.id);
    if (parent) data.parent = parent;
    if (node.status) data.status = node.status;
    const classes = [node.kind, node.unhealthy ? "unhealthy" : "", node.isolated ? "isolated" : ""];
    return { group: "nodes", data, classes: classes.filter(Boolean).join(" ") };
  });
  const edges: GraphElement[] = topology.edges
    .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
    .filter((edge) => !(edge.kind === "placement" && nestedIn(parents, edge.source, edge.target)))
    .map((edge, index) => ({
      group: "edges",
      data: {
        id: `e${index}:${edge.source}->${edge.target}`,
        source: edge.source,
        target: edge.target,
        weight: Number(edge.weight),
        width: edgeWidth(Number(edge.weight)),
      },
      classes: edge.kind,
    }));
  return [...nodes, ...edges];
}

function nestedIn(parents: Map<string, string>, a: string, b: string): boolean {
  return parents.get(a) === b || parents.get(b) === a;
}

/** The topology windows an operator picks from. */
export const TOPOLOGY_WINDOWS = [
  { seconds: 300, label: "5 min" },
  { seconds: 3600, label: "1 h" },
  { seconds: 86400, label: "24 h" },
];

/**
 * Fitting a small graph would blow it up (five nodes filling the canvas,
 * labels at twice their size): fitting never zooms in past this, so labels
 * draw at about their 11 px; a large graph zooms out as far as it needs.
 */
export const MAX_FIT_ZOOM = 1.1;
/** Space kept between the graph and the canvas edges when fitting (px). */
export const FIT_PADDING = 40;

export function readableZoom(fittedZoom: number): number {
  return Math.min(MAX_FIT_ZOOM, fittedZoom);
}
