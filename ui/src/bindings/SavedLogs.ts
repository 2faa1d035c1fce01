// PROVISIONAL: replaced by the generated binding
export type SavedLogs = { path: string, lines: number, };
