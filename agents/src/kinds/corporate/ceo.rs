//! `ceo-agent`: approvals of actions, reviews of decisions and assessments
//! of initiatives, all by rules in the agent's settings (the largest amount
//! it approves alone, the highest impact, the categories and actions that
//! need a person), so each answer names the rule that decided it.

use serde_json::{json, Map, Value};

use super::rules::{
    decide, decision_result, impact_rank, listed, number, payload, with_assessor, Check, IMPACTS,
};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// The policy rules an action or a decision is checked against, in order.
fn policy_checks(settings: &Map<String, Value>, subject: &Value) -> Vec<Check> {
    let action = text(subject, "action");
    let impact = optional_text(subject, "impact").unwrap_or("medium");
    let category = optional_text(subject, "category");
    let amount = subject["amount"].as_f64().unwrap_or(0.0);
    let max_amount = number(settings, "auto_approve_max_amount");
    let max_impact = settings["max_auto_impact"].as_str().unwrap_or("medium");
    let forbidden = listed(settings.get("forbidden_actions"), action);
    let escalated = category.filter(|c| listed(settings.get("escalate_categories"), c));
    vec![
        Check::new(
            "forbidden_action",
            !forbidden,
            if forbidden {
                format!("action {action:?} is on the forbidden list")
            } else {
                format!("action {action:?} is not forbidden")
            },
        ),
        Check::new(
            "escalated_category",
            escalated.is_none(),
            match escalated {
                Some(category) => {
                    format!("category {category:?} is decided by a person, not by this agent")
                }
                None => "no category that needs a person".to_owned(),
            },
        ),
        Check::new(
            "amount_limit",
            amount <= max_amount,
            format!(
                "amount {amount} {} the auto-approval limit of {max_amount}",
                if amount <= max_amount {
                    "is within"
                } else {
                    "exceeds"
                }
            ),
        ),
        Check::new(
            "impact_limit",
            impact_rank(impact) <= impact_rank(max_impact),
            format!(
                "impact {impact} {} the highest impact approved alone ({max_impact})",
                if impact_rank(impact) <= impact_rank(max_impact) {
                    "is within"
                } else {
                    "is above"
                }
            ),
        ),
    ]
}

fn approve_action(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let subject = context.task.payload.clone();
        let checks = policy_checks(&context.settings, &subject);
        let why = format!("{:?} passes every policy rule", text(&subject, "action"));
        Ok(decide(checks, "within_policy", why, subject))
    })
}

/// A decision already taken, reviewed: policy first, then whether a
/// weighty one says why and which alternatives were weighed.
fn review_decision(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let mut subject = context.task.payload.clone();
        subject["action"] = subject["decision"].clone();
        let mut checks = policy_checks(&context.settings, &subject);
        let impact = impact_rank(optional_text(&subject, "impact").unwrap_or("medium"));
        let has_rationale =
            optional_text(&subject, "rationale").is_some_and(|r| !r.trim().is_empty());
        let alternatives = subject["alternatives"].as_array().map_or(0, Vec::len);
        let needed = context.settings["min_alternatives_high_impact"]
            .as_u64()
            .unwrap_or(0) as usize;
        checks.push(Check::new(
            "rationale_required",
            has_rationale || impact < impact_rank("high"),
            if has_rationale {
                "a rationale is given".to_owned()
            } else {
                "a high or critical impact decision needs a rationale".to_owned()
            },
        ));
        checks.push(Check::new(
            "alternatives_weighed",
            alternatives >= needed || impact < impact_rank("high"),
            format!("{alternatives} alternative(s) weighed; a high or critical impact decision needs {needed}"),
        ));
        if let Some(object) = subject.as_object_mut() {
            object.remove("action");
        }
        Ok(decide(
            checks,
            "sound_decision",
            "the decision is within policy and argued".to_owned(),
            subject,
        ))
    })
}

/// Each initiative scored as (value − cost) × the risk's weight, ranked;
/// the totals and the best one summarise them.
fn strategic_assessment(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let weights = &context.settings["risk_weights"];
        let mut scored: Vec<Value> = context.task.payload["initiatives"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|initiative| {
                let (value, cost) = (
                    initiative["value"].as_f64().unwrap_or(0.0),
                    initiative["cost"].as_f64().unwrap_or(0.0),
                );
                let risk = initiative["risk"].as_str().unwrap_or("medium");
                let score = (value - cost) * weights[risk].as_f64().unwrap_or(1.0);
                let recommendation = if score > 0.0 { "pursue" } else { "drop" };
                json!({"name": initiative["name"], "value": value, "cost": cost, "risk": risk,
                       "score": score, "recommendation": recommendation})
            })
            .collect();
        scored.sort_by(|a, b| {
            b["score"]
                .as_f64()
                .partial_cmp(&a["score"].as_f64())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let total = |field: &str| scored.iter().filter_map(|i| i[field].as_f64()).sum::<f64>();
        let pursued = scored
            .iter()
            .filter(|i| i["recommendation"] == "pursue")
            .count();
        let summary = match scored.first() {
            Some(best) => format!(
                "{} of {} initiative(s) worth pursuing; best: {} (score {})",
                pursued,
                scored.len(),
                best["name"].as_str().unwrap_or("?"),
                best["score"]
            ),
            None => "no initiatives given".to_owned(),
        };
        Ok(
            json!({"count": scored.len(), "pursue": pursued, "total_value": total("value"), "total_cost": total("cost"),
                  "ranked": scored, "top": scored.first().map(|best| best["name"].clone()), "summary": summary}),
        )
    })
}

pub fn spec() -> KindSpec {
    let impact = json!({"enum": IMPACTS, "default": "medium"});
    let subject = json!({"impact": impact, "amount": {"type": "number", "minimum": 0},
                         "category": {"type": "string", "minLength": 1, "maxLength": 64},
                         "description": {"type": "string", "maxLength": 2000}});
    let mut action = subject.clone();
    action["action"] = json!({"type": "string", "minLength": 1, "maxLength": 128});
    let mut review = subject;
    review["decision"] = json!({"type": "string", "minLength": 1, "maxLength": 128});
    review["rationale"] = json!({"type": "string", "maxLength": 4000});
    review["alternatives"] = json!({"type": "array", "items": {"type": "string"}, "maxItems": 20});
    KindSpec {
        kind: "ceo-agent",
        aliases: vec!["ceo"],
        category: AgentCategory::Corporate,
        description: "Strategic decisions and major approvals by explainable rules: actions approved within the \
                      policy in its settings (amount limit, highest impact, categories and actions that need a person), \
                      decisions reviewed, initiatives ranked",
        task_types: vec![
            task(
                "approve_action",
                "Approve or refuse an action by the policy rules; the result names the rule that decided and why",
                payload(action, &["action"]),
                decision_result(),
                approve_action,
            ),
            task(
                "review_decision",
                "Review a decision: within policy, and argued (rationale and alternatives) when its impact is high",
                payload(review, &["decision"]),
                decision_result(),
                review_decision,
            ),
            task(
                "strategic_assessment",
                "Rank initiatives by (value − cost) weighted by risk and summarise them",
                payload(
                    json!({"initiatives": {"type": "array", "minItems": 1, "maxItems": 100, "items": {
                        "type": "object", "additionalProperties": false, "required": ["name", "value", "cost"],
                        "properties": {"name": {"type": "string", "minLength": 1}, "value": {"type": "number"},
                                       "cost": {"type": "number", "minimum": 0}, "risk": {"enum": ["low", "medium", "high"]}}}}}),
                    &["initiatives"],
                ),
                json!({"type": "object", "required": ["count", "pursue", "total_value", "total_cost", "ranked", "summary"],
                       "properties": {"count": {"type": "integer"}, "pursue": {"type": "integer"},
                                      "total_value": {"type": "number"}, "total_cost": {"type": "number"},
                                      "ranked": {"type": "array", "items": {"type": "object"}},
                                      "top": {"type": ["string", "null"]}, "summary": {"type": "string"}}}),
                strategic_assessment,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "auto_approve_max_amount": {"type": "number", "minimum": 0, "default": 10000,
                                            "description": "The largest amount this agent approves alone"},
                "max_auto_impact": {"enum": IMPACTS, "default": "medium", "description": "The highest impact this agent approves alone"},
                "escalate_categories": {"type": "array", "items": {"type": "string"}, "default": ["legal", "acquisition", "layoffs"],
                                        "description": "Categories a person decides"},
                "forbidden_actions": {"type": "array", "items": {"type": "string"}, "default": [],
                                      "description": "Actions always refused"},
                "min_alternatives_high_impact": {"type": "integer", "minimum": 0, "default": 2,
                                                 "description": "Alternatives a high-impact decision must have weighed"},
                "risk_weights": {"type": "object", "default": {"low": 1.0, "medium": 0.7, "high": 0.4},
                                 "description": "What a risk level keeps of an initiative's net value"}
            }
        })),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 64,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
