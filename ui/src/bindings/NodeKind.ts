// PROVISIONAL: replaced by the generated binding
export type NodeKind = "orchestrator" | "host" | "broker" | "store" | "agent";
