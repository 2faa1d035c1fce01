// PROVISIONAL: replaced by the generated binding
export type LogLine = { at: string | null, stream: "stdout" | "stderr", text: string, };
