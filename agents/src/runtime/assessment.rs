//! A second opinion on a decision: when the agent's settings name an
//! assessor (an LLM agent), a task that decided (its result has the
//! protocol's [`Decision`] shape) asks that agent for an assessment through
//! an agent-to-agent request and reports the answer beside the decision as
//! advisory. The rule still decides; an assessor that does not answer in
//! time leaves the decision as it was, saying the assessment is unavailable.
//! This agent never holds the assessor's credentials.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::peers::Peers;
use crate::protocol::Decision;

/// The setting naming the agent asked for assessments.
pub const ASSESSOR_SETTING: &str = "assessor_agent";
/// The setting bounding the wait for an assessment, in seconds.
pub const ASSESSMENT_TIMEOUT_SETTING: &str = "assessment_timeout_seconds";
/// The task type the assessor runs: every LLM kind's `chat`.
const ASSESSOR_TASK: &str = "chat";
const DEFAULT_TIMEOUT_SECONDS: u64 = 30;

const SYSTEM: &str = "You review decisions an automated policy took. In at most three sentences, \
                      say whether the decision looks sound and name any risk the rules may have missed. \
                      Your answer is advisory: it does not change the decision.";

/// The settings a kind declares to take an assessor (merged into its
/// settings schema's properties).
pub fn settings_properties() -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert(
        ASSESSOR_SETTING.to_owned(),
        json!({"type": "string", "minLength": 1, "maxLength": 128,
               "description": "An LLM agent (openai-agent, anthropic-agent…) asked, by an agent-to-agent request, \
                               for an advisory assessment of each decision; the rule still decides"}),
    );
    properties.insert(
        ASSESSMENT_TIMEOUT_SETTING.to_owned(),
        json!({"type": "integer", "minimum": 1, "maximum": 600, "default": DEFAULT_TIMEOUT_SECONDS,
               "description": "How long a decision waits for its assessment before it is reported unavailable"}),
    );
    properties
}

/// Who to ask and for how long, when the settings name an assessor.
pub struct Assessor {
    agent: String,
    within: Duration,
    peers: Peers,
}

impl Assessor {
    pub fn of(settings: &Map<String, Value>, peers: &Peers) -> Option<Self> {
        let agent = settings.get(ASSESSOR_SETTING)?.as_str()?.to_owned();
        let seconds = settings
            .get(ASSESSMENT_TIMEOUT_SETTING)
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        Some(Self {
            agent,
            within: Duration::from_secs(seconds),
            peers: peers.clone(),
        })
    }

    /// `result` with the assessment of its decision beside it (`assessment`);
    /// a result that is not a decision is returned as it was.
    pub async fn advise(&self, task_type: &str, mut result: Value) -> Value {
        let Some(decision) = Decision::of_result(&result) else {
            return result;
        };
        let payload = json!({"system": SYSTEM, "prompt": prompt(task_type, &decision)});
        let asked = self
            .peers
            .ask(&self.agent, ASSESSOR_TASK, payload, self.within)
            .await;
        result["assessment"] = match asked {
            Ok(answer) => json!({"advisory": true, "available": true, "agent": self.agent,
                                 "text": answer["text"], "model": answer["model"]}),
            Err(error) => {
                tracing::warn!(%error, assessor = %self.agent, "decision reported without its assessment");
                json!({"advisory": true, "available": false, "agent": self.agent,
                       "reason": format!("assessment unavailable: {error}")})
            }
        };
        result
    }
}

fn prompt(task_type: &str, decision: &Decision) -> String {
    let verdict = if decision.approved {
        "approved"
    } else {
        "refused"
    };
    let checked: Vec<String> = decision
        .checked
        .iter()
        .map(|c| {
            let mark = if c.passed { "passed" } else { "failed" };
            format!("- {} ({mark}): {}", c.rule, c.reason)
        })
        .collect();
    format!(
        "Task {task_type}: {verdict} by rule {} ({}).\nRules checked:\n{}\nRequest: {}",
        decision.rule,
        decision.reason,
        checked.join("\n"),
        Value::Object(decision.subject.clone())
    )
}

/// The schema of a decision's `assessment`, for the kinds that declare it.
pub fn schema() -> Value {
    json!({"type": "object", "required": ["advisory", "available", "agent"],
           "description": "The assessor's advisory opinion; it never changes the decision",
           "properties": {"advisory": {"const": true}, "available": {"type": "boolean"},
                          "agent": {"type": "string"}, "text": {"type": ["string", "null"]},
                          "model": {"type": ["string", "null"]}, "reason": {"type": "string"}}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> Value {
        json!({"approved": false, "decision": "refused", "rule": "amount_limit", "reason": "too much",
               "checked": [{"rule": "amount_limit", "passed": false, "reason": "too much"}],
               "subject": {"action": "buy", "amount": 50000}})
    }

    #[test]
    fn only_settings_naming_an_assessor_make_one() {
        let peers = Peers::new("ceo-1");
        assert!(Assessor::of(&Map::new(), &peers).is_none());
        let settings = json!({"assessor_agent": "llm-1", "assessment_timeout_seconds": 2});
        let assessor =
            Assessor::of(settings.as_object().expect("object"), &peers).expect("an assessor");
        assert_eq!(
            (assessor.agent.as_str(), assessor.within),
            ("llm-1", Duration::from_secs(2))
        );
    }

    #[tokio::test]
    async fn an_unavailable_assessment_leaves_the_decision_and_says_why() {
        // Never connected to a broker: the request cannot go out.
        let settings = json!({"assessor_agent": "llm-1"});
        let assessor = Assessor::of(settings.as_object().expect("object"), &Peers::new("ceo-1"))
            .expect("an assessor");
        let advised = assessor.advise("approve_action", decision()).await;
        assert_eq!(
            (advised["approved"].clone(), advised["rule"].clone()),
            (json!(false), json!("amount_limit"))
        );
        assert_eq!(advised["assessment"]["available"], false);
        assert_eq!(advised["assessment"]["advisory"], true);
        assert!(advised["assessment"]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("assessment unavailable")));
        let other = assessor
            .advise("strategic_assessment", json!({"count": 1}))
            .await;
        assert_eq!(other, json!({"count": 1}), "not a decision: left alone");
    }

    #[test]
    fn the_prompt_names_the_verdict_the_rules_and_the_request() {
        let decision = Decision::of_result(&decision()).expect("a decision");
        let text = prompt("approve_action", &decision);
        for part in [
            "approve_action",
            "refused by rule amount_limit",
            "- amount_limit (failed)",
            "\"amount\":50000",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }
}
