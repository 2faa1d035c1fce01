// PROVISIONAL: replaced by the generated binding
export type MetricPoint = { at: string, cpu_percent: number, memory_mb: number, tasks_completed: number, };
