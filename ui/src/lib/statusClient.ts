import { invoke } from "@tauri-apps/api/core";
import type { SystemStatus } from "../bindings/SystemStatus";

/** Asks the embedded orchestrator for a fresh check of every service. */
export function fetchStatus(): Promise<SystemStatus> {
  return invoke<SystemStatus>("get_status");
}
