import type { HostView } from "../bindings/HostView";
/** Sample values of the IPC types, shared by the tests. */
import type { CatalogEntry } from "../bindings/CatalogEntry";
import type { FleetAgent } from "../bindings/FleetAgent";
import type { DecisionRecord } from "../bindings/DecisionRecord";
import type { LedgerEntry } from "../bindings/LedgerEntry";

export function agent(agentId: string, change: Partial<FleetAgent> = {}): FleetAgent {
  return {
    agent_id: agentId,
    agent_type: "test-agent",
    category: "core",
    status: "active",
    container_id: `c-${agentId}`,
    container_state: "running",
    port: null,
    last_heartbeat: "2026-11-25T10:00:00Z",
    uptime_seconds: 60,
    current_tasks: 0,
    tasks_completed: 0,
    tasks_failed: 0,
    grants: [],
    host: "local",
    cpu_percent: null,
    memory_mb: null,
    ...change,
  };
}

export const testKind: CatalogEntry = {
  kind: "test-agent",
  aliases: ["test"],
  category: "core",
  description: "Echoes tasks back",
  task_types: [
    {
      name: "echo",
      description: "answers its payload",
      payload_schema: {
        type: "object",
        properties: { text: { type: "string" }, times: { type: "integer", minimum: 1 } },
        required: ["text"],
      },
      result_schema: {},
    },
  ],
  credentials: [
    { name: "API_TOKEN", description: "token", check: null },
    { name: "OTHER", description: "other", check: null },
  ],
  settings_schema: {
    type: "object",
    properties: {
      greeting: { type: "string", default: "hello", description: "what it says" },
      delay_ms: { type: "integer", minimum: 0, maximum: 1000 },
      ratio: { type: "number" },
      verbose: { type: "boolean", default: true },
      mode: { enum: ["fast", "slow"], default: "fast" },
      tags: { type: "array", items: { type: "string" } },
    },
    required: ["greeting"],
  },
  defaults: { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 5 },
  privileges: [],
  credentials_present: { API_TOKEN: true, OTHER: false },
};

export function task(id: string, change: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    broker: null,
    id,
    agent_id: "a1",
    task_type: "echo",
    payload: {},
    priority: 5,
    created_at: "2026-11-25T10:00:00Z",
    started_at: null,
    completed_at: null,
    status: "queued",
    result: null,
    error: null,
    timeout: 300,
    retries: 0,
    max_retries: 3,
    requester_agent: null,
    route: { kind: "agent", target: "a1" },
    stream: null,
    entry_id: null,
    next_attempt_at: null,
    updated_at: "2026-11-25T10:00:00Z",
    waiting_reason: null,
    wait_deadline: null,
    ...change,
  };
}

export function host(name: string, change: Partial<HostView> = {}): HostView {
  return {
    name,
    address: `ssh://ops@${name}:22`,
    enabled: true,
    labels: {},
    state: "up",
    engine: { docker_version: "20.10.24", os: "Debian GNU/Linux 12", cpus: 2, memory_bytes: 4_294_967_296 },
    running_agents: 0,
    broker: name,
    ...change,
  } as HostView;
}

/** A CEO agent's refusal, as the audit trail records it. */
export const refusal: DecisionRecord = {
  task_id: "t-9",
  task_type: "approve_action",
  agent_id: "ceo-1",
  requested_by: "ops-1",
  approved: false,
  rule: "amount_limit",
  reason: "amount 50000 exceeds the auto-approval limit of 10000",
  amount: 50000,
  action: "buy_servers",
  subject: { action: "buy_servers", amount: 50000 },
  assessment: null,
};
