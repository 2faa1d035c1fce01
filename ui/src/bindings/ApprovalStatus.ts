// PROVISIONAL: replaced by the generated binding
export type ApprovalStatus = "pending" | "approved" | "rejected";
