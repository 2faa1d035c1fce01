/**
 * The window's only door to the orchestrator: one typed function per command
 * of docs/desktop-ipc.md. Nothing else calls `invoke` or creates a `Channel`.
 */
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ActionOutcome } from "../bindings/ActionOutcome";
import type { AgentDetail } from "../bindings/AgentDetail";
import type { Approval } from "../bindings/Approval";
import type { AgentMetrics } from "../bindings/AgentMetrics";
import type { ApprovalStatus } from "../bindings/ApprovalStatus";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { BulkAction } from "../bindings/BulkAction";
import type { CatalogEntry } from "../bindings/CatalogEntry";
import type { FieldError } from "../bindings/FieldError";
import type { Filled } from "../bindings/Filled";
import type { FleetAgent } from "../bindings/FleetAgent";
import type { AgentsOnRemoval } from "../bindings/AgentsOnRemoval";
import type { GeneratedKey } from "../bindings/GeneratedKey";
import type { HostDraft } from "../bindings/HostDraft";
import type { HostEntry } from "../bindings/HostEntry";
import type { HostReport } from "../bindings/HostReport";
import type { HostView } from "../bindings/HostView";
import type { JoinedHost } from "../bindings/JoinedHost";
import type { SshConfigEntry } from "../bindings/SshConfigEntry";
import type { FleetEvent } from "../bindings/FleetEvent";
import type { Gap } from "../bindings/Gap";
import type { LedgerEntry } from "../bindings/LedgerEntry";
import type { LogLine } from "../bindings/LogLine";
import type { Paged } from "../bindings/Paged";
import type { Restored } from "../bindings/Restored";
import type { SavedArtifact } from "../bindings/SavedArtifact";
import type { SavedLogs } from "../bindings/SavedLogs";
import type { SnapshotSummary } from "../bindings/SnapshotSummary";
import type { SnapshotTaken } from "../bindings/SnapshotTaken";
import type { SpawnProgress } from "../bindings/SpawnProgress";
import type { SpawnRequest } from "../bindings/SpawnRequest";
import type { Startup } from "../bindings/Startup";
import type { SystemStatus } from "../bindings/SystemStatus";
import type { TaskPage } from "../bindings/TaskPage";
import type { TaskRequest } from "../bindings/TaskRequest";
import type { TaskQuery } from "../bindings/TaskQuery";
import type { Topology } from "../bindings/Topology";
import { toDesktopError } from "./errors";

/** Every failure reaches callers as a `DesktopError`, whatever Tauri threw. */
export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toDesktopError(error);
  }
}

/** A live stream; `close()` tells the orchestrator to stop sending. */
export interface Subscription {
  close(): Promise<void>;
}

async function subscribe<T>(
  command: string,
  channelArg: string,
  onBatch: (batch: T) => void,
  args: Record<string, unknown> = {},
): Promise<Subscription> {
  const channel = new Channel<T>(onBatch);
  const id = await call<number>(command, { ...args, [channelArg]: channel });
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      // The view is going away: a stream that already ended is not an error.
      await unsubscribe(id).catch(() => undefined);
    },
  };
}

export const startupState = () => call<Startup>("startup_state");
export const getStatus = () => call<SystemStatus>("get_status");

export const listAgents = () => call<FleetAgent[]>("list_agents");
export const listHosts = () => call<HostView[]>("list_hosts");
export const hostEntries = () => call<HostEntry[]>("host_entries");
export const sshConfigEntries = () => call<SshConfigEntry[]>("ssh_config_entries");
export const generateHostKey = (name: string) => call<GeneratedKey>("generate_host_key", { name });
export const readHostKey = (draft: HostDraft) => call<string>("read_host_key", { draft });
export const testHost = (draft: HostDraft) => call<HostReport>("test_host", { draft });
export const saveHost = (draft: HostDraft) => call<JoinedHost>("save_host", { draft });
export const setHostEnabled = (name: string, enabled: boolean) => call<JoinedHost>("set_host_enabled", { name, enabled });
export const repinHostKey = (name: string, fingerprint: string) => call<JoinedHost>("repin_host_key", { name, fingerprint });
export const removeHost = (name: string, agents: AgentsOnRemoval) => call<string[]>("remove_host", { name, agents });
export const agentsAction = (agentIds: string[], action: BulkAction) =>
  call<ActionOutcome[]>("agents_action", { agentIds, action });
export const scaleAgent = (agentId: string, replicas: number) =>
  call<FleetAgent[]>("scale_agent", { agentId, replicas });
export const agentDetail = (agentId: string) => call<AgentDetail>("agent_detail", { agentId });
export const agentMetrics = (agentId: string, minutes: number) =>
  call<AgentMetrics[]>("agent_metrics", { agentId, minutes });
export const watchFleet = (onEvents: (batch: FleetEvent[]) => void) =>
  subscribe<FleetEvent[]>("watch_fleet", "onEvents", onEvents);
export const followLogs = (agentId: string, tail: number, onLines: (batch: LogLine[]) => void) =>
  subscribe<LogLine[]>("follow_logs", "onLines", onLines, { agentId, tail });
export const unsubscribe = (id: number) => call<boolean>("unsubscribe", { id });
export const saveLogs = (agentId: string) => call<SavedLogs>("save_logs", { agentId });
export const saveArtifact = (taskId: string, artifactId: string) =>
  call<SavedArtifact>("save_artifact", { taskId, artifactId });

export const catalog = () => call<CatalogEntry[]>("catalog");
export const validateSpawn = (request: SpawnRequest) => call<FieldError[]>("validate_spawn", { request });
export const spawnAgent = (request: SpawnRequest, onProgress: (steps: SpawnProgress[]) => void) =>
  call<FleetAgent[]>("spawn_agent", { request, onProgress: new Channel<SpawnProgress[]>(onProgress) });

export const listTasks = (query: TaskQuery = {}) => call<TaskPage>("list_tasks", { query });
/** Dead letters are the tasks whose retries ran out. */
export const deadLetters = (cursor?: string) => listTasks({ status: "dead_lettered", cursor });
export const submitTask = (request: TaskRequest) => call<LedgerEntry>("submit_task", { request });
export const cancelTask = (taskId: string) => call<LedgerEntry>("cancel_task", { taskId });
export const retryTask = (taskId: string) => call<LedgerEntry>("retry_task", { taskId });

export const takeSnapshot = (agentId: string, reason: string) =>
  call<SnapshotTaken>("take_snapshot", { agentId, reason });
export const listSnapshots = (agentId: string, cursor?: number) =>
  call<Paged<SnapshotSummary>>("list_snapshots", { agentId, cursor });
export const restoreSnapshot = (snapshotId: number, agentId: string | null) =>
  call<Restored>("restore_snapshot", { snapshotId, agentId });

export const topology = (windowSeconds: number) => call<Topology>("topology", { windowSeconds });
export const listGaps = () => call<Gap[]>("list_gaps");
export const fillGap = (agentId: string, by: string) => call<Filled>("fill_gap", { agentId, by });
export const listApprovals = (status?: ApprovalStatus) => call<Approval[]>("list_approvals", { status });
export const decideApproval = (id: string, approve: boolean, by: string) =>
  call<Filled>("decide_approval", { id, approve, by });
export const audit = (cursor?: number) => call<Paged<AuditEntry>>("audit", { cursor });
