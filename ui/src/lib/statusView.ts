import type { Probe } from "../bindings/Probe";
import type { ServiceStatus } from "../bindings/ServiceStatus";
import type { StoreBackend } from "../bindings/StoreBackend";
import type { SystemStatus } from "../bindings/SystemStatus";

export type ServiceKey = "docker" | "redis" | "store";

/** What one row of the status panel shows. */
export interface ServiceRow {
  key: ServiceKey;
  label: string;
  endpoint: string;
  state: "up" | "down";
  badge: string;
  /** A few words for the top bar, e.g. "Redis 7.0.15 · PONG". */
  summary: string;
  details: string[];
  reason: string | null;
  latency: string;
}

const BACKEND_LABELS: Record<StoreBackend, string> = {
  sqlite: "SQLite",
  postgres: "PostgreSQL",
};

export function formatLatency(ms: number): string {
  return ms < 1 ? "<1 ms" : `${ms} ms`;
}

/** Local wall-clock time with seconds, the resolution an operator reads. */
export function formatCheckedAt(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function row<T>(
  key: ServiceKey,
  label: string,
  service: ServiceStatus<T>,
  summarize: (info: T) => string,
  describe: (info: T) => string[],
): ServiceRow {
  const probe: Probe<T> = service.probe;
  const common = { key, label, endpoint: service.endpoint, latency: formatLatency(probe.latency_ms) };
  if (probe.state === "up") {
    return { ...common, state: "up", badge: "up", summary: summarize(probe.info), details: describe(probe.info), reason: null };
  }
  return { ...common, state: "down", badge: "down", summary: label, details: [], reason: probe.reason };
}

export function serviceRows(status: SystemStatus): ServiceRow[] {
  return [
    row("docker", "Docker engine", status.docker, (info) => `Docker ${info.version}`, (info) => [
      `Docker ${info.version} · API ${info.api_version}`,
      `${info.os}/${info.arch}`,
      `${info.containers_running} of ${info.containers} containers running`,
    ]),
    row(
      "redis",
      "Redis",
      status.redis,
      (info) => `Redis ${info.version} · ${info.ping}`,
      (info) => [`Redis ${info.version}`, `PING → ${info.ping}`],
    ),
    row(
      "store",
      "SQL store",
      status.store,
      (info) => `${BACKEND_LABELS[info.backend]} ${info.migrations_applied}/${info.migrations_available}`,
      (info) => [
      BACKEND_LABELS[info.backend],
      `migrations ${info.migrations_applied}/${info.migrations_available}`,
      info.up_to_date ? "schema up to date" : "migrations pending",
      ],
    ),
  ];
}
