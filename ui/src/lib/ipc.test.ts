// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import type { FleetEvent } from "../bindings/FleetEvent";
import { clearMocks, scriptIpc, settle } from "../test/ipcMock";
import * as ipc from "./ipc";

afterEach(() => clearMocks());

describe("ipc client", () => {
  it("calls each command with camelCase arguments", async () => {
    const mock = scriptIpc({
      agents_action: [],
      list_tasks: { items: [], next_cursor: null },
      restore_snapshot: {},
      decide_approval: {},
      fill_gap: {},
      topology: {},
      agent_metrics: [],
    });
    await ipc.agentsAction(["a1", "a2"], "stop");
    await ipc.listTasks({ status: "failed", agent_id: "a1", cursor: "c1" });
    await ipc.restoreSnapshot(7, null);
    await ipc.decideApproval("ap-1", false, "ana");
    await ipc.fillGap("gap-agent", "ana");
    await ipc.topology(300);
    await ipc.agentMetrics("a1", 60);
    expect(mock.calls).toEqual([
      { command: "agents_action", args: { agentIds: ["a1", "a2"], action: "stop" } },
      { command: "list_tasks", args: { query: { status: "failed", agent_id: "a1", cursor: "c1" } } },
      { command: "restore_snapshot", args: { snapshotId: 7, agentId: null } },
      { command: "decide_approval", args: { id: "ap-1", approve: false, by: "ana" } },
      { command: "fill_gap", args: { agentId: "gap-agent", by: "ana" } },
      { command: "topology", args: { windowSeconds: 300 } },
      { command: "agent_metrics", args: { agentId: "a1", minutes: 60 } },
    ]);
  });

  it("rejects with the DesktopError the command answered", async () => {
    scriptIpc({
      validate_spawn: () => {
        throw { kind: "invalid", message: "bad request", fields: [{ field: "agent_id", message: "taken" }] };
      },
    });
    await expect(ipc.validateSpawn({} as never)).rejects.toEqual({ kind: "invalid", message: "bad request", fields: [{ field: "agent_id", message: "taken" }] });
  });

  it("wraps any other failure as a DesktopError", async () => {
    scriptIpc({
      catalog: () => {
        throw "the webview lost its IPC";
      },
    });
    await expect(ipc.catalog()).rejects.toEqual({ kind: "internal", message: "the webview lost its IPC", fields: [] });
  });

  it("delivers channel batches and unsubscribes once on close", async () => {
    const mock = scriptIpc({ watch_fleet: 41, unsubscribe: null });
    const batches: FleetEvent[][] = [];
    const subscription = await ipc.watchFleet((batch) => batches.push(batch));
    mock.channel<FleetEvent[]>("watch_fleet", "onEvents").onmessage([{ lagged: 3 }]);
    await settle();
    expect(batches).toEqual([[{ lagged: 3 }]]);
    await subscription.close();
    await subscription.close();
    expect(mock.called("unsubscribe")).toEqual([{ command: "unsubscribe", args: { id: 41 } }]);
  });

  it("follows logs with the agent and tail, and passes spawn progress through its channel", async () => {
    const mock = scriptIpc({ follow_logs: 1, spawn_agent: [] });
    await ipc.followLogs("a1", 500, () => undefined);
    expect(mock.called("follow_logs")[0].args).toMatchObject({ agentId: "a1", tail: 500 });
    const progress: unknown[] = [];
    await ipc.spawnAgent({ agent_id: "a1" } as never, (p) => progress.push(p));
    mock.channel("spawn_agent", "onProgress").onmessage([{ stage: "image", detail: "" }]);
    expect(progress).toEqual([[{ stage: "image", detail: "" }]]);
  });
});
