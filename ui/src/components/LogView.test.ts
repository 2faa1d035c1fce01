// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import type { LogLine } from "../bindings/LogLine";

import { byTestId, scriptIpc, settle, typeInto } from "../test/ipcMock";
import { mountedPerTest } from "../test/mounted";
import LogView from "./LogView.svelte";

const view = mountedPerTest();

const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
const texts = () => [...view.target.querySelectorAll(".log-text")].map((e) => e.textContent);

async function open() {
  const ipc = scriptIpc({ follow_logs: 3, unsubscribe: null, save_logs: { path: "/home/ops/Downloads/a1.log", lines: 1234 } });
  view.open(LogView, { agentId: "a1" });
  await settle();
  const send = async (lines: LogLine[]) => {
    ipc.channel<LogLine[]>("follow_logs", "onLines").onmessage(lines);
    await frame();
    await settle();
  };
  return { ipc, send };
}

describe("LogView", () => {
  it("follows the agent's log and marks stderr lines", async () => {
    const { ipc, send } = await open();
    expect(ipc.called("follow_logs")[0].args).toMatchObject({ agentId: "a1", tail: 1000 });
    await send([
      { timestamp: "2026-11-25T10:00:00.123Z", stream: "stdout", text: "started" },
      { timestamp: null, stream: "stderr", text: "warning: slow" },
    ]);
    expect(texts()).toEqual(["started", "warning: slow"]);
    expect(view.target.querySelectorAll(".log-line.stderr")).toHaveLength(1);
    expect(view.target.querySelector(".log-time")?.textContent).toBe("10:00:00.123");
  });

  it("renders ANSI colours but never markup from the log", async () => {
    const { send } = await open();
    await send([{ timestamp: null, stream: "stdout", text: '\u001b[31mred\u001b[0m <img src=x onerror="alert(1)">' }]);
    expect(view.target.querySelector(".log-text img")).toBeNull();
    expect(view.target.querySelector(".log-text span")?.getAttribute("style")).toContain("color");
    expect(texts()[0]).toBe('red <img src=x onerror="alert(1)">');
  });

  it("hides lines that do not match the filter, and says when a regex is invalid", async () => {
    const { send } = await open();
    await send(["GET /a", "POST /b", "GET /c"].map((text) => ({ timestamp: null, stream: "stdout" as const, text })));
    typeInto(byTestId(view.target, "logs-filter"), "get");
    await settle();
    expect(texts()).toEqual(["GET /a", "GET /c"]);
    const regex = byTestId(view.target, "logs-regex") as HTMLInputElement;
    regex.click();
    typeInto(byTestId(view.target, "logs-filter"), "(unclosed");
    await settle();
    expect(byTestId(view.target, "logs-filter-error").textContent).toMatch(/^invalid regular expression/);
    expect(texts()).toHaveLength(3);
  });

  it("holds new lines while paused and shows them on resume", async () => {
    const { send } = await open();
    byTestId(view.target, "logs-pause").click();
    await settle();
    await send([{ timestamp: null, stream: "stdout", text: "while paused" }]);
    expect(texts()).toEqual([]);
    byTestId(view.target, "logs-pause").click();
    await frame();
    await settle();
    expect(texts()).toEqual(["while paused"]);
  });

  it("keeps what was shown when paused, even as the buffer overwrites it", async () => {
    const { send } = await open();
    await send([{ timestamp: null, stream: "stdout", text: "before pause" }]);
    byTestId(view.target, "logs-pause").click();
    await settle();
    await send([{ timestamp: null, stream: "stdout", text: "while paused" }]);
    expect(texts()).toEqual(["before pause"]);
  });

  it("draws the runtime's JSON lines as time, level, message and fields, filtering on the raw text", async () => {
    const { send } = await open();
    const raw = '{"timestamp":"2026-11-25T17:18:09.676485Z","level":"INFO","fields":{"message":"task finished","task_id":"09f6"},"target":"myca_agents::runtime"}';
    await send([
      { timestamp: null, stream: "stdout", text: raw },
      { timestamp: null, stream: "stdout", text: "plain line" },
    ]);
    const line = view.target.querySelector(".log-text.structured") as HTMLElement;
    expect(line.querySelector(".log-level")?.textContent).toBe("INFO");
    expect(line.querySelector(".log-message")?.textContent).toBe("task finished");
    expect([...line.querySelectorAll(".log-field")].map((f) => f.textContent)).toEqual(["task_id=09f6", "target=myca_agents::runtime"]);
    expect(line.title).toBe(raw);
    expect(view.target.querySelector(".log-time")?.textContent).toBe("17:18:09.676");

    typeInto(byTestId(view.target, "logs-filter"), '"level":"INFO"');
    await settle();
    expect(view.target.querySelectorAll(".log-line")).toHaveLength(1);

    (byTestId(view.target, "logs-structured") as HTMLInputElement).click();
    await settle();
    expect(texts()).toEqual([raw]);
  });

  it("wraps long lines by default, and cuts them on request", async () => {
    await open();
    const lines = byTestId(view.target, "log-lines");
    expect(lines.classList.contains("wrap")).toBe(true);
    (byTestId(view.target, "logs-wrap") as HTMLInputElement).click();
    await settle();
    expect(lines.classList.contains("wrap")).toBe(false);
  });

  it("hides timestamps on request", async () => {
    const { send } = await open();
    await send([{ timestamp: "2026-11-25T10:00:00.123Z", stream: "stdout", text: "x" }]);
    (byTestId(view.target, "logs-timestamps") as HTMLInputElement).click();
    await settle();
    expect(view.target.querySelector(".log-time")).toBeNull();
  });

  it("clears the view and keeps following", async () => {
    const { send } = await open();
    await send([{ timestamp: null, stream: "stdout", text: "old" }]);
    byTestId(view.target, "logs-clear").click();
    await settle();
    expect(texts()).toEqual([]);
    await send([{ timestamp: null, stream: "stdout", text: "new" }]);
    expect(texts()).toEqual(["new"]);
  });

  it("downloads the whole log and shows where it went", async () => {
    const { ipc } = await open();
    byTestId(view.target, "logs-download").click();
    await settle();
    expect(ipc.called("save_logs")[0].args).toEqual({ agentId: "a1" });
    expect(byTestId(view.target, "logs-saved-path").textContent).toContain("/home/ops/Downloads/a1.log");
  });

  it("unsubscribes when closed", async () => {
    const { ipc } = await open();
    view.close();
    await settle();
    expect(ipc.called("unsubscribe")[0].args).toEqual({ id: 3 });
  });
});
