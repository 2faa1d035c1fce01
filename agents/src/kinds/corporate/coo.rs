//! `coo-agent`: operations by the rules in the agent's settings —
//! operational changes approved or refused (impact, downtime, a rollback
//! plan for weighty ones, protected services, freeze periods), capacity
//! checked against the highest utilisation tolerated, and processes
//! reviewed for cycle time, manual steps and owners.

use serde_json::{json, Value};

use super::rules::{
    decide, decision_result, impact_rank, listed, number, payload, rounded, with_assessor, Check,
    IMPACTS,
};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// The day of an ISO 8601 date or date and time.
fn day(date: &str) -> Option<&str> {
    let day = date.get(..10)?;
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .map(|_| day)
}

/// The freeze period (`{name, from, to}`, ISO dates) `date` falls in.
fn frozen<'a>(freezes: &'a Value, date: &str) -> Option<&'a str> {
    let day = day(date)?;
    freezes.as_array()?.iter().find_map(|freeze| {
        let (from, to) = (freeze["from"].as_str()?, freeze["to"].as_str()?);
        (from <= day && day <= to).then(|| freeze["name"].as_str().unwrap_or(from))
    })
}

fn approve_change(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let change = text(&subject, "change");
        let impact = optional_text(&subject, "impact").unwrap_or("medium");
        let max_impact = settings["max_auto_impact"].as_str().unwrap_or("medium");
        let downtime = subject["downtime_minutes"].as_f64().unwrap_or(0.0);
        let max_downtime = number(settings, "max_downtime_minutes");
        let rollback_from = settings["rollback_required_from"]
            .as_str()
            .unwrap_or("high");
        let needs_rollback = impact_rank(impact) >= impact_rank(rollback_from);
        let has_rollback =
            optional_text(&subject, "rollback_plan").is_some_and(|p| !p.trim().is_empty());
        let protected: Vec<&str> = subject["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|s| listed(settings.get("protected_services"), s))
            .collect();
        let scheduled = optional_text(&subject, "scheduled_at");
        if let Some(at) = scheduled.filter(|at| day(at).is_none()) {
            return Err(format!(
                "invalid payload: payload.scheduled_at: {at:?} is not an ISO 8601 date"
            ));
        }
        let freeze = scheduled.and_then(|at| frozen(&settings["freeze_periods"], at));
        let checks = vec![
            Check::new(
                "change_freeze",
                freeze.is_none(),
                match freeze {
                    Some(name) => format!("scheduled inside the {name} change freeze"),
                    None => "outside every change freeze".to_owned(),
                },
            ),
            Check::none_found(
                "protected_services",
                &protected,
                "touches no protected service".to_owned(),
                "touches protected services".to_owned(),
            ),
            Check::new(
                "impact_limit",
                impact_rank(impact) <= impact_rank(max_impact),
                format!("impact {impact}; this agent approves up to {max_impact}"),
            ),
            Check::new(
                "downtime_limit",
                downtime <= max_downtime,
                format!("{downtime} minute(s) of downtime; at most {max_downtime} tolerated"),
            ),
            Check::new(
                "rollback_plan",
                has_rollback || !needs_rollback,
                if has_rollback {
                    "a rollback plan is given".to_owned()
                } else if needs_rollback {
                    format!("a change of impact {impact} needs a rollback plan")
                } else {
                    format!("impact {impact} needs no rollback plan")
                },
            ),
        ];
        let why = format!("{change:?} is within every operations rule");
        Ok(decide(checks, "within_operations_policy", why, subject))
    })
}

/// Each resource's utilisation after the request, against the highest
/// utilisation tolerated; the first resource over it refuses.
fn capacity_check(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let limit = number(&context.settings, "max_utilisation");
        let subject = context.task.payload.clone();
        let mut views = Vec::new();
        let mut checks = Vec::new();
        for resource in subject["resources"].as_array().into_iter().flatten() {
            let name = resource["name"].as_str().unwrap_or("?");
            let capacity = resource["capacity"].as_f64().unwrap_or(0.0);
            let after = resource["used"].as_f64().unwrap_or(0.0)
                + resource["requested"].as_f64().unwrap_or(0.0);
            let utilisation = if capacity > 0.0 {
                after / capacity
            } else {
                f64::INFINITY
            };
            let share = rounded(utilisation);
            let fits = utilisation <= limit;
            views.push(json!({"name": name, "capacity": capacity, "after": after,
                              "utilisation": if capacity > 0.0 { json!(share) } else { Value::Null },
                              "headroom": capacity * limit - after, "fits": fits}));
            checks.push(Check::new(
                "capacity",
                fits,
                format!(
                    "{name} would be at {:.1}% of its capacity; at most {:.1}% tolerated",
                    share * 100.0,
                    limit * 100.0
                ),
            ));
        }
        let mut result = decide(
            checks,
            "enough_capacity",
            format!("every resource stays at or below {:.1}%", limit * 100.0),
            subject,
        );
        result["resources"] = json!(views);
        Ok(result)
    })
}

/// A process's steps: its cycle time, its bottleneck, its manual steps and
/// steps without an owner, against the limits in the settings.
fn process_review(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let steps: Vec<Value> = subject["steps"].as_array().cloned().unwrap_or_default();
        let minutes = |step: &Value| step["duration_minutes"].as_f64().unwrap_or(0.0);
        let cycle: f64 = steps.iter().map(minutes).sum();
        let bottleneck = steps
            .iter()
            .max_by(|a, b| minutes(a).total_cmp(&minutes(b)))
            .map(|step| json!({"name": step["name"], "duration_minutes": minutes(step),
                               "share": if cycle > 0.0 { rounded(minutes(step) / cycle) } else { 0.0 }}));
        let manual: Vec<&str> = steps
            .iter()
            .filter(|s| s["automated"] != true)
            .filter_map(|s| s["name"].as_str())
            .collect();
        let ownerless: Vec<&str> = steps
            .iter()
            .filter(|s| optional_text(s, "owner").is_none_or(|o| o.trim().is_empty()))
            .filter_map(|s| s["name"].as_str())
            .collect();
        let (max_cycle, max_manual) = (
            number(settings, "max_cycle_minutes"),
            settings["max_manual_steps"].as_u64().unwrap_or(0) as usize,
        );
        let checks = vec![
            Check::none_found(
                "owned_steps",
                &ownerless,
                "every step has an owner".to_owned(),
                "steps without an owner".to_owned(),
            ),
            Check::new(
                "cycle_time",
                cycle <= max_cycle,
                format!("the process takes {cycle} minute(s); at most {max_cycle}"),
            ),
            Check::new(
                "manual_steps",
                manual.len() <= max_manual,
                format!("{} manual step(s); at most {max_manual}", manual.len()),
            ),
        ];
        let mut result = decide(
            checks,
            "efficient_process",
            "owned, fast enough and automated enough".to_owned(),
            json!({"process": subject["process"]}),
        );
        result["cycle_minutes"] = json!(cycle);
        result["bottleneck"] = bottleneck.unwrap_or(Value::Null);
        result["manual_steps"] = json!(manual);
        result["automate_next"] = json!(steps
            .iter()
            .filter(|s| s["automated"] != true)
            .max_by(|a, b| minutes(a).total_cmp(&minutes(b)))
            .map(|s| s["name"].clone()));
        Ok(result)
    })
}

pub fn spec() -> KindSpec {
    let words = |max: u32| json!({"type": "string", "minLength": 1, "maxLength": max});
    let date = json!({"type": "string", "minLength": 10, "maxLength": 40, "description": "An ISO 8601 date (or date and time)"});
    KindSpec {
        kind: "coo-agent",
        aliases: vec!["coo"],
        category: AgentCategory::Corporate,
        description: "Operations by explainable rules: operational changes approved or refused (freeze periods, \
                      protected services, impact, downtime, rollback plans), capacity checked against the highest \
                      utilisation tolerated, processes reviewed for cycle time, manual steps and owners",
        task_types: vec![
            task(
                "approve_change",
                "Approve or refuse an operational change by the operations rules; the result names the rule that decided",
                payload(
                    json!({"change": words(200), "impact": {"enum": IMPACTS, "default": "medium"},
                           "services": {"type": "array", "items": words(100), "maxItems": 100},
                           "downtime_minutes": {"type": "number", "minimum": 0},
                           "scheduled_at": date, "rollback_plan": {"type": "string", "maxLength": 4000},
                           "description": {"type": "string", "maxLength": 4000}}),
                    &["change"],
                ),
                decision_result(),
                approve_change,
            ),
            task(
                "capacity_check",
                "Whether each resource stays at or below the highest utilisation tolerated once a request is added",
                payload(
                    json!({"request": {"type": "string", "maxLength": 200},
                           "resources": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
                               "type": "object", "additionalProperties": false, "required": ["name", "capacity", "used"],
                               "properties": {"name": words(100), "unit": {"type": "string", "maxLength": 20},
                                              "capacity": {"type": "number", "minimum": 0}, "used": {"type": "number", "minimum": 0},
                                              "requested": {"type": "number", "minimum": 0}}}}}),
                    &["resources"],
                ),
                {
                    let mut result = decision_result();
                    result["properties"]["resources"] = json!({"type": "array", "items": {"type": "object"}});
                    result
                },
                capacity_check,
            ),
            task(
                "process_review",
                "Review a process's steps: cycle time, bottleneck, manual steps and owners, and the step to automate next",
                payload(
                    json!({"process": words(200), "steps": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
                        "type": "object", "additionalProperties": false, "required": ["name", "duration_minutes"],
                        "properties": {"name": words(100), "duration_minutes": {"type": "number", "minimum": 0},
                                       "owner": {"type": "string", "maxLength": 100}, "automated": {"type": "boolean"}}}}}),
                    &["process", "steps"],
                ),
                {
                    let mut result = decision_result();
                    result["properties"]["cycle_minutes"] = json!({"type": "number"});
                    result["properties"]["manual_steps"] = json!({"type": "array", "items": {"type": "string"}});
                    result
                },
                process_review,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "max_auto_impact": {"enum": IMPACTS, "default": "medium", "description": "The highest impact of a change approved alone"},
                "max_downtime_minutes": {"type": "number", "minimum": 0, "default": 30, "description": "The longest downtime a change may cause"},
                "rollback_required_from": {"enum": IMPACTS, "default": "high", "description": "From this impact on, a change needs a rollback plan"},
                "protected_services": {"type": "array", "items": {"type": "string"}, "default": ["payments", "auth"],
                                       "description": "Services a change approved alone must not touch"},
                "freeze_periods": {"type": "array", "default": [], "description": "Change freezes: {name, from, to} with ISO dates, inclusive",
                                   "items": {"type": "object", "required": ["from", "to"],
                                             "properties": {"name": {"type": "string"}, "from": date, "to": date}}},
                "max_utilisation": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.85,
                                    "description": "The highest share of a resource's capacity that may be used"},
                "max_cycle_minutes": {"type": "number", "minimum": 0, "default": 480, "description": "The longest a process may take"},
                "max_manual_steps": {"type": "integer", "minimum": 0, "default": 3, "description": "The most manual steps a process may have"}
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_inside_a_freeze_names_it() {
        let freezes = json!([{"name": "year-end", "from": "2026-12-20", "to": "2027-01-03"}]);
        assert_eq!(frozen(&freezes, "2026-12-24T10:00:00Z"), Some("year-end"));
        assert_eq!(frozen(&freezes, "2027-01-03"), Some("year-end"));
        assert_eq!(frozen(&freezes, "2027-01-04"), None);
        assert_eq!(frozen(&freezes, "2026-13-01"), None);
    }
}
