//! `legal-agent`: documents and actions checked against the policies in
//! the agent's settings — clauses a contract must have, terms no document
//! may contain, jurisdictions the company works in — each result naming
//! the rule that decided and what it found.

use serde_json::json;

use super::rules::{
    decide, decision_result, listed, payload, strings, terms_in, with_assessor, Check,
};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// The forbidden terms `text` contains, as a rule's verdict.
fn terms_check(context: &TaskContext, text: &str) -> Check {
    Check::none_found(
        "forbidden_terms",
        &terms_in(context.settings.get("forbidden_terms"), text),
        "no forbidden term".to_owned(),
        "contains forbidden terms".to_owned(),
    )
}

fn jurisdiction_check(context: &TaskContext, jurisdiction: Option<&str>) -> Check {
    let allowed =
        jurisdiction.is_none_or(|j| listed(context.settings.get("allowed_jurisdictions"), j));
    Check::new(
        "jurisdiction",
        allowed,
        match jurisdiction {
            Some(j) if allowed => format!("{j} is an allowed jurisdiction"),
            Some(j) => format!(
                "{j} is not among the allowed jurisdictions ({})",
                strings(context.settings.get("allowed_jurisdictions")).join(", ")
            ),
            None => "no jurisdiction named".to_owned(),
        },
    )
}

fn contract_review(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let subject = context.task.payload.clone();
        let body = text(&subject, "text").to_lowercase();
        let missing: Vec<&str> = strings(context.settings.get("required_clauses"))
            .into_iter()
            .filter(|clause| !body.contains(&clause.to_lowercase()))
            .collect();
        let checks = vec![
            Check::none_found(
                "required_clauses",
                &missing,
                "every required clause is there".to_owned(),
                "missing required clauses".to_owned(),
            ),
            terms_check(&context, &body),
            jurisdiction_check(&context, optional_text(&subject, "jurisdiction")),
        ];
        let mut summary = subject.clone();
        if let Some(object) = summary.as_object_mut() {
            object.remove("text");
        }
        let mut result = decide(
            checks,
            "compliant_contract",
            "the contract meets every policy".to_owned(),
            summary,
        );
        result["missing_clauses"] = json!(missing);
        Ok(result)
    })
}

fn compliance_check(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let subject = context.task.payload.clone();
        let described = format!(
            "{} {}",
            text(&subject, "action"),
            optional_text(&subject, "description").unwrap_or("")
        );
        let regulated = optional_text(&subject, "data_category")
            .filter(|c| listed(context.settings.get("regulated_data"), c));
        let consent = subject["consent"] == true;
        let checks = vec![
            terms_check(&context, &described),
            jurisdiction_check(&context, optional_text(&subject, "jurisdiction")),
            Check::new(
                "consent_for_regulated_data",
                regulated.is_none() || consent,
                match regulated {
                    Some(c) if consent => format!("{c} data, with consent"),
                    Some(c) => format!("{c} data is regulated: it needs recorded consent"),
                    None => "no regulated data".to_owned(),
                },
            ),
        ];
        Ok(decide(
            checks,
            "compliant",
            "the action meets every policy".to_owned(),
            subject,
        ))
    })
}

pub fn spec() -> KindSpec {
    let jurisdiction = json!({"type": "string", "minLength": 2, "maxLength": 64});
    let list = |items: &[&str], what: &str| json!({"type": "array", "items": {"type": "string"}, "default": items, "description": what});
    KindSpec {
        kind: "legal-agent",
        aliases: vec!["legal"],
        category: AgentCategory::Corporate,
        description: "Compliance and contracts by explainable rules: contracts checked for required clauses, \
                      forbidden terms and jurisdiction; actions checked for forbidden terms, jurisdiction and consent \
                      for regulated data",
        task_types: vec![
            task(
                "contract_review",
                "Check a contract's text for the required clauses, forbidden terms and its jurisdiction",
                payload(json!({"title": {"type": "string", "maxLength": 200}, "text": {"type": "string", "minLength": 1, "maxLength": 200_000},
                               "jurisdiction": jurisdiction, "counterparty": {"type": "string", "maxLength": 200}}), &["text"]),
                decision_result(),
                contract_review,
            ),
            task(
                "compliance_check",
                "Check an action for forbidden terms, its jurisdiction and consent when it touches regulated data",
                payload(json!({"action": {"type": "string", "minLength": 1, "maxLength": 128}, "description": {"type": "string", "maxLength": 4000},
                               "jurisdiction": jurisdiction, "data_category": {"type": "string", "maxLength": 64},
                               "consent": {"type": "boolean"}}), &["action"]),
                decision_result(),
                compliance_check,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "required_clauses": list(&["governing law", "limitation of liability", "confidentiality", "termination"], "Clauses every contract must contain"),
                "forbidden_terms": list(&["unlimited liability", "perpetual exclusivity"], "Terms no contract or action may contain"),
                "allowed_jurisdictions": list(&["US", "EU", "UK"], "Where the company contracts and operates"),
                "regulated_data": list(&["personal", "health", "payment"], "Data categories that need recorded consent")
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
