/** The wizard's and the credentials list's logic, kept out of the views. */
import type { CredentialStatus } from "../bindings/CredentialStatus";
import type { SetupRecord } from "../bindings/SetupRecord";
import type { SetupStep } from "../bindings/SetupStep";

export const WIZARD_STEPS: { step: SetupStep; label: string }[] = [
  { step: "docker", label: "Docker" },
  { step: "broker", label: "Broker" },
  { step: "store", label: "Store" },
  { step: "credentials", label: "Credentials" },
];

/** Where the wizard resumes: the first step without an outcome, else the last. */
export function resumeAt(record: SetupRecord): number {
  const at = WIZARD_STEPS.findIndex(({ step }) => record.steps[step] === undefined);
  return at === -1 ? WIZARD_STEPS.length - 1 : at;
}

/** A step's mark in the wizard's step list. */
export function stepMark(record: SetupRecord, step: SetupStep): "done" | "skipped" | "open" {
  return record.steps[step] ?? "open";
}

/** The badge a credential row shows. */
export function credentialBadge(status: CredentialStatus): { text: string; tone: "up" | "down" | "warn" } {
  switch (status.state) {
    case "present":
      return { text: status.last_check?.ok ? "present · checked" : "present", tone: "up" };
    case "failed":
      return { text: "check failed", tone: "down" };
    case "missing":
      return { text: "missing", tone: "warn" };
    case "unavailable":
      return { text: "keyring unavailable", tone: "down" };
  }
}

/** "checked 12:04:05 — ok" or "never checked". */
export function lastChecked(status: CredentialStatus, locale?: string): string {
  const check = status.last_check;
  if (!check) return "never checked";
  const at = new Date(check.at).toLocaleString(locale);
  return `checked ${at} — ${check.ok ? "ok" : "failed"}: ${check.detail}`;
}

/** A PostgreSQL URL the Store step can test (before asking Rust). */
export function storeUrlProblem(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === "") return "enter a postgres:// URL, or keep SQLite";
  if (!/^postgres(ql)?:\/\//.test(trimmed)) return "a store URL starts with postgres:// or postgresql://";
  return null;
}

/** A Redis URL the Broker step can test. */
export function brokerUrlProblem(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === "") return "enter a redis:// URL, or keep the managed broker";
  if (!/^rediss?:\/\//.test(trimmed)) return "a broker URL starts with redis:// or rediss://";
  return null;
}
