// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import type { Approval } from "../bindings/Approval";
import type { Gap } from "../bindings/Gap";
import { confirmState } from "../lib/confirm.svelte";
import { toasts } from "../lib/toasts.svelte";
import { refusal } from "../test/fixtures";
import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import Gaps from "./Gaps.svelte";

const view = mountedPerTest();
beforeEach(() => localStorage.clear());

const gap: Gap = {
  gap_type: "category",
  category: "security",
  agent_id: "sec-watch",
  agent_type: "security-monitor",
  severity: "critical",
  reason: "security requires sec-watch",
  suggested_template: "security-monitor",
  requires_approval: true,
};

const pending: Approval = {
  id: "ap-1",
  kind: "spawn_agent",
  subject: "sec-watch",
  request: {},
  status: "pending",
  requested_at: "2026-11-25T10:00:00Z",
  decided_by: null,
  decided_at: null,
  comment: null,
};

function script() {
  return scriptIpc({
    list_gaps: [gap],
    list_approvals: [pending],
    audit: {
      items: [
        { id: 2, at: "2026-11-25T11:00:00Z", actor: "ceo-1", action: "decision_refused", subject: "t-9", detail: refusal },
        { id: 1, at: "2026-11-25T10:00:00Z", actor: "ana", action: "fill_gap", subject: "sec-watch", detail: null },
      ],
      next_before: 2,
    },
    fill_gap: { outcome: "awaiting_approval", approval: pending },
    decide_approval: (args: Record<string, unknown>) =>
      args.approve
        ? { outcome: "spawned", agent: { agent_id: "sec-watch", agent_type: "security-monitor", category: "security", container_id: "c", state: "running", port: null } }
        : { outcome: "rejected", approval: { ...pending, status: "rejected", decided_by: args.by } },
  });
}

describe("Gaps & approvals view", () => {
  it("lists gaps, approvals and the audit trail", async () => {
    script();
    view.open(Gaps);
    await settle();
    expect(byTestId(view.target, "gap-row-sec-watch").textContent).toContain("critical");
    expect(byTestId(view.target, "gap-row-sec-watch").textContent).toContain("security-monitor");
    expect(byTestId(view.target, "approval-approve-ap-1")).toBeTruthy();
    expect(byTestId(view.target, "audit-table").textContent).toContain("fill_gap");
    expect(byTestId(view.target, "audit-load-more")).toBeTruthy();
  });

  it("shows the agents' decisions with the rule that decided and who asked", async () => {
    script();
    view.open(Gaps);
    await settle();
    const row = byTestId(view.target, "decision-row-t-9");
    expect(row.dataset.approved).toBe("false");
    for (const text of ["refused", "ceo-1", "ops-1", "buy_servers · 50,000", "amount_limit", "exceeds the auto-approval limit"]) {
      expect(row.textContent).toContain(text);
    }
    expect(byTestId(view.target, "decision-table").querySelectorAll("tbody tr")).toHaveLength(1);
  });

  it("fills a gap as the operator named in 'acting as', and remembers the name", async () => {
    const ipc = script();
    view.open(Gaps);
    await settle();
    typeInto(byTestId(view.target, "acting-as"), "ana");
    byTestId(view.target, "gap-fill-sec-watch").click();
    await settle();
    expect(ipc.called("fill_gap").map((c) => c.args)).toEqual([{ agentId: "sec-watch", by: "ana" }]);
    expect(localStorage.getItem("myca.operator")).toBe("ana");
    expect(toasts.items.map((t) => t.text)).toContain("Approval requested: spawn_agent sec-watch");
  });

  it("refuses to act without a name", async () => {
    const ipc = script();
    view.open(Gaps);
    await settle();
    byTestId(view.target, "gap-fill-sec-watch").click();
    await settle();
    expect(ipc.called("fill_gap")).toEqual([]);
    expect(toasts.items[0]).toMatchObject({ kind: "error" });
  });

  it("approves at once and rejects only after confirmation", async () => {
    localStorage.setItem("myca.operator", "bo");
    const ipc = script();
    view.open(Gaps);
    await settle();
    byTestId(view.target, "approval-approve-ap-1").click();
    await settle();
    expect(ipc.called("decide_approval").map((c) => c.args)).toEqual([{ id: "ap-1", approve: true, by: "bo" }]);
    expect(toasts.items.map((t) => t.text)).toContain("Spawned sec-watch");

    byTestId(view.target, "approval-reject-ap-1").click();
    await settle();
    expect(confirmState.request?.confirmLabel).toBe("Reject");
    expect(ipc.called("decide_approval")).toHaveLength(1);
    confirmState.answer(true);
    await settle();
    expect(ipc.called("decide_approval").map((c) => c.args)[1]).toEqual({ id: "ap-1", approve: false, by: "bo" });
    expect(toasts.items.map((t) => t.text)).toContain("Rejected: spawn_agent sec-watch by bo");
  });

  it("does not reject when the operator declines", async () => {
    localStorage.setItem("myca.operator", "bo");
    const ipc = script();
    view.open(Gaps);
    await settle();
    byTestId(view.target, "approval-reject-ap-1").click();
    await settle();
    confirmState.answer(false);
    await settle();
    expect(ipc.called("decide_approval")).toEqual([]);
  });
});
