// PROVISIONAL: replaced by the generated binding
export type GapType = "category" | "route" | "integration" | "device";
