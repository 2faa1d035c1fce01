import { describe, expect, it } from "vitest";
import { agent } from "../test/fixtures";
import { buildRows, countByStatus, distinct, EMPTY_FILTER, matchesFilter, sortAgents, toggleSort } from "./fleetTable";

const fleet = [
  agent("web-2", { host: "vm-b", category: "data", status: "error", cpu_percent: 50, agent_type: "scraper" }),
  agent("web-1", { host: "vm-a", category: "data", cpu_percent: 5 }),
  agent("core-1", { host: "vm-a", category: "core", cpu_percent: null, status: "idle" }),
];

describe("filtering", () => {
  it("matches text in id, kind, category, host and status, case-insensitively", () => {
    const ids = (text: string) => fleet.filter((a) => matchesFilter(a, { ...EMPTY_FILTER, text })).map((a) => a.agent_id);
    expect(ids("WEB")).toEqual(["web-2", "web-1"]);
    expect(ids("scrap")).toEqual(["web-2"]);
    expect(ids("vm-a")).toEqual(["web-1", "core-1"]);
    expect(ids("nothing")).toEqual([]);
  });

  it("combines status, host and category", () => {
    const only = (f: Partial<typeof EMPTY_FILTER>) =>
      fleet.filter((a) => matchesFilter(a, { ...EMPTY_FILTER, ...f })).map((a) => a.agent_id);
    expect(only({ status: "error" })).toEqual(["web-2"]);
    expect(only({ host: "vm-a", category: "data" })).toEqual(["web-1"]);
    expect(only({ host: "vm-a", status: "error" })).toEqual([]);
  });
});

describe("sorting", () => {
  it("sorts numbers numerically, unknown values last in both directions", () => {
    const up = sortAgents(fleet, { key: "cpu_percent", descending: false }).map((a) => a.agent_id);
    const down = sortAgents(fleet, { key: "cpu_percent", descending: true }).map((a) => a.agent_id);
    expect(up).toEqual(["web-1", "web-2", "core-1"]);
    expect(down).toEqual(["web-2", "web-1", "core-1"]);
  });

  it("sorts text and flips on a second click", () => {
    expect(sortAgents(fleet, { key: "agent_id", descending: false }).map((a) => a.agent_id)).toEqual(["core-1", "web-1", "web-2"]);
    const order = toggleSort({ key: "agent_id", descending: false }, "agent_id");
    expect(order).toEqual({ key: "agent_id", descending: true });
    expect(toggleSort(order, "host")).toEqual({ key: "host", descending: false });
  });

  it("does not reorder its input", () => {
    const copy = [...fleet];
    sortAgents(fleet, { key: "agent_id", descending: false });
    expect(fleet).toEqual(copy);
  });
});

describe("grouping and counting", () => {
  it("groups by host with a header per group, groups in name order", () => {
    const rows = buildRows(fleet, EMPTY_FILTER, { key: "agent_id", descending: false }, "host");
    expect(rows.map((r) => (r.type === "group" ? `[${r.label} ${r.count}]` : r.agent.agent_id))).toEqual([
      "[vm-a 2]",
      "core-1",
      "web-1",
      "[vm-b 1]",
      "web-2",
    ]);
  });

  it("groups the filtered rows only", () => {
    const rows = buildRows(fleet, { ...EMPTY_FILTER, status: "error" }, { key: "agent_id", descending: false }, "category");
    expect(rows.map((r) => r.key)).toEqual(["group:data", "web-2"]);
  });

  it("counts per status and lists distinct hosts", () => {
    expect(Object.fromEntries(countByStatus(fleet))).toEqual({ error: 1, active: 1, idle: 1 });
    expect(distinct(fleet, "host")).toEqual(["vm-a", "vm-b"]);
  });

  it("builds 1,000 rows with a filter, a sort and a grouping", () => {
    const many = Array.from({ length: 1000 }, (_, i) => agent(`a-${i}`, { host: `h${i % 7}`, cpu_percent: i % 100 }));
    const rows = buildRows(many, { ...EMPTY_FILTER, text: "a-" }, { key: "cpu_percent", descending: true }, "host");
    expect(rows.filter((r) => r.type === "group")).toHaveLength(7);
    expect(rows.filter((r) => r.type === "agent")).toHaveLength(1000);
  });
});
