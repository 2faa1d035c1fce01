// PROVISIONAL: replaced by the generated binding
export type AgentStatus = "spawning" | "active" | "busy" | "idle" | "paused" | "error" | "shutdown" | "dead" | "archived";
