/** The spawn dialog's stage list, from the `SpawnProgress` messages so far. */
import type { SpawnProgress } from "../bindings/SpawnProgress";
import type { SpawnStage } from "../bindings/SpawnStage";

export const SPAWN_STAGES: { stage: SpawnStage; label: string }[] = [
  { stage: "validating", label: "Validating" },
  { stage: "image", label: "Shipping the image" },
  { stage: "container", label: "Starting the container" },
  { stage: "heartbeat", label: "Waiting for the first heartbeat" },
  { stage: "healthy", label: "Healthy" },
];

export type StageState = "pending" | "running" | "done" | "failed";

export interface StageLine {
  stage: SpawnStage;
  label: string;
  state: StageState;
  detail: string | null;
}

export interface SpawnView {
  lines: StageLine[];
  finished: boolean;
  failed: boolean;
  /** Why it failed, from the `failed` message. */
  reason: string | null;
}

export function spawnView(progress: SpawnProgress[]): SpawnView {
  const order = SPAWN_STAGES.map((s) => s.stage);
  const failure = progress.find((p) => p.stage === "failed");
  const reached = progress.filter((p) => p.stage !== "failed").map((p) => order.indexOf(p.stage));
  const current = reached.length > 0 ? Math.max(...reached) : -1;
  const healthy = current === order.indexOf("healthy");
  const details = new Map(progress.map((p) => [p.stage, p.detail]));
  const lines = SPAWN_STAGES.map(({ stage, label }, index): StageLine => {
    let state: StageState = "pending";
    if (index < current || (index === current && healthy)) state = "done";
    else if (index === current) state = failure ? "failed" : "running";
    else if (failure && index === current + 1 && current === -1) state = "failed";
    return { stage, label, state, detail: details.get(stage) ?? null };
  });
  return { lines, finished: healthy || failure !== undefined, failed: failure !== undefined, reason: failure?.detail ?? null };
}
