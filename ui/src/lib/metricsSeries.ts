/**
 * The metrics charts' data: the last hour from `agent_metrics` plus live
 * samples, in uPlot's column layout (x in Unix seconds, one array per series).
 */
import type { AgentMetrics } from "../bindings/AgentMetrics";

export const WINDOW_SECONDS = 3600;

export interface Series {
  at: number[];
  cpu: (number | null)[];
  memory: (number | null)[];
  tasksPerMinute: (number | null)[];
}

interface Sample {
  at: number;
  cpu: number;
  memory: number;
  /** The agent's completed-task counter at that time, when known. */
  tasksCompleted: number | null;
}

export class MetricsSeries {
  #samples: Sample[] = [];

  constructor(history: AgentMetrics[]) {
    for (const point of history) {
      this.#push(Date.parse(point.timestamp) / 1000, point.cpu_percent, point.memory_mb, Number(point.tasks_completed));
    }
  }

  /** A live `metrics` event, with the agent's task counter when its heartbeat gave one. */
  addSample(atIso: string, cpuPercent: number, memoryMb: number, tasksCompleted: number | null): void {
    this.#push(Date.parse(atIso) / 1000, cpuPercent, memoryMb, tasksCompleted);
  }

  #push(at: number, cpu: number, memory: number, tasksCompleted: number | null): void {
    if (Number.isNaN(at)) return;
    this.#samples.push({ at, cpu, memory, tasksCompleted });
    const oldest = at - WINDOW_SECONDS;
    const firstKept = this.#samples.findIndex((s) => s.at >= oldest);
    if (firstKept > 0) this.#samples.splice(0, firstKept);
  }

  series(): Series {
    const out: Series = { at: [], cpu: [], memory: [], tasksPerMinute: [] };
    let previous: Sample | null = null;
    for (const sample of this.#samples) {
      out.at.push(sample.at);
      out.cpu.push(sample.cpu);
      out.memory.push(sample.memory);
      out.tasksPerMinute.push(tasksPerMinute(previous, sample));
      previous = sample;
    }
    return out;
  }
}

/** Completed tasks per minute between two samples; null when unknowable. */
function tasksPerMinute(previous: Sample | null, sample: Sample): number | null {
  if (!previous || previous.tasksCompleted === null || sample.tasksCompleted === null) return null;
  const minutes = (sample.at - previous.at) / 60;
  if (minutes <= 0) return null;
  // A restarted agent counts from zero again: no negative rates.
  return Math.max(0, sample.tasksCompleted - previous.tasksCompleted) / minutes;
}

export type ChartKey = keyof Omit<Series, "at">;

/** How many points each chart has to draw (gaps, i.e. nulls, are not points). */
export function pointCounts(series: Series): Record<ChartKey, number> {
  const count = (values: (number | null)[]) => values.reduce<number>((n, value) => (value === null ? n : n + 1), 0);
  return { cpu: count(series.cpu), memory: count(series.memory), tasksPerMinute: count(series.tasksPerMinute) };
}

export const SAMPLE_EVERY_SECONDS = 10;

/** What an empty chart says instead of drawing an empty box; null when it has points. */
export function emptyChartMessage(key: ChartKey, points: number, loaded: boolean): string | null {
  if (points > 0) return null;
  if (!loaded) return "Loading the last hour…";
  if (key === "tasksPerMinute") return `Needs two samples with task counts — the orchestrator samples every ${SAMPLE_EVERY_SECONDS} s`;
  return `No samples yet — the orchestrator samples every ${SAMPLE_EVERY_SECONDS} s`;
}

/**
 * Time axis labels on one line (uPlot's default adds the date on a second
 * line, which takes half of a short chart's height): `HH:MM`, or `HH:MM:SS`
 * when ticks are less than a minute apart and minutes alone would repeat.
 */
export function axisClocks(unixSeconds: number[]): string[] {
  const step = unixSeconds.length > 1 ? Math.abs(unixSeconds[1] - unixSeconds[0]) : Infinity;
  return unixSeconds.map((at) => clock(at, step < 60));
}

function clock(unixSeconds: number, withSeconds: boolean): string {
  const at = new Date(unixSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  const minutes = `${two(at.getHours())}:${two(at.getMinutes())}`;
  return withSeconds ? `${minutes}:${two(at.getSeconds())}` : minutes;
}
