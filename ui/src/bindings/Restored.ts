// PROVISIONAL: replaced by the generated binding
import type { FleetAgent } from "./FleetAgent";

export type Restored = { agent: FleetAgent, credentials_to_provide: Array<string>, };
