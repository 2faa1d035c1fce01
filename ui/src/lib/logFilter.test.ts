import { describe, expect, it } from "vitest";
import type { LogLine } from "../bindings/LogLine";
import { LogBuffer } from "./logBuffer";
import { compileFilter, FilteredLog } from "./logFilter";

const lines = (...texts: string[]): LogLine[] => texts.map((text) => ({ timestamp: null, stream: "stdout", text }));

describe("LogBuffer", () => {
  it("keeps at most its capacity, the newest lines, numbered in order", () => {
    const buffer = new LogBuffer(3);
    buffer.push(lines("a", "b"));
    buffer.push(lines("c", "d", "e"));
    expect(buffer.length).toBe(3);
    expect(buffer.lines().map((l) => l.text)).toEqual(["c", "d", "e"]);
    expect(buffer.oldestSeq).toBe(2);
    expect(buffer.received).toBe(5);
  });

  it("stays bounded at 100,000 lines after 300,000", () => {
    const buffer = new LogBuffer();
    for (let i = 0; i < 300; i++) buffer.push(lines(...Array.from({ length: 1000 }, (_, j) => `line ${j}`)));
    expect(buffer.length).toBe(100_000);
    expect(buffer.received).toBe(300_000);
    expect(buffer.lines()[0].seq).toBe(200_000);
  });

  it("keeps only the tail of a batch larger than the buffer", () => {
    const buffer = new LogBuffer(2);
    const kept = buffer.push(lines("a", "b", "c"));
    expect(kept.map((l) => l.text)).toEqual(["b", "c"]);
    expect(buffer.lines().map((l) => l.text)).toEqual(["b", "c"]);
  });
});

describe("compileFilter", () => {
  it("matches plain text case-insensitively", () => {
    const filter = compileFilter({ text: "Error", regex: false });
    expect(filter.matches("an ERROR here")).toBe(true);
    expect(filter.matches("fine")).toBe(false);
    expect(filter.error).toBeNull();
  });

  it("treats regex characters literally unless regex is on", () => {
    expect(compileFilter({ text: "a.c", regex: false }).matches("abc")).toBe(false);
    expect(compileFilter({ text: "a.c", regex: true }).matches("abc")).toBe(true);
  });

  it("reports an invalid expression and hides nothing", () => {
    const filter = compileFilter({ text: "([", regex: true });
    expect(filter.error).toMatch(/^invalid regular expression: /);
    expect(filter.active).toBe(false);
    expect(filter.matches("anything")).toBe(true);
  });
});

describe("FilteredLog", () => {
  it("hides non-matching lines, including lines that arrive later", () => {
    const log = new FilteredLog(100);
    log.push(lines("GET /a 200", "GET /b 500", "boot"));
    log.setFilter({ text: "GET", regex: false });
    expect(log.visible().map((l) => l.text)).toEqual(["GET /a 200", "GET /b 500"]);
    log.push(lines("noise", "GET /c 200"));
    expect(log.visible().map((l) => l.text)).toEqual(["GET /a 200", "GET /b 500", "GET /c 200"]);
    log.setFilter({ text: "", regex: false });
    expect(log.visibleCount).toBe(5);
  });

  it("drops evicted lines from the filtered view too", () => {
    const log = new FilteredLog(3);
    log.setFilter({ text: "x", regex: false });
    log.push(lines("x1", "y", "x2"));
    log.push(lines("y", "y"));
    expect(log.visible().map((l) => l.text)).toEqual(["x2"]);
    log.push(lines("y"));
    expect(log.visible()).toEqual([]);
  });

  it("hands out a window onto the kept lines, and a snapshot that stays as it was", () => {
    const log = new FilteredLog(4);
    log.push(lines("a", "b", "c"));
    const before = log.visible();
    const paused = log.snapshot();
    log.push(lines("d", "e"));
    expect(before.length).toBe(3);
    expect([...before].map((l) => l.text)).toEqual(["b", "c", "d"]);
    expect(paused.map((l) => l.text)).toEqual(["a", "b", "c"]);
    const after = log.visible();
    expect(after.length).toBe(4);
    expect(after[0].text).toBe("b");
    expect(after[4]).toBeUndefined();
    expect(after.map((l) => l.text)).toEqual(["b", "c", "d", "e"]);
  });

  it("keeps a filtered window intact when its array is compacted", () => {
    const log = new FilteredLog(2);
    log.setFilter({ text: "x", regex: false });
    log.push(lines("x1", "x2"));
    const before = log.visible();
    log.push(lines("x3", "x4", "x5"));
    expect(before.map((l) => l.text)).toEqual(["x1", "x2"]);
    expect(log.visible().map((l) => l.text)).toEqual(["x4", "x5"]);
    expect(log.snapshot().map((l) => l.text)).toEqual(["x4", "x5"]);
  });

  it("numbers the lines it is handed in place instead of copying them", () => {
    const log = new FilteredLog(10);
    const batch = lines("a");
    log.push(batch);
    expect(log.visible()[0]).toBe(batch[0]);
  });

  it("keeps showing everything while the expression is invalid", () => {
    const log = new FilteredLog(10);
    log.push(lines("a", "b"));
    expect(log.setFilter({ text: "*", regex: true }).error).not.toBeNull();
    expect(log.visibleCount).toBe(2);
  });
});
