// PROVISIONAL: replaced by the generated binding
export type Severity = "low" | "medium" | "high" | "critical";
