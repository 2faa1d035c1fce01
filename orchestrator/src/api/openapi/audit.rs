//! The audit trail's entries, among them the gating decisions agents
//! answered with (`decision_approved` / `decision_refused`, whose detail is
//! a [`DecisionRecord`](crate::ledger::DecisionRecord)).

use serde_json::{json, Value};

use super::schemas::{nullable, reference};

fn entry() -> Value {
    json!({
        "type": "object", "required": ["id", "at", "actor", "action", "subject", "detail"],
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor": {"type": "string", "description": "Who acted: a person, the gap detector, or the agent that decided"},
            "action": {"type": "string", "description": "e.g. approval_approved, requirements_changed, decision_approved, decision_refused"},
            "subject": {"type": "string", "description": "What it was done to: an approval's id, a task's id…"},
            "detail": {"description": "For decision_approved / decision_refused: a DecisionRecord",
                       "anyOf": [reference("DecisionRecord"), {"type": "object"}, {"type": "null"}]}
        }
    })
}

fn decision_record() -> Value {
    let text = json!({"type": "string"});
    json!({
        "type": "object",
        "description": "A gating decision an agent answered a task with, as the audit trail keeps it",
        "required": ["task_id", "task_type", "agent_id", "requested_by", "approved", "rule", "reason",
                     "amount", "action", "subject", "assessment"],
        "properties": {
            "task_id": reference("Uuid"), "task_type": text, "agent_id": text,
            "requested_by": nullable(text.clone()), "approved": {"type": "boolean"},
            "rule": {"type": "string", "description": "The rule that decided"}, "reason": text,
            "amount": nullable(json!({"type": "number"})), "action": nullable(text.clone()),
            "subject": {"type": "object"},
            "assessment": nullable(json!({"type": "object", "description": "An assessor's advisory opinion, if one was asked"}))
        }
    })
}

pub fn components() -> Vec<(&'static str, Value)> {
    vec![
        (
            "AuditPage",
            json!({"type": "object", "required": ["audit", "next_cursor"],
                   "properties": {"audit": {"type": "array", "items": reference("AuditEntry")},
                                  "next_cursor": nullable(reference("Cursor"))}}),
        ),
        ("AuditEntry", entry()),
        ("DecisionRecord", decision_record()),
    ]
}
