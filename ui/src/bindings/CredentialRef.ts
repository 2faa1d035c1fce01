// PROVISIONAL: replaced by the generated binding
export type CredentialRef = string | { name: string, from: string, };
