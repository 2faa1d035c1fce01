// PROVISIONAL: replaced by the generated binding
import type { StartupStep } from "./StartupStep";

export type Startup = { phase: "starting" | "ready" | "failed", steps: Array<StartupStep>, };
