//! Gating decisions: the result shape of every task type that approves or
//! refuses something by rules (the corporate kinds' approvals, reviews and
//! checks). Task types declare [`Decision::schema`] as their result schema,
//! and the orchestrator recognises a decision by this shape alone — never by
//! the kind that answered — to record it in the audit trail.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Approved or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approved,
    Refused,
}

/// One rule as it was checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleCheck {
    pub rule: String,
    pub passed: bool,
    pub reason: String,
}

/// A decision and its explanation: the rule that decided, why, every rule
/// checked in order, and what was decided on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub approved: bool,
    pub decision: Verdict,
    /// The rule that decided: the first that refused, or the approving policy.
    pub rule: String,
    pub reason: String,
    pub checked: Vec<RuleCheck>,
    /// What was decided on (the request, its amount, its action…).
    pub subject: Map<String, Value>,
}

impl Decision {
    /// The decision a task's `result` holds, when the result has the
    /// decision shape (further fields beside it are allowed) and its two
    /// verdict fields agree.
    pub fn of_result(result: &Value) -> Option<Self> {
        let decision: Self = serde_json::from_value(result.clone()).ok()?;
        let agrees = decision.approved == (decision.decision == Verdict::Approved);
        agrees.then_some(decision)
    }

    /// The amount decided on, when the subject has one.
    pub fn amount(&self) -> Option<f64> {
        self.subject.get("amount").and_then(Value::as_f64)
    }

    /// The action decided on, when the subject names one.
    pub fn action(&self) -> Option<&str> {
        self.subject.get("action").and_then(Value::as_str)
    }

    /// The result schema a deciding task type declares.
    pub fn schema() -> Value {
        json!({"type": "object", "title": "Decision",
               "required": ["approved", "decision", "rule", "reason", "checked", "subject"],
               "properties": {"approved": {"type": "boolean"}, "decision": {"enum": ["approved", "refused"]},
                              "rule": {"type": "string", "description": "The rule that decided"},
                              "reason": {"type": "string"},
                              "checked": {"type": "array", "items": {
                                  "type": "object", "required": ["rule", "passed", "reason"],
                                  "properties": {"rule": {"type": "string"}, "passed": {"type": "boolean"},
                                                 "reason": {"type": "string"}}}},
                              "subject": {"type": "object"}}})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Value {
        json!({"approved": false, "decision": "refused", "rule": "amount_limit", "reason": "too much",
               "checked": [{"rule": "amount_limit", "passed": false, "reason": "too much"}],
               "subject": {"action": "buy", "amount": 50000}, "budget": {}})
    }

    #[test]
    fn a_decision_is_recognised_by_its_shape_with_extra_fields_beside_it() {
        let decision = Decision::of_result(&refused()).expect("a decision");
        assert_eq!(decision.decision, Verdict::Refused);
        assert_eq!(decision.rule, "amount_limit");
        assert_eq!(
            (decision.amount(), decision.action()),
            (Some(50000.0), Some("buy"))
        );
    }

    #[test]
    fn other_results_and_contradictions_are_not_decisions() {
        assert!(Decision::of_result(&json!({"approved": true})).is_none());
        assert!(Decision::of_result(&json!({"count": 3, "summary": "x"})).is_none());
        let mut contradiction = refused();
        contradiction["approved"] = json!(true);
        assert!(Decision::of_result(&contradiction).is_none());
    }

    #[test]
    fn the_schema_requires_every_field_the_type_reads() {
        let schema = Decision::schema();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let fields: Vec<String> = refused()
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .filter(|k| k != "budget")
            .collect();
        assert_eq!(required.len(), fields.len());
        assert!(fields.iter().all(|f| required.contains(&f.as_str())));
    }
}
