// PROVISIONAL: replaced by the generated binding
export type ContainerChange = { "change": "started" } | { "change": "died", exit_code: number | null, } | { "change": "out_of_memory" } | { "change": "health", status: string, } | { "change": "destroyed" };
