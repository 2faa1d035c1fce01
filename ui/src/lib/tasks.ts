/** How the task tables read a ledger entry, and which actions it allows. */
import type { LedgerEntry } from "../bindings/LedgerEntry";
import type { TaskStatus } from "../bindings/TaskStatus";

export const TASK_STATUSES: TaskStatus[] = [
  "pending",
  "queued",
  "running",
  "completed",
  "failed",
  "timed_out",
  "cancelled",
  "dead_lettered",
];

export function routeLabel(entry: LedgerEntry): string {
  return `${entry.route.kind}: ${entry.route.target}`;
}

/** A task still waiting or running can be cancelled. */
export function canCancel(status: TaskStatus): boolean {
  return status === "pending" || status === "queued" || status === "running";
}

/** A task that ended without success can be tried again as a new task. */
export function canRetry(status: TaskStatus): boolean {
  return status === "failed" || status === "timed_out" || status === "cancelled" || status === "dead_lettered";
}

const SUMMARY_CHARS = 160;

/** One line for the result column: the error, the result JSON, or why it waits. */
export function outcomeSummary(entry: LedgerEntry): string {
  const text =
    entry.error ?? (entry.result != null ? JSON.stringify(entry.result) : (entry.waiting_reason ?? ""));
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}

/** Appends a page, dropping entries already shown (a task can move between pages). */
export function appendPage(shown: LedgerEntry[], page: LedgerEntry[]): LedgerEntry[] {
  const ids = new Set(shown.map((e) => e.id));
  return [...shown, ...page.filter((e) => !ids.has(e.id))];
}
