import { describe, expect, it } from "vitest";
import type { AgentMetrics } from "../bindings/AgentMetrics";
import { MetricsSeries, axisClocks, emptyChartMessage, pointCounts } from "./metricsSeries";

const point = (minute: number, cpu: number, tasks: number): AgentMetrics => ({
  agent_id: "a1",
  timestamp: new Date(Date.UTC(2026, 10, 25, 10, minute)).toISOString(),
  cpu_percent: cpu,
  memory_mb: 100 + minute,
  tasks_completed: tasks,
  tasks_failed: 0,
  avg_task_duration_ms: 0,
  messages_sent: 0,
  messages_received: 0,
  uptime_seconds: 0,
  error_count: 0,
});

describe("MetricsSeries", () => {
  it("turns history into uPlot columns with tasks per minute from the counter", () => {
    const series = new MetricsSeries([point(0, 1, 10), point(1, 2, 16), point(3, 3, 20)]).series();
    expect(series.at).toEqual([0, 1, 3].map((m) => Date.UTC(2026, 10, 25, 10, m) / 1000));
    expect(series.cpu).toEqual([1, 2, 3]);
    expect(series.memory).toEqual([100, 101, 103]);
    expect(series.tasksPerMinute).toEqual([null, 6, 2]);
  });

  it("never reports a negative rate after a restart resets the counter", () => {
    expect(new MetricsSeries([point(0, 1, 50), point(1, 1, 2)]).series().tasksPerMinute).toEqual([null, 0]);
  });

  it("appends live samples with their heartbeat's task counter, and keeps one hour", () => {
    const series = new MetricsSeries([point(0, 1, 10)]);
    series.addSample(new Date(Date.UTC(2026, 10, 25, 10, 2)).toISOString(), 9, 50, 12);
    let data = series.series();
    expect(data.cpu).toEqual([1, 9]);
    expect(data.tasksPerMinute).toEqual([null, 1]);
    series.addSample(new Date(Date.UTC(2026, 10, 25, 10, 3)).toISOString(), 8, 50, null);
    expect(series.series().tasksPerMinute).toEqual([null, 1, null]);
    series.addSample(new Date(Date.UTC(2026, 10, 25, 11, 1)).toISOString(), 7, 50, 30);
    data = series.series();
    expect(data.cpu).toEqual([9, 8, 7]);
  });
});

describe("empty charts", () => {
  it("counts the points each chart draws, not its gaps", () => {
    const series = new MetricsSeries([point(0, 10, 0), point(1, 20, 3)]).series();
    expect(pointCounts(series)).toEqual({ cpu: 2, memory: 2, tasksPerMinute: 1 });
    expect(pointCounts(new MetricsSeries([]).series())).toEqual({ cpu: 0, memory: 0, tasksPerMinute: 0 });
  });

  it("explains an empty chart until data arrives", () => {
    expect(emptyChartMessage("cpu", 0, false)).toBe("Loading the last hour…");
    expect(emptyChartMessage("cpu", 0, true)).toBe("No samples yet — the orchestrator samples every 10 s");
    expect(emptyChartMessage("tasksPerMinute", 0, true)).toContain("Needs two samples");
    expect(emptyChartMessage("memory", 1, true)).toBeNull();
  });
});

describe("axisClocks", () => {
  const at = (h: number, m: number, sec = 0) => new Date(2026, 10, 25, h, m, sec).getTime() / 1000;

  it("labels ticks a minute or more apart with the local hour and minute", () => {
    expect(axisClocks([at(9, 5, 30), at(9, 10, 30)])).toEqual(["09:05", "09:10"]);
    expect(axisClocks([at(17, 40)])).toEqual(["17:40"]);
  });

  it("adds seconds when ticks are closer than a minute, so no label repeats", () => {
    expect(axisClocks([at(7, 6, 0), at(7, 6, 10), at(7, 6, 20)])).toEqual(["07:06:00", "07:06:10", "07:06:20"]);
  });
});
