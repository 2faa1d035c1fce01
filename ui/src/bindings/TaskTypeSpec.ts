// PROVISIONAL: replaced by the generated binding
export type TaskTypeSpec = { name: string, description: string, payload_schema: unknown, result_schema: unknown, };
