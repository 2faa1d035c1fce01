// PROVISIONAL: replaced by the generated binding
import type { EdgeKind } from "./EdgeKind";

export type Edge = { source: string, target: string, kind: EdgeKind, weight: number, };
