// PROVISIONAL: replaced by the generated binding
export type FieldError = { field: string, message: string, };
