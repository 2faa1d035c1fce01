/** Sample data for the harness: a plausible fleet on three hosts. */
import type { AgentStatus } from "../bindings/AgentStatus";
import type { Approval } from "../bindings/Approval";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { CatalogEntry } from "../bindings/CatalogEntry";
import type { FleetAgent } from "../bindings/FleetAgent";
import type { Gap } from "../bindings/Gap";
import type { LedgerEntry } from "../bindings/LedgerEntry";
import type { TaskStatus } from "../bindings/TaskStatus";
import type { Topology } from "../bindings/Topology";

const HOSTS = ["local", "vm-lab", "edge-1"];
const KINDS: [string, FleetAgent["category"]][] = [
  ["test-agent", "core"],
  ["web-scraper", "data"],
  ["ledger-sync", "financial"],
  ["spore-counter", "mycology"],
  ["intrusion-watch", "security"],
];
const STATUSES: AgentStatus[] = ["active", "active", "idle", "busy", "active", "idle", "error", "spawning", "dead"];

export function sampleAgents(count: number): FleetAgent[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const [kind, category] = KINDS[i % KINDS.length];
    return {
      agent_id: `${kind}-${String(i + 1).padStart(3, "0")}`,
      agent_type: kind,
      category,
      status: STATUSES[i % STATUSES.length],
      container_id: `c${i.toString(16).padStart(12, "0")}`,
      container_state: "running",
      port: null,
      last_heartbeat: new Date(now - (i % 40) * 1000).toISOString(),
      uptime_seconds: 3600 + i,
      current_tasks: i % 3,
      tasks_completed: (i * 37) % 900,
      tasks_failed: i % 11 === 0 ? i % 5 : 0,
      grants: [],
      host: HOSTS[i % HOSTS.length],
      cpu_percent: (i * 7.3) % 95,
      memory_mb: 40 + ((i * 13) % 400),
    };
  });
}

export const sampleCatalog: CatalogEntry[] = [
  {
    kind: "test-agent",
    aliases: ["test"],
    category: "core",
    description: "Answers echo and sleep tasks; the fleet's smoke test.",
    task_types: [
      {
        name: "echo",
        description: "answers its payload",
        payload_schema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
        result_schema: {},
      },
      {
        name: "sleep",
        description: "sleeps a while",
        payload_schema: { type: "object", properties: { seconds: { type: "integer", minimum: 0, maximum: 60 } } },
        result_schema: {},
      },
    ],
    credentials: [],
    settings_schema: {
      type: "object",
      properties: {
        greeting: { type: "string", default: "hello", description: "prefix of every answer" },
        delay_ms: { type: "integer", minimum: 0, maximum: 10000, default: 0 },
        verbose: { type: "boolean", default: false },
        mode: { enum: ["fast", "careful"], default: "fast" },
      },
      required: ["greeting"],
    },
    defaults: { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 5 },
    privileges: [],
    credentials_present: {},
  },
  {
    kind: "web-scraper",
    aliases: [],
    category: "data",
    description: "Fetches pages on a schedule and stores their text.",
    task_types: [],
    credentials: [{ name: "PROXY_TOKEN", description: "the egress proxy's token", check: null }],
    settings_schema: { type: "object", properties: { start_url: { type: "string" }, depth: { type: "integer", minimum: 1 } }, required: ["start_url"] },
    defaults: { cpu_limit: 1, memory_limit_mb: 256, max_concurrent_tasks: 4 },
    privileges: [],
    credentials_present: { PROXY_TOKEN: false },
  },
  {
    kind: "ledger-sync",
    aliases: [],
    category: "financial",
    description: "Reconciles the ledger with the bank's statements every night.",
    task_types: [],
    credentials: [
      { name: "BANK_API_KEY", description: "read-only statement access", check: null },
      { name: "LEDGER_DB_URL", description: "ledger database", check: null },
    ],
    settings_schema: { type: "object", properties: {} },
    defaults: { cpu_limit: 0.5, memory_limit_mb: 256, max_concurrent_tasks: 1 },
    privileges: [],
    credentials_present: { BANK_API_KEY: true, LEDGER_DB_URL: true },
  },
];

const TASK_STATUSES: TaskStatus[] = ["completed", "completed", "running", "queued", "failed", "dead_lettered", "completed"];

export function sampleTasks(count: number, agentId?: string): LedgerEntry[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const status = TASK_STATUSES[i % TASK_STATUSES.length];
    const created = new Date(now - i * 45_000).toISOString();
    const target = agentId ?? `test-agent-${String((i % 20) * 5 + 1).padStart(3, "0")}`;
    return {
      broker: "local",
      id: `0b7c${String(i).padStart(4, "0")}-5a1e-4c1e-9a55-${String(i).padStart(12, "0")}`,
      agent_id: target,
      task_type: i % 3 === 0 ? "sleep" : "echo",
      payload: { text: `hello ${i}` },
      priority: 5,
      created_at: created,
      started_at: status === "queued" ? null : created,
      completed_at: status === "completed" || status === "failed" ? new Date(now - i * 45_000 + 850).toISOString() : null,
      status,
      result: status === "completed" ? { echo: `hello ${i}` } : null,
      error: status === "failed" || status === "dead_lettered" ? "handler returned: payload.text is empty" : null,
      timeout: 300,
      retries: status === "dead_lettered" ? 3 : status === "failed" ? 1 : 0,
      max_retries: 3,
      requester_agent: null,
      route: { kind: "agent", target },
      stream: null,
      entry_id: null,
      next_attempt_at: null,
      updated_at: created,
      waiting_reason: status === "queued" ? "agent busy with 5 tasks" : null,
      wait_deadline: null,
    };
  });
}

export function sampleTopology(agents: FleetAgent[], windowSeconds: number, agentCount: number): Topology {
  const shown = agents.slice(0, agentCount);
  const hostIds = [...new Set(shown.map((a) => a.host))];
  return {
    window_seconds: windowSeconds,
    nodes: [
      { id: "orchestrator", kind: "orchestrator", label: "orchestrator", address: null, status: null, problem: null, unhealthy: false, isolated: false },
      { id: "broker", kind: "broker", label: "redis :6390", address: null, status: null, problem: null, unhealthy: false, isolated: false },
      { id: "store", kind: "store", label: "postgres", address: null, status: null, problem: null, unhealthy: false, isolated: false },
      ...hostIds.map((h) => ({ id: `host:${h}`, kind: "host" as const, label: h, address: h === "local" ? "unix:///var/run/docker.sock" : `ssh://ops@${h}:22`, status: null, problem: null, unhealthy: false, isolated: false })),
      ...shown.map((a, i) => ({
        id: a.agent_id,
        kind: "agent" as const,
        label: a.agent_id,
        address: null,
        status: a.status,
        problem: null,
        unhealthy: a.status === "error" || a.status === "dead",
        isolated: i % 7 === 3,
      })),
    ],
    edges: [
      { source: "orchestrator", target: "broker", kind: "uses", weight: 1 },
      { source: "orchestrator", target: "store", kind: "uses", weight: 1 },
      ...shown.map((a) => ({ source: `host:${a.host}`, target: a.agent_id, kind: "placement" as const, weight: 1 })),
      ...shown.filter((_, i) => i % 7 !== 3).map((a, i) => ({ source: "orchestrator", target: a.agent_id, kind: "tasks" as const, weight: (i * 17) % 200 })),
      ...shown.slice(1, 20).map((a, i) => ({ source: shown[i].agent_id, target: a.agent_id, kind: "messages" as const, weight: i * 3 })),
    ],
  };
}

export const sampleGaps: Gap[] = [
  { gap_type: "category", category: "security", agent_id: "intrusion-watch", agent_type: "intrusion-watch", severity: "critical", reason: "security requires intrusion-watch", suggested_template: "security-monitor", requires_approval: true },
  { gap_type: "category", category: "infrastructure", agent_id: "disk-guard", agent_type: "disk-guard", severity: "high", reason: "infrastructure requires disk-guard", suggested_template: "infra-monitor", requires_approval: false },
  { gap_type: "route", category: "data", agent_id: "route-orders", agent_type: "route-monitor", severity: "low", reason: "route orders has no agent", suggested_template: "route-monitor", requires_approval: false },
];

export function sampleApprovals(): Approval[] {
  return [
    { id: "6f1c2d0e-0000-4000-8000-000000000001", kind: "spawn_agent", subject: "intrusion-watch", request: {}, status: "pending", requested_at: new Date(Date.now() - 600_000).toISOString(), decided_by: null, decided_at: null, comment: null },
    { id: "6f1c2d0e-0000-4000-8000-000000000002", kind: "spawn_agent", subject: "ledger-sync-002", request: {}, status: "approved", requested_at: new Date(Date.now() - 86_400_000).toISOString(), decided_by: "ana", decided_at: new Date(Date.now() - 86_000_000).toISOString(), comment: null },
  ];
}

export function sampleAudit(): AuditEntry[] {
  const decision = (i: number, approved: boolean) => ({
    task_id: `5f0c2a1e-0000-4000-8000-00000000000${i}`,
    task_type: approved ? "approve_spending" : "approve_action",
    agent_id: approved ? "cfo-001" : "ceo-001",
    requested_by: "ops-planner",
    approved,
    rule: approved ? "within_budget_and_limit" : "amount_limit",
    reason: approved ? "1200 for engineering fits its budget and the approval limit" : "amount 50000 exceeds the auto-approval limit of 10000",
    amount: approved ? 1200 : 50000,
    action: approved ? null : "buy_servers",
    subject: {},
    assessment: approved ? null : { advisory: true, available: true, agent: "gpt-advisor", text: "Sound: the amount is far above the limit." },
  });
  return Array.from({ length: 12 }, (_, i) => {
    const decided = i < 2 ? decision(i, i === 1) : null;
    return {
      id: 100 - i,
      at: new Date(Date.now() - i * 3_600_000).toISOString(),
      actor: decided ? decided.agent_id : i % 2 ? "ana" : "bo",
      action: decided ? (decided.approved ? "decision_approved" : "decision_refused") : ["fill_gap", "decide_approval", "spawn_agent"][i % 3],
      subject: decided ? decided.task_id : ["intrusion-watch", "ledger-sync-002", "test-agent-004"][i % 3],
      detail: decided ?? (i % 3 === 1 ? { approve: true } : null),
    };
  });
}
