// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";

import { task, testKind } from "../test/fixtures";
import { byTestId, scriptIpc } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import AgentTasks from "./AgentTasks.svelte";

const view = mountedPerTest();
afterEach(() => vi.useRealTimers());

describe("AgentTasks", () => {
  it("lists this agent's tasks and fetches them again until the unfinished one has its result", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pages = [
      [task("t-1", { status: "running" })],
      [task("t-1", { status: "completed", result: { echo: "hi" } })],
    ];
    const ipc = scriptIpc({ list_tasks: () => ({ items: pages.shift() ?? [], next_cursor: null }) });
    view.open(AgentTasks, { agentId: "a1", taskTypes: testKind.task_types });
    await vi.advanceTimersByTimeAsync(0);
    expect(ipc.called("list_tasks")[0].args).toEqual({ query: { agent_id: "a1", cursor: undefined } });
    expect(byTestId(view.target, "task-row-t-1").dataset.status).toBe("running");
    await vi.advanceTimersByTimeAsync(2000);
    expect(byTestId(view.target, "task-result-t-1").textContent).toBe('{"echo":"hi"}');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.called("list_tasks")).toHaveLength(2);
  });

  it("stops following when closed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const ipc = scriptIpc({ list_tasks: { items: [task("t-1", { status: "queued" })], next_cursor: null } });
    view.open(AgentTasks, { agentId: "a1", taskTypes: [] });
    await vi.advanceTimersByTimeAsync(0);
    view.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.called("list_tasks")).toHaveLength(1);
  });
});
