// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mount, unmount } from "svelte";
import { toasts } from "../lib/toasts.svelte";
import { task, testKind } from "../test/fixtures";
import { byTestId, clearMocks, scriptIpc } from "../test/ipcMock";
import AgentTasks from "./AgentTasks.svelte";

let target: HTMLElement;
let component: ReturnType<typeof mount> | null = null;
beforeEach(() => {
  toasts.items = [];
  target = document.body.appendChild(document.createElement("div"));
});
afterEach(() => {
  if (component) unmount(component);
  component = null;
  target.remove();
  clearMocks();
  vi.useRealTimers();
});

describe("AgentTasks", () => {
  it("lists this agent's tasks and fetches them again until the unfinished one has its result", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const pages = [
      [task("t-1", { status: "running" })],
      [task("t-1", { status: "completed", result: { echo: "hi" } })],
    ];
    const ipc = scriptIpc({ list_tasks: () => ({ items: pages.shift() ?? [], next_cursor: null }) });
    component = mount(AgentTasks, { target, props: { agentId: "a1", taskTypes: testKind.task_types } });
    await vi.advanceTimersByTimeAsync(0);
    expect(ipc.called("list_tasks")[0].args).toEqual({ query: { agent_id: "a1", cursor: undefined } });
    expect(byTestId(target, "task-row-t-1").dataset.status).toBe("running");
    await vi.advanceTimersByTimeAsync(2000);
    expect(byTestId(target, "task-result-t-1").textContent).toBe('{"echo":"hi"}');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.called("list_tasks")).toHaveLength(2);
  });

  it("stops following when closed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const ipc = scriptIpc({ list_tasks: { items: [task("t-1", { status: "queued" })], next_cursor: null } });
    component = mount(AgentTasks, { target, props: { agentId: "a1", taskTypes: [] } });
    await vi.advanceTimersByTimeAsync(0);
    unmount(component);
    component = null;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ipc.called("list_tasks")).toHaveLength(1);
  });
});
