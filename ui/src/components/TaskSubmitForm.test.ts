// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { mount, unmount } from "svelte";
import { toasts } from "../lib/toasts.svelte";
import { task, testKind } from "../test/fixtures";
import { byTestId, clearMocks, scriptIpc, settle, typeInto } from "../test/ipcMock";
import TaskSubmitForm from "./TaskSubmitForm.svelte";

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
});

describe("TaskSubmitForm", () => {
  it("refuses a payload that breaks the task type's schema, naming the field", async () => {
    const ipc = scriptIpc({});
    component = mount(TaskSubmitForm, { target, props: { agentId: "a1", taskTypes: testKind.task_types, onSubmitted: vi.fn() } });
    await settle();
    typeInto(byTestId(target, "task-payload"), '{"times": 2}');
    byTestId(target, "task-submit").click();
    await settle();
    expect(byTestId(target, "task-payload-error").textContent).toMatch(/^text: .*required/);
    expect(ipc.calls).toEqual([]);
  });

  it("submits a valid payload to this agent", async () => {
    const ipc = scriptIpc({ submit_task: task("t-1") });
    const onSubmitted = vi.fn();
    component = mount(TaskSubmitForm, { target, props: { agentId: "a1", taskTypes: testKind.task_types, onSubmitted } });
    await settle();
    typeInto(byTestId(target, "task-payload"), '{"text": "hi"}');
    byTestId(target, "task-submit").click();
    await settle();
    expect(ipc.called("submit_task")[0].args).toEqual({ request: { agent_id: "a1", task_type: "echo", payload: { text: "hi" } } });
    expect(onSubmitted).toHaveBeenCalled();
    expect(toasts.items[0].text).toBe("Submitted echo as task t-1");
  });
});
