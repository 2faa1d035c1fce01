// PROVISIONAL: replaced by the generated binding
import type { SnapshotSummary } from "./SnapshotSummary";

export type SnapshotPage = { items: Array<SnapshotSummary>, next_cursor: string | null, };
