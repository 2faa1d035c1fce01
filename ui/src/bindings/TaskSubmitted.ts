// PROVISIONAL: replaced by the generated binding
export type TaskSubmitted = { task_id: string, status: string, ledger_status: string, };
