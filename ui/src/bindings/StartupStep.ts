// PROVISIONAL: replaced by the generated binding
export type StartupStep = { name: string, state: "pending" | "running" | "done" | "failed", detail: string | null, hint: string | null, };
