// PROVISIONAL: replaced by the generated binding
export type KindDefaults = { cpu_limit: number, memory_limit_mb: number, max_concurrent_tasks: number, };
