// PROVISIONAL: replaced by the generated binding
export type ActionOutcome = { agent_id: string, ok: boolean, message: string, };
