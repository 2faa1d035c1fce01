// PROVISIONAL: replaced by the generated binding
import type { AgentConfig } from "./AgentConfig";
import type { FleetAgent } from "./FleetAgent";
import type { SnapshotSummary } from "./SnapshotSummary";
import type { StoredAction } from "./StoredAction";

export type AgentDetail = { agent: FleetAgent, config: AgentConfig, recent_actions: Array<StoredAction>, snapshots: Array<SnapshotSummary>, };
