//! `hr-agent`: HR actions checked against the policies in the agent's
//! settings (actions it may clear, sign-offs each action needs, salary
//! bands, a documented reason for a termination), onboarding checklists
//! per role, and performance tracked against the lowest score tolerated.

use serde_json::{json, Map, Value};

use super::rules::{
    decide, decision_result, listed, number, payload, rounded, strings, with_assessor, Check,
};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// Whether `salary` is inside `role`'s band, and why (no band: no limit).
fn band_check(settings: &Map<String, Value>, role: Option<&str>, salary: Option<f64>) -> Check {
    let band = role.and_then(|r| settings["salary_bands"].get(r));
    let (passed, reason) = match (salary, band, role) {
        (None, ..) => (true, "no salary involved".to_owned()),
        (Some(s), Some(band), Some(role)) => {
            let (min, max) = (
                band["min"].as_f64().unwrap_or(0.0),
                band["max"].as_f64().unwrap_or(f64::MAX),
            );
            let inside = (min..=max).contains(&s);
            (
                inside,
                format!(
                    "{s} is {} the {role} band of {min}–{max}",
                    if inside { "inside" } else { "outside" }
                ),
            )
        }
        (Some(s), None, Some(role)) => (
            false,
            format!("{s} for {role}: the role has no salary band"),
        ),
        (Some(_), _, None) => (false, "a salary needs a role to check its band".to_owned()),
    };
    Check::new("salary_band", passed, reason)
}

fn policy_check(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let action = text(&subject, "action");
        let needed = strings(settings["required_signoffs"].get(action));
        let given = strings(subject.get("signoffs"));
        let missing: Vec<&str> = needed
            .iter()
            .filter(|n| !given.iter().any(|g| g.eq_ignore_ascii_case(n)))
            .copied()
            .collect();
        let documented = optional_text(&subject, "reason").is_some_and(|r| !r.trim().is_empty());
        let needs_reason = listed(settings.get("reason_required_for"), action);
        let known = listed(settings.get("allowed_actions"), action);
        let checks = vec![
            Check::new(
                "allowed_action",
                known,
                format!(
                    "{action:?} is {}an action this agent clears",
                    if known { "" } else { "not " }
                ),
            ),
            Check::none_found(
                "signoffs",
                &missing,
                format!("every sign-off {action} needs is given"),
                format!("{action} needs sign-off from"),
            ),
            Check::new(
                "documented_reason",
                documented || !needs_reason,
                if needs_reason && !documented {
                    format!("{action} needs a documented reason")
                } else {
                    "no undocumented action".to_owned()
                },
            ),
            band_check(
                settings,
                optional_text(&subject, "role"),
                subject["salary"].as_f64(),
            ),
        ];
        let why = format!(
            "{action} for {} meets every HR policy",
            text(&subject, "employee")
        );
        Ok(decide(checks, "within_hr_policy", why, subject))
    })
}

fn onboarding_checklist(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let role = text(&subject, "role");
        let mut items: Vec<&str> = strings(settings.get("onboarding_items"));
        for extra in strings(settings["role_items"].get(role)) {
            if !items.contains(&extra) {
                items.push(extra);
            }
        }
        let done = strings(subject.get("completed"));
        let (finished, missing): (Vec<&str>, Vec<&str>) =
            items.iter().partition(|item| done.contains(item));
        let checks = vec![Check::none_found(
            "checklist_complete",
            &missing,
            format!("all {} item(s) done", items.len()),
            format!("{} of {} item(s) still open", missing.len(), items.len()),
        )];
        let mut result = decide(
            checks,
            "ready_to_start",
            format!("{} is ready to start as {role}", text(&subject, "employee")),
            subject.clone(),
        );
        let progress = if items.is_empty() {
            1.0
        } else {
            finished.len() as f64 / items.len() as f64
        };
        result["items"] = json!(items);
        result["done"] = json!(finished);
        result["missing"] = json!(missing);
        result["progress"] = json!(rounded(progress));
        Ok(result)
    })
}

/// Each review's score and goal ratio; who falls below the lowest score
/// tolerated (a development plan is due) and the team's averages.
fn performance_review(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let min_score = number(&context.settings, "min_score");
        let reviews: Vec<Value> = context.task.payload["reviews"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let rated: Vec<Value> = reviews
            .iter()
            .map(|review| {
                let score = review["score"].as_f64().unwrap_or(0.0);
                let total = review["goals_total"].as_u64().unwrap_or(0);
                let met = review["goals_met"].as_u64().unwrap_or(0).min(total);
                let goals = if total > 0 { met as f64 / total as f64 } else { 1.0 };
                let below = score < min_score;
                json!({"employee": review["employee"], "score": score, "goals": rounded(goals),
                       "outcome": if below { "development_plan" } else { "meets_expectations" },
                       "rule": "min_score",
                       "reason": format!("score {score} is {} the {min_score} tolerated", if below { "below" } else { "at or above" })})
            })
            .collect();
        let average = |field: &str| {
            let sum: f64 = rated.iter().filter_map(|r| r[field].as_f64()).sum();
            rounded(sum / rated.len().max(1) as f64)
        };
        let plans: Vec<Value> = rated
            .iter()
            .filter(|r| r["outcome"] == "development_plan")
            .map(|r| r["employee"].clone())
            .collect();
        let top = rated
            .iter()
            .max_by(|a, b| {
                a["score"]
                    .as_f64()
                    .unwrap_or(0.0)
                    .total_cmp(&b["score"].as_f64().unwrap_or(0.0))
            })
            .map(|r| r["employee"].clone());
        Ok(
            json!({"count": rated.len(), "average_score": average("score"), "average_goals": average("goals"),
                  "development_plans": plans, "top": top, "reviews": rated}),
        )
    })
}

pub fn spec() -> KindSpec {
    let name = |max: u32| json!({"type": "string", "minLength": 1, "maxLength": max});
    let names =
        json!({"type": "array", "items": {"type": "string", "maxLength": 100}, "maxItems": 100});
    let list = |items: &[&str], what: &str| json!({"type": "array", "items": {"type": "string"}, "default": items, "description": what});
    KindSpec {
        kind: "hr-agent",
        aliases: vec!["hr"],
        category: AgentCategory::Corporate,
        description: "People operations by explainable rules: HR actions (hire, promote, salary change, terminate) \
                      checked for the sign-offs, documented reasons and salary bands its settings require, onboarding \
                      checklists per role, and performance reviews against the lowest score tolerated",
        task_types: vec![
            task(
                "policy_check",
                "Check an HR action against the HR policies; the result names the rule that decided",
                payload(
                    json!({"action": name(64), "employee": name(200), "role": name(100),
                           "salary": {"type": "number", "minimum": 0}, "signoffs": names.clone(),
                           "reason": {"type": "string", "maxLength": 4000}}),
                    &["action", "employee"],
                ),
                decision_result(),
                policy_check,
            ),
            task(
                "onboarding_checklist",
                "An employee's onboarding checklist for their role: what is done, what is still open, and whether they are ready",
                payload(json!({"employee": name(200), "role": name(100), "start_date": {"type": "string", "maxLength": 40},
                               "completed": names}), &["employee", "role"]),
                {
                    let mut result = decision_result();
                    result["properties"]["missing"] = json!({"type": "array", "items": {"type": "string"}});
                    result["properties"]["progress"] = json!({"type": "number"});
                    result
                },
                onboarding_checklist,
            ),
            task(
                "performance_review",
                "Rate reviews against the lowest score tolerated: who needs a development plan, the team's averages and its top performer",
                payload(
                    json!({"period": {"type": "string", "maxLength": 40}, "reviews": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
                        "type": "object", "additionalProperties": false, "required": ["employee", "score"],
                        "properties": {"employee": name(200), "score": {"type": "number", "minimum": 0, "maximum": 5},
                                       "goals_met": {"type": "integer", "minimum": 0}, "goals_total": {"type": "integer", "minimum": 0}}}}}),
                    &["reviews"],
                ),
                json!({"type": "object", "required": ["count", "average_score", "development_plans", "reviews"],
                       "properties": {"count": {"type": "integer"}, "average_score": {"type": "number"},
                                      "average_goals": {"type": "number"}, "development_plans": {"type": "array"},
                                      "top": {"type": ["string", "null"]}, "reviews": {"type": "array", "items": {"type": "object"}}}}),
                performance_review,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "allowed_actions": list(&["hire", "promote", "salary_change", "transfer", "terminate"], "HR actions this agent clears"),
                "required_signoffs": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                      "default": {"hire": ["manager"], "promote": ["manager"], "salary_change": ["manager", "finance"],
                                                  "terminate": ["manager", "legal"]},
                                      "description": "The sign-offs each action needs"},
                "reason_required_for": list(&["terminate", "salary_change"], "Actions that need a documented reason"),
                "salary_bands": {"type": "object", "additionalProperties": {"type": "object", "required": ["min", "max"],
                                 "properties": {"min": {"type": "number"}, "max": {"type": "number"}}},
                                 "default": {}, "description": "The salary band of each role"},
                "onboarding_items": list(&["contract_signed", "payroll_setup", "equipment", "accounts", "security_training"],
                                         "What every new employee's onboarding includes"),
                "role_items": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}, "default": {},
                               "description": "Further onboarding items per role"},
                "min_score": {"type": "number", "minimum": 0, "maximum": 5, "default": 3,
                              "description": "The lowest review score that meets expectations"}
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
