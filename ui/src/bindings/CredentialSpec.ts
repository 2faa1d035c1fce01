// PROVISIONAL: replaced by the generated binding
export type CredentialSpec = { name: string, description: string, check: string | null, };
