// PROVISIONAL: replaced by the generated binding
export type SnapshotSummary = { id: number, agent_id: string, snapshot_time: string, reason: string | null, };
