//! Gating decisions agents answer with (a task result, or an agent-to-agent
//! response, of the protocol's [`Decision`] shape), recorded in the audit
//! trail — a task's in the same write as its result: approvals the agents
//! grant or refuse sit beside the ones people decide.

use myca_agents::protocol::{AgentMessage, AgentTask, Decision, MessageType, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::store::NewAudit;

/// The audit action of a decision an agent approved.
pub const DECISION_APPROVED: &str = "decision_approved";
/// The audit action of a decision an agent refused.
pub const DECISION_REFUSED: &str = "decision_refused";

/// The `detail` of a `decision_approved` / `decision_refused` audit entry
/// (its actor is the deciding agent, its subject the task).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DecisionRecord {
    /// The task that asked; for an agent-to-agent request, the request's
    /// message id.
    pub task_id: Uuid,
    pub task_type: String,
    /// The agent that decided.
    pub agent_id: String,
    /// The agent that asked for the decision, when an agent did.
    pub requested_by: Option<String>,
    pub approved: bool,
    /// The rule that decided.
    pub rule: String,
    pub reason: String,
    /// The amount decided on, when there was one.
    pub amount: Option<f64>,
    /// The action decided on, when the request named one.
    pub action: Option<String>,
    /// Everything the decision was about.
    #[ts(type = "Record<string, unknown>")]
    pub subject: Map<String, Value>,
    /// An assessor's advisory opinion reported with the decision, if asked.
    #[ts(type = "Record<string, unknown> | null")]
    pub assessment: Option<Value>,
}

impl DecisionRecord {
    /// The record of the decision `result` holds, when it holds one.
    fn new(
        result: &Value,
        task_id: Uuid,
        task_type: &str,
        agent_id: &str,
        requested_by: Option<&str>,
    ) -> Option<Self> {
        let decision = Decision::of_result(result)?;
        Some(Self {
            task_id,
            task_type: task_type.to_owned(),
            agent_id: agent_id.to_owned(),
            requested_by: requested_by.map(str::to_owned),
            approved: decision.approved,
            amount: decision.amount(),
            action: decision.action().map(str::to_owned),
            rule: decision.rule,
            reason: decision.reason,
            subject: decision.subject,
            assessment: result.get("assessment").cloned(),
        })
    }

    /// The record of `task`'s decision, when it completed with one.
    pub fn of(task: &AgentTask) -> Option<Self> {
        if task.status != TaskStatus::Completed {
            return None;
        }
        Self::new(
            task.result.as_ref()?,
            task.id,
            &task.task_type,
            &task.agent_id,
            task.requester_agent.as_deref(),
        )
    }

    /// The record of a decision an agent answered another agent's request
    /// with (a `response` carrying `{"result": decision}`); its `task_id` is
    /// the request's message id, its task type the one `request` named.
    pub fn of_response(response: &AgentMessage, request: Option<&AgentMessage>) -> Option<Self> {
        if response.message_type != MessageType::Response {
            return None;
        }
        let task_type = request
            .and_then(|asked| asked.payload.get("task_type"))
            .and_then(Value::as_str)
            .unwrap_or("request");
        Self::new(
            response.payload.get("result")?,
            response.correlation_id?,
            task_type,
            &response.from_agent,
            Some(&response.to_agent),
        )
    }

    /// The audit entry recording it.
    pub fn audit(&self) -> NewAudit {
        NewAudit {
            actor: self.agent_id.clone(),
            action: if self.approved {
                DECISION_APPROVED
            } else {
                DECISION_REFUSED
            }
            .to_owned(),
            subject: self.task_id.to_string(),
            detail: serde_json::to_value(self).unwrap_or(Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn completed(result: Value) -> AgentTask {
        let mut task = AgentTask::new("ceo-1", "approve_action", json!({}));
        task.status = TaskStatus::Completed;
        task.requester_agent = Some("ops-1".into());
        task.result = Some(result);
        task
    }

    #[test]
    fn a_completed_decision_is_audited_with_its_rule_and_requester() {
        let task = completed(json!({
            "approved": false, "decision": "refused", "rule": "amount_limit",
            "reason": "amount 50000 exceeds the auto-approval limit of 10000",
            "checked": [{"rule": "amount_limit", "passed": false, "reason": "…"}],
            "subject": {"action": "buy_servers", "amount": 50000}}));
        let record = DecisionRecord::of(&task).expect("a decision");
        assert_eq!(
            (
                record.rule.as_str(),
                record.amount,
                record.action.as_deref()
            ),
            ("amount_limit", Some(50000.0), Some("buy_servers"))
        );
        let audit = record.audit();
        assert_eq!(
            (audit.actor.as_str(), audit.action.as_str()),
            ("ceo-1", DECISION_REFUSED)
        );
        assert_eq!(audit.subject, task.id.to_string());
        assert_eq!(audit.detail["requested_by"], "ops-1");
        assert_eq!(audit.detail["task_type"], "approve_action");
    }

    #[test]
    fn a_decision_answering_another_agents_request_is_audited_too() {
        let request = AgentMessage::new(
            "ceo-1",
            "cfo-1",
            MessageType::Request,
            json!({"task_type": "approve_spending", "amount": 1200, "category": "ops"}),
        );
        let decision = json!({"approved": true, "decision": "approved", "rule": "within_budget_and_limit",
                              "reason": "fits", "checked": [], "subject": {"amount": 1200, "category": "ops"}});
        let response = request.reply(json!({ "result": decision }));
        let record = DecisionRecord::of_response(&response, Some(&request)).expect("a decision");
        assert_eq!(
            (
                record.task_id,
                record.task_type.as_str(),
                record.agent_id.as_str()
            ),
            (request.id, "approve_spending", "cfo-1")
        );
        assert_eq!(record.requested_by.as_deref(), Some("ceo-1"));
        assert_eq!(record.audit().action, DECISION_APPROVED);
        let failed = request.reply(json!({"error": "no budget"}));
        assert!(DecisionRecord::of_response(&failed, Some(&request)).is_none());
        assert!(
            DecisionRecord::of_response(&request, None).is_none(),
            "a request decides nothing"
        );
    }

    #[test]
    fn other_results_and_unfinished_tasks_are_not_audited() {
        assert!(DecisionRecord::of(&completed(json!({"count": 2}))).is_none());
        let mut failed = completed(json!({"approved": true}));
        failed.status = TaskStatus::Failed;
        assert!(DecisionRecord::of(&failed).is_none());
    }
}
