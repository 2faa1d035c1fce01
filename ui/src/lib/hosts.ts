/**
 * The Hosts view's logic: what each host's state says to an operator, its
 * load as gauges, and the profile form's draft (filled from a saved host or
 * a ~/.ssh/config entry). A confirmed host key belongs to one address and
 * port: changing either drops it, so a new machine is never trusted under
 * the old one's key.
 */
import type { HostDraft } from "../bindings/HostDraft";
import type { HostEntry } from "../bindings/HostEntry";
import type { SshConfigEntry } from "../bindings/SshConfigEntry";
import { formatMemory } from "./format";

export type AuthChoice = "key_file" | "generated" | "agent";

export interface StateShown {
  /** The CSS status class suffix. */
  tone: "up" | "connecting" | "down" | "disabled";
  label: string;
  /** Why, when the state has a reason. */
  detail: string | null;
}

export function hostState(entry: HostEntry): StateShown {
  switch (entry.state) {
    case "up":
      return { tone: "up", label: "up", detail: null };
    case "connecting":
      return { tone: "connecting", label: "connecting", detail: null };
    case "disabled":
      return { tone: "disabled", label: "disabled", detail: null };
    case "unreachable":
      return { tone: "down", label: "unreachable", detail: entry.reason };
    case "refused":
      return { tone: "down", label: "refused", detail: entry.reason };
    case "key_changed":
      return {
        tone: "down",
        label: "refused: host key changed",
        detail: "The host presents another key than the one pinned. Nothing is sent to it until this is resolved.",
      };
  }
}

export interface Gauge {
  label: string;
  text: string;
  /** 0–100, or null when the capacity is not known. */
  percent: number | null;
}

const percentOf = (used: number, total: number) => (total > 0 ? Math.min(100, (used / total) * 100) : null);

/** Agents running, and the CPUs and memory they are limited to against the engine's. */
export function hostGauges(entry: HostEntry): Gauge[] {
  const cpus = entry.engine?.cpus ?? 0;
  const memoryMb = (entry.engine?.memory_bytes ?? 0) / (1024 * 1024);
  return [
    { label: "Agents", text: String(entry.running_agents), percent: null },
    {
      label: "CPU committed",
      text: cpus > 0 ? `${round(entry.reserved_cpus)} / ${round(cpus)} CPUs` : `${round(entry.reserved_cpus)} CPUs`,
      percent: percentOf(entry.reserved_cpus, cpus),
    },
    {
      label: "Memory committed",
      text: memoryMb > 0 ? `${formatMemory(entry.reserved_memory_mb)} / ${formatMemory(memoryMb)}` : formatMemory(entry.reserved_memory_mb),
      percent: percentOf(entry.reserved_memory_mb, memoryMb),
    },
  ];
}

const round = (value: number) => String(Math.round(value * 100) / 100);

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function emptyDraft(): HostDraft {
  return {
    name: "",
    address: "",
    port: 22,
    user: "root",
    auth: { method: "agent", socket: null },
    docker_socket: null,
    host_key_fingerprint: null,
    labels: {},
    enabled: true,
  };
}

/** A profile name from an alias: what the name pattern allows. */
export function profileName(alias: string): string {
  const name = alias.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return name.slice(0, 63);
}

/** A draft filled from a ~/.ssh/config entry: its key file when it names one, else ssh-agent. */
export function draftFromSshConfig(entry: SshConfigEntry): HostDraft {
  return {
    ...emptyDraft(),
    name: profileName(entry.alias),
    address: entry.host,
    port: entry.port ?? 22,
    user: entry.user ?? "root",
    auth: entry.identity_file ? { method: "key_file", path: entry.identity_file } : { method: "agent", socket: null },
  };
}

/** Which of the form's three ways the draft authenticates. */
export function authChoice(draft: HostDraft): AuthChoice {
  if (draft.auth.method === "key_file") return "key_file";
  if (draft.auth.method === "keyring") return "generated";
  return "agent";
}

/** Where a confirmed key was read: it holds for that address and port only. */
export const keyOrigin = (draft: HostDraft) => `${draft.address.trim()}:${draft.port}`;

/** The draft's confirmed key, dropped when the address or port moved since. */
export function keptKey(draft: HostDraft, confirmedAt: string | null): HostDraft {
  if (draft.host_key_fingerprint && confirmedAt !== keyOrigin(draft)) {
    return { ...draft, host_key_fingerprint: null };
  }
  return draft;
}

/** "a=b, c=d" as labels; blank parts are ignored, a part without "=" is an error. */
export function parseLabels(text: string): { labels: Record<string, string>; error: string | null } {
  const labels: Record<string, string> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf("=");
    if (at <= 0) return { labels, error: `"${part}" is not key=value` };
    labels[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return { labels, error: null };
}

export const formatLabels = (labels: { [key in string]?: string }) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value ?? ""}`)
    .join(", ");
