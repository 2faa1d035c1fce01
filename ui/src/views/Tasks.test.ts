// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { confirmState } from "../lib/confirm.svelte";
import { toasts } from "../lib/toasts.svelte";
import { task } from "../test/fixtures";
import { byTestId, scriptIpc, settle } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Tasks from "./Tasks.svelte";

const view = mountedPerTest();

function script() {
  return scriptIpc({
    list_tasks: (args: Record<string, unknown>) => {
      const query = args.query as { status?: string; cursor?: string };
      if (query.status === "dead_lettered") return { items: [task("dead-1", { status: "dead_lettered", error: "no agent" })], next_cursor: null };
      if (query.cursor === "page-2") return { items: [task("t-3", { status: "completed", result: { ok: true } })], next_cursor: null };
      return { items: [task("t-1"), task("t-2", { status: "failed", retries: 3, error: "boom" })], next_cursor: "page-2" };
    },
    cancel_task: task("t-1", { status: "cancelled" }),
    retry_task: task("t-9"),
  });
}

const rows = () => [...view.target.querySelectorAll('[data-testid^="task-row-"]')].map((r) => r.getAttribute("data-testid"));

describe("Tasks view", () => {
  it("lists tasks with retries and results, and loads the next page by cursor", async () => {
    const ipc = script();
    view.open(Tasks);
    await settle();
    expect(rows()).toEqual(["task-row-t-1", "task-row-t-2"]);
    expect(byTestId(view.target, "task-row-t-2").textContent).toContain("3/3");
    expect(byTestId(view.target, "task-result-t-2").textContent).toBe("boom");
    byTestId(view.target, "tasks-load-more").click();
    await settle();
    expect(ipc.called("list_tasks")[1].args).toEqual({ query: { status: undefined, cursor: "page-2" } });
    expect(rows()).toEqual(["task-row-t-1", "task-row-t-2", "task-row-t-3"]);
    expect(view.target.querySelector('[data-testid="tasks-load-more"]')).toBeNull();
  });

  it("filters by status", async () => {
    const ipc = script();
    view.open(Tasks);
    await settle();
    const status = byTestId(view.target, "tasks-filter-status") as HTMLSelectElement;
    status.value = "failed";
    status.dispatchEvent(new Event("change", { bubbles: true }));
    await settle();
    expect(ipc.called("list_tasks").at(-1)?.args).toEqual({ query: { status: "failed", cursor: undefined } });
  });

  it("shows dead letters on their tab", async () => {
    script();
    view.open(Tasks);
    await settle();
    byTestId(view.target, "tasks-tab-dead").click();
    await settle();
    expect(rows()).toEqual(["task-row-dead-1"]);
    expect(byTestId(view.target, "task-retry-dead-1")).toBeTruthy();
  });

  it("retries a failed task and cancels a queued one after confirmation", async () => {
    const ipc = script();
    view.open(Tasks);
    await settle();
    byTestId(view.target, "task-retry-t-2").click();
    await settle();
    expect(ipc.called("retry_task")[0].args).toEqual({ taskId: "t-2" });
    expect(toasts.items[0].text).toBe("Retried echo as task t-9");

    byTestId(view.target, "task-cancel-t-1").click();
    await settle();
    expect(ipc.called("cancel_task")).toEqual([]);
    confirmState.answer(true);
    await settle();
    expect(ipc.called("cancel_task")[0].args).toEqual({ taskId: "t-1" });
  });
});
