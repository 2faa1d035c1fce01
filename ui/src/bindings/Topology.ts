// PROVISIONAL: replaced by the generated binding
import type { Edge } from "./Edge";
import type { Node } from "./Node";

export type Topology = { nodes: Array<Node>, edges: Array<Edge>, window_seconds: number, };
