// PROVISIONAL: replaced by the generated binding
import type { Approval } from "./Approval";
import type { FleetAgent } from "./FleetAgent";

export type FillOutcome = { "outcome": "spawned", agent: FleetAgent, } | { "outcome": "approval_requested", approval: Approval, };
