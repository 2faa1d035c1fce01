// PROVISIONAL: replaced by the generated binding
import type { AgentStatus } from "./AgentStatus";
import type { NodeKind } from "./NodeKind";

export type Node = { id: string, kind: NodeKind, label: string, address: string | null, status: AgentStatus | null, unhealthy: boolean, isolated: boolean, parent: string | null, };
