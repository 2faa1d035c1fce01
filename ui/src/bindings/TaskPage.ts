// PROVISIONAL: replaced by the generated binding
import type { LedgerEntry } from "./LedgerEntry";

export type TaskPage = { items: Array<LedgerEntry>, next_cursor: string | null, };
