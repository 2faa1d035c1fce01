// PROVISIONAL: replaced by the generated binding
import type { AuditEntry } from "./AuditEntry";

export type AuditPage = { items: Array<AuditEntry>, next_cursor: string | null, };
