// PROVISIONAL: replaced by the generated binding
export type TaskPriority = 10 | 8 | 5 | 3 | 1;
