/**
 * `npm run harness`: the window in a plain browser (or WebKitGTK) without
 * the Rust side, answering every command of docs/desktop-ipc.md from sample
 * data and streaming live events and logs, to look at and measure views.
 * Only built in `--mode harness`; production bundles do not contain it.
 */
import type { Channel } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { FleetEvent } from "../bindings/FleetEvent";
import type { LogLine } from "../bindings/LogLine";
import type { SpawnProgress } from "../bindings/SpawnProgress";
import type { SpawnRequest } from "../bindings/SpawnRequest";
import type { StartupStep } from "../bindings/StartupStep";
import { sampleAgents, sampleApprovals, sampleAudit, sampleCatalog, sampleGaps, sampleTasks, sampleTopology } from "./sampleFleet";

type Args = Record<string, unknown>;

const STEP_NAMES = ["store", "redis", "docker", "hosts", "fleet"];
const STARTUP_MS = 1500;
/** A line as the agent runtime's JSON tracing subscriber writes it. */
function runtimeJsonLine(n: number): string {
  const fields = { message: n % 4 === 0 ? "task finished" : "task started", task_id: `0f${n.toString(16).padStart(6, "0")}-3859-493b-998a-ba5b3cb5a45b`, task_type: "echo", agent_id: "test-agent-001" };
  return JSON.stringify({ timestamp: new Date().toISOString(), level: n % 10 === 0 ? "WARN" : "INFO", fields, target: "myca_agents::runtime::tasks" });
}

const ANSI = ["\u001b[32mINFO\u001b[0m", "\u001b[33mWARN\u001b[0m", "\u001b[36mDEBUG\u001b[0m"];

/**
 * `?agents=N` sizes the fleet, `?events=N` sets the metrics events and
 * `?loglines=N` the log lines per 100 ms batch, `?topology=N` the agents
 * drawn in the topology; `?startup=failed` shows a start-up that cannot
 * reach Redis.
 */
export function installMockBackend(): void {
  const query = new URLSearchParams(location.search);
  const agentCount = Number(query.get("agents") ?? 240);
  const eventsPerBatch = Number(query.get("events") ?? 20);
  const linesPerBatch = Number(query.get("loglines") ?? 5);
  const startupFails = query.get("startup") === "failed";
  const topologyAgents = Number(query.get("topology") ?? 60);
  const startedAt = Date.now();
  const agents = sampleAgents(agentCount);
  const streams = new Map<number, ReturnType<typeof setInterval>>();
  let nextStream = 1;

  function stream(every: number, send: () => void): number {
    const id = nextStream++;
    streams.set(id, setInterval(send, every));
    return id;
  }

  function startup() {
    if (startupFails) {
      const steps: StartupStep[] = STEP_NAMES.map((name, i) => ({
        name,
        state: i === 0 ? "done" : i === 1 ? "failed" : "pending",
        detail: i === 1 ? "redis://127.0.0.1:6390/0: connection refused" : null,
        hint: i === 1 ? "start Redis, or point MYCA_REDIS_URL at a running one" : null,
      }));
      return { phase: "failed", steps };
    }
    const done = Math.min(STEP_NAMES.length, Math.floor(((Date.now() - startedAt) / STARTUP_MS) * STEP_NAMES.length));
    const steps: StartupStep[] = STEP_NAMES.map((name, i) => ({
      name,
      state: i < done ? "done" : i === done ? "running" : "pending",
      detail: null,
      hint: null,
    }));
    return { phase: done >= STEP_NAMES.length ? "ready" : "starting", steps };
  }

  const handlers: Record<string, (args: Args) => unknown> = {
    startup_state: startup,
    get_status: () => ({
      checked_at: new Date().toISOString(),
      docker: { endpoint: "/var/run/docker.sock", probe: { state: "up", latency_ms: 3, info: { version: "24.0.7", api_version: "1.43", os: "linux", arch: "amd64", containers: agentCount, containers_running: agentCount } } },
      redis: { endpoint: "redis://127.0.0.1:6390/0", probe: { state: "up", latency_ms: 0, info: { version: "7.0.15", ping: "PONG" } } },
      store: { endpoint: "postgres://myca:***@127.0.0.1:5440/myca", probe: { state: "up", latency_ms: 2, info: { backend: "postgres", migrations_applied: 4, migrations_available: 4, up_to_date: true } } },
    }),
    list_agents: () => agents,
    list_hosts: () =>
      [...new Set(agents.map((a) => a.host))].map((name) => ({
        name, address: name === "local" ? "unix:///var/run/docker.sock" : `ssh://ops@${name}:22`, enabled: true, labels: {},
        state: "up", engine: { docker_version: "24.0.7", os: "Debian GNU/Linux 12", cpus: 8, memory_bytes: 17_179_869_184 },
        running_agents: agents.filter((a) => a.host === name).length, broker: name,
      })),
    agents_action: (a) => (a.agentIds as string[]).map((id) => ({ agent_id: id, ok: true, message: "" })),
    scale_agent: (a) => agents.filter((x) => x.agent_id === a.agentId),
    agent_detail: (a) => {
      const agent = agents.find((x) => x.agent_id === a.agentId) ?? agents[0];
      return {
        agent,
        config: {
          agent_id: agent.agent_id, agent_type: agent.agent_type, category: agent.category, display_name: agent.agent_id, description: "", version: "1.0.0",
          cpu_limit: 0.5, memory_limit: 128, capabilities: ["echo"], dependencies: [], settings: { greeting: "hello" }, environment: { REGION: "eu", API_TOKEN: "***" },
          credentials: ["API_TOKEN"], max_concurrent_tasks: 5, task_timeout: 300, heartbeat_interval: 10, health_check_interval: 30, auto_restart: true, max_restarts: 3,
          requires_approval: false, image: null,
        },
        recent_actions: [{ id: 1, agent_id: agent.agent_id, timestamp: new Date().toISOString(), action_type: "spawned", input_summary: null, output_summary: "container started", success: true, duration_ms: 900, resources_used: null, related_agents: [] }],
        snapshots: [],
      };
    },
    agent_metrics: (a) =>
      Array.from({ length: 60 }, (_, i) => ({
        agent_id: a.agentId, timestamp: new Date(Date.now() - (60 - i) * 60_000).toISOString(), cpu_percent: 20 + 15 * Math.sin(i / 6), memory_mb: 90 + i,
        tasks_completed: i * 4 + (i % 5), tasks_failed: 0, avg_task_duration_ms: 120, messages_sent: 0, messages_received: 0, uptime_seconds: i * 60, error_count: 0,
      })),
    watch_fleet: (a) =>
      stream(100, () => {
        const batch: FleetEvent[] = Array.from({ length: eventsPerBatch }, () => {
          const agent = agents[Math.floor(Math.random() * agents.length)];
          return { type: "metrics", agent_id: agent.agent_id, cpu_percent: Math.random() * 90, memory_mb: 40 + Math.random() * 300, tasks: { completed: agent.tasks_completed, failed: agent.tasks_failed }, at: new Date().toISOString() };
        });
        (a.onEvents as Channel<FleetEvent[]>).onmessage(batch);
      }),
    follow_logs: (a) => {
      let n = 0;
      return stream(100, () => {
        const lines: LogLine[] = Array.from({ length: linesPerBatch }, () => {
          n++;
          const stderr = n % 9 === 0;
          return { stream: stderr ? "stderr" : "stdout", timestamp: new Date().toISOString(), text: stderr ? `\u001b[31mERROR\u001b[0m task ${n} failed: <payload.text> is empty` : n % 2 === 0 ? runtimeJsonLine(n) : `${ANSI[n % 3]} handled echo task ${n} in ${n % 50} ms` };
        });
        (a.onLines as Channel<LogLine[]>).onmessage(lines);
      });
    },
    unsubscribe: (a) => {
      clearInterval(streams.get(a.id as number));
      return streams.delete(a.id as number);
    },
    save_logs: (a) => ({ path: `/home/operator/Downloads/${a.agentId}.log`, lines: 12345 }),
    catalog: () => sampleCatalog,
    validate_spawn: (a) => {
      const request = a.request as SpawnRequest;
      return agents.some((x) => x.agent_id === request.agent_id) ? [{ field: "agent_id", message: `an agent named ${request.agent_id} exists` }] : [];
    },
    spawn_agent: (a) => {
      const request = a.request as SpawnRequest;
      const progress = a.onProgress as Channel<SpawnProgress[]>;
      const stages = ["validating", "image", "container", "heartbeat", "healthy"] as const;
      return new Promise((resolve) => {
        stages.forEach((stage, i) => setTimeout(() => progress.onmessage([{ stage, detail: stage === "image" ? "already on local" : "" }]), i * 400));
        setTimeout(() => {
          const spawned = { ...sampleAgents(1)[0], agent_id: request.agent_id, agent_type: request.agent_type, host: request.host ?? "local", status: "active" as const };
          agents.push(spawned);
          resolve([spawned]);
        }, stages.length * 400);
      });
    },
    list_tasks: (a) => {
      const query = a.query as { status?: string; agent_id?: string; cursor?: string };
      const all = sampleTasks(60, query.agent_id).filter((t) => !query.status || t.status === query.status);
      const start = Number(query.cursor ?? 0);
      return { items: all.slice(start, start + 25), next_cursor: start + 25 < all.length ? String(start + 25) : null };
    },
    submit_task: (a) => ({ ...sampleTasks(1)[0], ...(a.request as object), status: "queued" }),
    cancel_task: (a) => ({ ...sampleTasks(1)[0], id: a.taskId, status: "cancelled" }),
    retry_task: (a) => ({ ...sampleTasks(1)[0], id: `${String(a.taskId).slice(0, 8)}-retry` }),
    take_snapshot: (a) => ({ snapshot_id: 12, agent_id: a.agentId, reason: a.reason }),
    list_snapshots: (a) => ({
      items: [11, 10, 9].map((id) => ({ id, agent_id: a.agentId, snapshot_time: new Date(Date.now() - (12 - id) * 86_400_000).toISOString(), reason: id === 11 ? "before upgrade" : "nightly" })),
      next_before: null,
    }),
    restore_snapshot: (a) => ({
      agent: { agent_id: a.agentId ?? "test-agent-001", agent_type: "test-agent", category: "core", container_id: "c1", state: "running", port: null },
      requeued: ["t-1"], knowledge_restored: 4, conversation_restored: 2, secrets_to_provide: ["API_TOKEN"],
    }),
    topology: (a) => sampleTopology(agents, a.windowSeconds as number, topologyAgents),
    list_gaps: () => sampleGaps,
    fill_gap: (a) => ({ outcome: "awaiting_approval", approval: { ...sampleApprovals()[0], subject: a.agentId } }),
    list_approvals: sampleApprovals,
    decide_approval: (a) => (a.approve ? { outcome: "spawned", agent: { agent_id: "intrusion-watch", agent_type: "intrusion-watch", category: "security", container_id: "c9", state: "running", port: null } } : { outcome: "rejected", approval: { ...sampleApprovals()[0], status: "rejected", decided_by: a.by } }),
    audit: () => ({ items: sampleAudit(), next_before: 88 }),
  };

  mockIPC((command, payload) => {
    const handler = handlers[command];
    if (!handler) throw { kind: "internal", message: `the harness has no ${command}`, fields: [] };
    return handler((payload ?? {}) as Args);
  });
}
