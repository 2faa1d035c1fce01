// PROVISIONAL: replaced by the generated binding
export type AgentCategory = "core" | "corporate" | "financial" | "mycology" | "research" | "infrastructure" | "security" | "device" | "data" | "integration" | "communication";
