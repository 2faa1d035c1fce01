// PROVISIONAL: replaced by the generated binding
import type { AgentCategory } from "./AgentCategory";
import type { GapType } from "./GapType";
import type { Severity } from "./Severity";

export type Gap = { gap_type: GapType, category: AgentCategory, agent_id: string, agent_type: string, severity: Severity, reason: string, suggested_template: string, requires_approval: boolean, };
