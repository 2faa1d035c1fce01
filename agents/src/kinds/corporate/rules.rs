//! What every corporate decision shares: the rules it checked in order, the
//! first that refused (or the policy that approved), and the result shape
//! that says so — so a refusal always names its rule and its reason.

use serde_json::{json, Map, Value};

use crate::protocol::{Decision, RuleCheck, Verdict};
use crate::runtime::assessment;

/// Impact levels, least first: a policy allows up to one of them.
pub const IMPACTS: [&str; 4] = ["low", "medium", "high", "critical"];

/// How far up [`IMPACTS`] `impact` is (an unknown level counts as the highest).
pub fn impact_rank(impact: &str) -> usize {
    IMPACTS
        .iter()
        .position(|level| *level == impact)
        .unwrap_or(IMPACTS.len())
}

/// One rule's verdict: its name, whether it passed, and why.
pub struct Check {
    pub rule: &'static str,
    pub passed: bool,
    pub reason: String,
}

impl Check {
    pub fn new(rule: &'static str, passed: bool, reason: String) -> Self {
        Self {
            rule,
            passed,
            reason,
        }
    }

    /// A rule that passes when nothing was `found`: its reason is `fine`,
    /// else `problem: a, b` naming what was found.
    pub fn none_found(rule: &'static str, found: &[&str], fine: String, problem: String) -> Self {
        match found {
            [] => Self::new(rule, true, fine),
            _ => Self::new(rule, false, format!("{problem}: {}", found.join(", "))),
        }
    }
}

/// The strings of a list (a setting's, a payload's); none when it is absent.
pub fn strings(list: Option<&Value>) -> Vec<&str> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The terms of the list `terms` that `text` contains, ignoring case.
pub fn terms_in<'a>(terms: Option<&'a Value>, text: &str) -> Vec<&'a str> {
    let lower = text.to_lowercase();
    strings(terms)
        .into_iter()
        .filter(|term| lower.contains(&term.to_lowercase()))
        .collect()
}

/// The decision of `checks` taken in order: the first failed rule refuses;
/// when all pass, `approving_rule` approves with `approving_reason`.
/// `subject` is what was decided on, copied into the result.
pub fn decide(
    checks: Vec<Check>,
    approving_rule: &'static str,
    approving_reason: String,
    subject: Value,
) -> Value {
    let (approved, rule, reason) = match checks.iter().find(|check| !check.passed) {
        Some(refusing) => (false, refusing.rule, refusing.reason.clone()),
        None => (true, approving_rule, approving_reason),
    };
    let decision = Decision {
        approved,
        decision: if approved {
            Verdict::Approved
        } else {
            Verdict::Refused
        },
        rule: rule.to_owned(),
        reason,
        checked: checks
            .into_iter()
            .map(|c| RuleCheck {
                rule: c.rule.to_owned(),
                passed: c.passed,
                reason: c.reason,
            })
            .collect(),
        subject: match subject {
            Value::Object(fields) => fields,
            _ => Map::new(),
        },
    };
    serde_json::to_value(decision).unwrap_or(Value::Null)
}

/// The result schema of a decision (the protocol's, which the orchestrator
/// recognises and audits), with the assessor's advisory opinion beside it.
pub fn decision_result() -> Value {
    let mut schema = Decision::schema();
    schema["properties"]["assessment"] = assessment::schema();
    schema
}

/// A kind's settings schema with the settings that name its assessor.
pub fn with_assessor(mut settings: Value) -> Value {
    if let Some(properties) = settings["properties"].as_object_mut() {
        properties.extend(assessment::settings_properties());
    }
    settings
}

/// A closed payload schema that also takes the `task_type` an
/// agent-to-agent request carries in its payload.
pub fn payload(mut properties: Value, required: &[&str]) -> Value {
    properties["task_type"] = json!({"type": "string"});
    let kind = if required.is_empty() {
        json!(["object", "null"])
    } else {
        json!("object")
    };
    json!({"type": kind, "additionalProperties": false, "required": required, "properties": properties})
}

/// Whether `list` (a setting's array of strings) holds `value`, ignoring case.
pub fn listed(list: Option<&Value>, value: &str) -> bool {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|item| item.eq_ignore_ascii_case(value))
}

/// A number setting (the schema gives it a default).
pub fn number(settings: &serde_json::Map<String, Value>, name: &str) -> f64 {
    settings.get(name).and_then(Value::as_f64).unwrap_or(0.0)
}

/// How many of `items` have each value of the string at `pointer`.
pub fn counted(items: &[Value], pointer: &str) -> Value {
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for item in items {
        let value = item.pointer(pointer).and_then(Value::as_str).unwrap_or("?");
        *counts.entry(value.to_owned()).or_default() += 1;
    }
    json!(counts)
}

/// A ratio or amount rounded to three decimals, as results show them.
pub fn rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_failed_rule_refuses_and_all_passing_approve() {
        let refused = decide(
            vec![
                Check::new("a", true, "fine".into()),
                Check::new("b", false, "too much".into()),
                Check::new("c", false, "later".into()),
            ],
            "ok",
            "all fine".into(),
            json!({}),
        );
        assert_eq!(refused["approved"], false);
        assert_eq!(
            (refused["rule"].clone(), refused["reason"].clone()),
            (json!("b"), json!("too much"))
        );
        let approved = decide(
            vec![Check::new("a", true, "fine".into())],
            "ok",
            "all fine".into(),
            json!({}),
        );
        assert_eq!(
            (approved["approved"].clone(), approved["rule"].clone()),
            (json!(true), json!("ok"))
        );
        assert_eq!(impact_rank("medium"), 1);
        let found = Check::none_found("terms", &["a", "b"], "none".into(), "found".into());
        assert_eq!(
            (found.passed, found.reason.as_str()),
            (false, "found: a, b")
        );
        let terms = json!(["Act Now", "free money"]);
        assert_eq!(terms_in(Some(&terms), "please ACT NOW"), ["Act Now"]);
        assert!(terms_in(None, "anything").is_empty());
        assert_eq!(impact_rank("unheard-of"), 4);
    }
}
