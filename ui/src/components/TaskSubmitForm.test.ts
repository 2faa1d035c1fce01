// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { toasts } from "../lib/toasts.svelte";
import { task, testKind } from "../test/fixtures";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import TaskSubmitForm from "./TaskSubmitForm.svelte";

const view = mountedPerTest();

describe("TaskSubmitForm", () => {
  it("refuses a payload that breaks the task type's schema, naming the field", async () => {
    const ipc = scriptIpc({});
    view.open(TaskSubmitForm, { agentId: "a1", taskTypes: testKind.task_types, onSubmitted: vi.fn() });
    await settle();
    typeInto(byTestId(view.target, "task-payload"), '{"times": 2}');
    byTestId(view.target, "task-submit").click();
    await settle();
    expect(byTestId(view.target, "task-payload-error").textContent).toMatch(/^text: .*required/);
    expect(ipc.calls).toEqual([]);
  });

  it("submits a valid payload to this agent", async () => {
    const ipc = scriptIpc({ submit_task: task("t-1") });
    const onSubmitted = vi.fn();
    view.open(TaskSubmitForm, { agentId: "a1", taskTypes: testKind.task_types, onSubmitted });
    await settle();
    typeInto(byTestId(view.target, "task-payload"), '{"text": "hi"}');
    byTestId(view.target, "task-submit").click();
    await settle();
    expect(ipc.called("submit_task")[0].args).toEqual({ request: { agent_id: "a1", task_type: "echo", payload: { text: "hi" } } });
    expect(onSubmitted).toHaveBeenCalled();
    expect(toasts.items[0].text).toBe("Submitted echo as task t-1");
  });
});
