//! `sales-agent`: deals read from HubSpot's CRM (every page) summed by
//! stage, a forecast weighting open deals by their stage's probability
//! against the quota, and discounts approved or refused by the rules in
//! the agent's settings (limits per customer tier, the smallest deal that
//! gets one, the largest discount value) — each answer naming its rule.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::hubspot::{self, amount, closed, property, TOKEN};
use super::rules::{
    counted, decide, decision_result, number, payload, rounded, with_assessor, Check,
};
use crate::kinds::connect::{optional_text, path_part};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn deal_view(deal: &Value) -> Value {
    json!({"id": deal["id"], "name": property(deal, "dealname"), "stage": property(deal, "dealstage"),
           "pipeline": property(deal, "pipeline"), "amount": amount(deal), "closedate": property(deal, "closedate")})
}

fn total(deals: &[&Value]) -> f64 {
    deals.iter().map(|deal| amount(deal)).sum()
}

fn list_deals(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let api = hubspot::api(&context)?;
        let (deals, truncated) = hubspot::deals(&api).await.map_err(|e| e.to_string())?;
        let wanted = |deal: &&Value| {
            ["stage", "pipeline"].iter().all(|field| {
                let property_name = if *field == "stage" {
                    "dealstage"
                } else {
                    "pipeline"
                };
                optional_text(payload, field).is_none_or(|v| property(deal, property_name) == v)
            })
        };
        let shown: Vec<&Value> = deals.iter().filter(wanted).collect();
        let in_stage = |stage: &str| -> Vec<&Value> {
            shown
                .iter()
                .copied()
                .filter(|d| property(d, "dealstage") == stage)
                .collect()
        };
        let open: Vec<&Value> = shown.iter().copied().filter(|d| !closed(d)).collect();
        let owned: Vec<Value> = shown.iter().map(|d| (*d).clone()).collect();
        Ok(
            json!({"count": shown.len(), "truncated": truncated, "by_stage": counted(&owned, "/properties/dealstage"),
                  "total_amount": total(&shown), "won_amount": total(&in_stage("closedwon")),
                  "lost_amount": total(&in_stage("closedlost")), "open_amount": total(&open),
                  "deals": shown.iter().map(|d| deal_view(d)).collect::<Vec<_>>()}),
        )
    })
}

fn sales_forecast(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let api = hubspot::api(&context)?;
        let (deals, truncated) = hubspot::deals(&api).await.map_err(|e| e.to_string())?;
        let mut stages: BTreeMap<String, (u64, f64)> = BTreeMap::new();
        for deal in &deals {
            let entry = stages
                .entry(property(deal, "dealstage").to_owned())
                .or_default();
            entry.0 += 1;
            entry.1 += amount(deal);
        }
        let probabilities = &settings["stage_probabilities"];
        let mut weighted_open = 0.0;
        let by_stage: Vec<Value> = stages
            .iter()
            .map(|(stage, (count, sum))| {
                let probability = probabilities[stage].as_f64().unwrap_or(0.0);
                if stage != "closedwon" {
                    weighted_open += sum * probability;
                }
                json!({"stage": stage, "count": count, "amount": sum, "probability": probability,
                       "weighted": rounded(sum * probability)})
            })
            .collect();
        let won = stages.get("closedwon").map_or(0.0, |(_, sum)| *sum);
        let quota = number(settings, "quota");
        let forecast = won + weighted_open;
        Ok(
            json!({"deals": deals.len(), "truncated": truncated, "won": won, "weighted_open": rounded(weighted_open),
                  "forecast": rounded(forecast), "quota": quota,
                  "attainment": if quota > 0.0 { rounded(forecast / quota) } else { 0.0 },
                  "gap": rounded((quota - forecast).max(0.0)), "by_stage": by_stage}),
        )
    })
}

fn approve_discount(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let mut subject = context.task.payload.clone();
        let mut checks = Vec::new();
        if subject.get("deal_id").is_some() {
            let id = path_part(&subject, "deal_id", false)?;
            let api = hubspot::api(&context)?;
            let deal = api
                .get(
                    &format!("/crm/v3/objects/deals/{id}"),
                    &[("properties", hubspot::PROPERTIES.to_owned())],
                )
                .await
                .map_err(|e| e.to_string())?;
            let stage = property(&deal, "dealstage").to_owned();
            checks.push(Check::new(
                "open_deal",
                !closed(&deal),
                format!("the deal is in stage {stage}"),
            ));
            subject["amount"] = json!(amount(&deal));
            subject["deal"] = deal_view(&deal);
        }
        let Some(value) = subject["amount"].as_f64() else {
            return Err("invalid payload: give deal_id (read from HubSpot) or amount".to_owned());
        };
        let percent = subject["discount_percent"].as_f64().unwrap_or(0.0);
        let tier = optional_text(&subject, "tier")
            .unwrap_or("standard")
            .to_owned();
        let tier_limit = settings["max_discount_percent"][&tier].as_f64();
        let (smallest, largest) = (
            number(settings, "min_amount_for_discount"),
            number(settings, "max_discount_value"),
        );
        let discount = rounded(value * percent / 100.0);
        checks.push(Check::new(
            "minimum_deal_size",
            value >= smallest,
            format!("a deal of {value}; discounts start at {smallest}"),
        ));
        checks.push(Check::new(
            "tier_limit",
            tier_limit.is_some_and(|limit| percent <= limit),
            match tier_limit {
                Some(limit) => format!("{percent}% for a {tier} customer; at most {limit}%"),
                None => format!("there is no discount limit for tier {tier:?}"),
            },
        ));
        checks.push(Check::new(
            "discount_value",
            discount <= largest,
            format!("a discount of {discount}; at most {largest} approved alone"),
        ));
        let why = format!("{percent}% off {value} is within every discount rule");
        let mut result = decide(checks, "within_discount_policy", why, subject);
        result["discount_value"] = json!(discount);
        result["net_amount"] = json!(rounded(value - discount));
        Ok(result)
    })
}

pub fn spec() -> KindSpec {
    let name = json!({"type": "string", "minLength": 1, "maxLength": 100});
    let mut discount_result = decision_result();
    discount_result["properties"]["discount_value"] = json!({"type": "number"});
    discount_result["properties"]["net_amount"] = json!({"type": "number"});
    KindSpec {
        kind: "sales-agent",
        aliases: vec!["sales"],
        category: AgentCategory::Corporate,
        description: "Revenue from HubSpot's CRM: deals (every page) summed by stage, a forecast weighting open \
                      deals by their stage's probability against the quota, and discounts approved or refused by \
                      explainable rules (limit per customer tier, smallest deal, largest discount value)",
        task_types: vec![
            task(
                "list_deals",
                "Every deal (optionally of one stage or pipeline) with the amounts won, lost and open",
                payload(json!({"stage": name, "pipeline": name}), &[]),
                json!({"type": "object", "required": ["count", "truncated", "by_stage", "total_amount", "deals"],
                       "properties": {"count": {"type": "integer"}, "truncated": {"type": "boolean"}, "by_stage": {"type": "object"},
                                      "total_amount": {"type": "number"}, "won_amount": {"type": "number"},
                                      "lost_amount": {"type": "number"}, "open_amount": {"type": "number"},
                                      "deals": {"type": "array", "items": {"type": "object"}}}}),
                list_deals,
            ),
            task(
                "sales_forecast",
                "Won revenue plus open deals weighted by their stage's probability, against the quota",
                payload(json!({}), &[]),
                json!({"type": "object", "required": ["won", "weighted_open", "forecast", "quota", "attainment", "by_stage"],
                       "properties": {"deals": {"type": "integer"}, "truncated": {"type": "boolean"}, "won": {"type": "number"},
                                      "weighted_open": {"type": "number"}, "forecast": {"type": "number"}, "quota": {"type": "number"},
                                      "attainment": {"type": "number"}, "gap": {"type": "number"},
                                      "by_stage": {"type": "array", "items": {"type": "object"}}}}),
                sales_forecast,
            ),
            task(
                "approve_discount",
                "Approve or refuse a discount on a HubSpot deal (or an amount) by the discount rules",
                payload(json!({"deal_id": {"type": "string", "minLength": 1, "maxLength": 32}, "amount": {"type": "number", "minimum": 0},
                               "discount_percent": {"type": "number", "minimum": 0, "maximum": 100}, "tier": name,
                               "customer": {"type": "string", "maxLength": 200}}), &["discount_percent"]),
                discount_result,
                approve_discount,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: TOKEN,
            description: "A HubSpot private app's access token with the crm.objects.deals.read scope",
            check: Some("list_deals"),
        }],
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "stage_probabilities": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                    "default": {"appointmentscheduled": 0.2, "qualifiedtobuy": 0.4, "presentationscheduled": 0.6,
                                "decisionmakerboughtin": 0.8, "contractsent": 0.9, "closedwon": 1.0, "closedlost": 0.0},
                    "description": "How likely a deal in each stage closes (HubSpot's default pipeline)"},
                "quota": {"type": "number", "minimum": 0, "default": 100000, "description": "The revenue target the forecast is held against"},
                "max_discount_percent": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100},
                    "default": {"standard": 10, "partner": 20, "enterprise": 25}, "description": "The largest discount per customer tier"},
                "min_amount_for_discount": {"type": "number", "minimum": 0, "default": 1000, "description": "The smallest deal that gets a discount"},
                "max_discount_value": {"type": "number", "minimum": 0, "default": 5000, "description": "The largest discount approved alone"},
                "hubspot_base_url": {"type": "string", "default": "https://api.hubapi.com", "description": "HubSpot's API address"}
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
