// PROVISIONAL: replaced by the generated binding
import type { ApprovalStatus } from "./ApprovalStatus";
import type { JsonValue } from "./serde_json/JsonValue";

export type Approval = { id: string, kind: string, subject: string, request: JsonValue, status: ApprovalStatus, requested_at: string, decided_by: string | null, decided_at: string | null, comment: string | null, };
