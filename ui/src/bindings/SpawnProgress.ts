// PROVISIONAL: replaced by the generated binding
import type { SpawnStage } from "./SpawnStage";

export type SpawnProgress = { stage: SpawnStage, detail: string | null, };
