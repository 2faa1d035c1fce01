// PROVISIONAL: replaced by the generated binding
export type SpawnStage = "validating" | "image" | "container" | "heartbeat" | "healthy" | "failed";
