/** The top bar's reading of the start-up report. */
import type { Startup } from "../bindings/Startup";
import type { StartupStep } from "../bindings/StartupStep";

export interface StartupView {
  done: number;
  total: number;
  /** 0..1, for the progress bar. */
  fraction: number;
  running: StartupStep | null;
  failed: StartupStep[];
}

export function startupView(startup: Startup): StartupView {
  const total = startup.steps.length;
  const done = startup.steps.filter((s) => s.state === "done").length;
  return {
    done,
    total,
    fraction: total === 0 ? (startup.phase === "ready" ? 1 : 0) : done / total,
    running: startup.steps.find((s) => s.state === "running") ?? null,
    failed: startup.steps.filter((s) => s.state === "failed"),
  };
}
