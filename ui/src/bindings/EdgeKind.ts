// PROVISIONAL: replaced by the generated binding
export type EdgeKind = "uses" | "placement" | "tasks" | "messages";
