// PROVISIONAL: replaced by the generated binding
export type DesktopError = { kind: string, message: string, fields: { [key in string]?: string }, };
