/** Hosts as the orchestrator lists them, for the Hosts view's tests. */
import type { HostDraft } from "../bindings/HostDraft";
import type { HostEntry } from "../bindings/HostEntry";

export const PRINT = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
export const OTHER_PRINT = "SHA256:fHBY9gJZgounz6VssauE0SoHjbf2lpG8klt9TN8lSsY";

export function hostProfile(overrides: Partial<HostDraft> = {}): HostDraft {
  return {
    name: "vm-one",
    address: "10.0.0.5",
    port: 22,
    user: "root",
    auth: { method: "key_file", path: "/keys/id" },
    docker_socket: "/var/run/docker.sock",
    host_key_fingerprint: PRINT,
    labels: {},
    enabled: true,
    ...overrides,
  };
}

export function hostEntry(overrides: Partial<HostEntry> = {}): HostEntry {
  return {
    name: "vm-one",
    address: "ssh://root@10.0.0.5:22",
    enabled: true,
    labels: {},
    state: "up",
    engine: { id: "E1", docker_version: "20.10.24", os: "Debian GNU/Linux 12", cpus: 4, memory_bytes: 8 * 1024 ** 3 },
    running_agents: 2,
    reserved_cpus: 1,
    reserved_memory_mb: 2048,
    broker: "vm-one",
    profile: null,
    fixed: false,
    ...overrides,
  } as HostEntry;
}
