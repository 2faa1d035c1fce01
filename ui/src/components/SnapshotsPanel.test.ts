// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { confirmState } from "../lib/confirm.svelte";

import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import SnapshotsPanel from "./SnapshotsPanel.svelte";

const view = mountedPerTest();

const snapshot = { id: 7, agent_id: "a1", snapshot_time: "2026-11-25T10:00:00Z", reason: "before upgrade" };

function script() {
  return scriptIpc({
    list_snapshots: { items: [snapshot], next_before: null },
    take_snapshot: { snapshot_id: 8, agent_id: "a1", reason: "nightly" },
    restore_snapshot: (args: Record<string, unknown>) => ({
      agent: { agent_id: (args.agentId as string | null) ?? "a1", agent_type: "test-agent", category: "core", container_id: "c", state: "running", port: null },
      requeued: [],
      knowledge_restored: 3,
      conversation_restored: 0,
      secrets_to_provide: ["API_TOKEN"],
    }),
  });
}

describe("SnapshotsPanel", () => {
  it("takes a snapshot with the reason given", async () => {
    const ipc = script();
    view.open(SnapshotsPanel, { agentId: "a1" });
    await settle();
    typeInto(byTestId(view.target, "snapshot-reason"), "nightly");
    byTestId(view.target, "snapshot-take").click();
    await settle();
    expect(ipc.called("take_snapshot")[0].args).toEqual({ agentId: "a1", reason: "nightly" });
    expect(ipc.called("list_snapshots")).toHaveLength(2);
  });

  it("restores under a new id without asking and shows the credentials to provide", async () => {
    const ipc = script();
    view.open(SnapshotsPanel, { agentId: "a1" });
    await settle();
    typeInto(byTestId(view.target, "snapshot-new-id-7"), "a1-copy");
    byTestId(view.target, "snapshot-restore-7").click();
    await settle();
    expect(ipc.called("restore_snapshot")[0].args).toEqual({ snapshotId: 7, agentId: "a1-copy" });
    expect(byTestId(view.target, "restore-result").textContent).toContain("Restored as a1-copy. Provide this credential again: API_TOKEN.");
  });

  it("asks before restoring over the existing agent", async () => {
    const ipc = script();
    view.open(SnapshotsPanel, { agentId: "a1" });
    await settle();
    byTestId(view.target, "snapshot-restore-7").click();
    await settle();
    expect(confirmState.request?.title).toBe("Restore a1 from snapshot 7?");
    expect(ipc.called("restore_snapshot")).toEqual([]);
    confirmState.answer(true);
    await settle();
    expect(ipc.called("restore_snapshot")[0].args).toEqual({ snapshotId: 7, agentId: null });
  });
});
