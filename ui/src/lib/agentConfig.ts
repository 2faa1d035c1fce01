/** An agent's configuration as label/value lines for the detail view. */
import type { AgentConfig } from "../bindings/AgentConfig";
import type { CredentialRef } from "../bindings/CredentialRef";

function credentialLabel(ref: CredentialRef): string {
  return typeof ref === "string" ? ref : `${ref.name} ← ${ref.from}`;
}

/**
 * Credentials and environment are shown exactly as the orchestrator gives
 * them (it masks secrets); settings as compact JSON.
 */
export function configRows(config: AgentConfig): [string, string][] {
  const environment = Object.entries(config.environment ?? {}).map(([k, v]) => `${k}=${v}`);
  return [
    ["display name", config.display_name || "–"],
    ["kind", config.agent_type],
    ["category", config.category],
    ["version", config.version],
    ["cpu limit", `${config.cpu_limit} CPUs`],
    ["memory limit", `${config.memory_limit} MB`],
    ["max concurrent tasks", String(config.max_concurrent_tasks)],
    ["task timeout", `${config.task_timeout} s`],
    ["heartbeat", `every ${config.heartbeat_interval} s`],
    ["auto restart", config.auto_restart ? `yes, up to ${config.max_restarts}` : "no"],
    ["requires approval", config.requires_approval ? "yes" : "no"],
    ["image", config.image ?? "orchestrator's agent image"],
    ["capabilities", config.capabilities.join(", ") || "–"],
    ["dependencies", config.dependencies.join(", ") || "–"],
    ["credentials", (config.credentials ?? []).map(credentialLabel).join(", ") || "–"],
    ["environment", environment.join(", ") || "–"],
    ["settings", JSON.stringify(config.settings)],
  ];
}
