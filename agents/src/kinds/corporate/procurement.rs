//! `procurement-agent`: vendors and open bills read from QuickBooks Online,
//! and purchases approved or refused by the rules in the agent's settings
//! against what QuickBooks says of the vendor — known and active, not
//! blocked, an amount approved alone, and what the company would then owe
//! the vendor — each answer naming the rule that decided.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::quickbooks::{self, literal, TOKEN};
use super::rules::{
    decide, decision_result, listed, number, payload, rounded, with_assessor, Check,
};
use crate::kinds::connect::{optional_text, path_part, text};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn vendor_view(vendor: &Value) -> Value {
    json!({"id": vendor["Id"], "name": vendor["DisplayName"], "active": vendor["Active"],
           "balance": vendor["Balance"].as_f64().unwrap_or(0.0), "currency": vendor["CurrencyRef"]["value"],
           "email": vendor["PrimaryEmailAddr"]["Address"]})
}

fn sum(items: &[Value], field: &str) -> f64 {
    rounded(items.iter().filter_map(|i| i[field].as_f64()).sum())
}

fn list_vendors(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let company = quickbooks::company(&context)?;
        let active_only = context.task.payload["active_only"] == true;
        let (vendors, truncated) = company
            .select("Vendor", active_only.then_some("Active = true"))
            .await
            .map_err(|e| e.to_string())?;
        let active = vendors.iter().filter(|v| v["Active"] == true).count();
        Ok(
            json!({"count": vendors.len(), "truncated": truncated, "active": active,
                  "total_balance": sum(&vendors, "Balance"),
                  "vendors": vendors.iter().map(vendor_view).collect::<Vec<_>>()}),
        )
    })
}

fn open_bills(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let mut filter = "Balance > '0'".to_owned();
        if payload.get("vendor_id").is_some() {
            filter.push_str(&format!(
                " AND VendorRef = {}",
                literal(path_part(payload, "vendor_id", false)?)
            ));
        }
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let as_of = optional_text(payload, "as_of").unwrap_or(&today).to_owned();
        let company = quickbooks::company(&context)?;
        let (bills, truncated) = company
            .select("Bill", Some(&filter))
            .await
            .map_err(|e| e.to_string())?;
        let overdue: Vec<Value> = bills
            .iter()
            .filter(|b| {
                b["DueDate"]
                    .as_str()
                    .is_some_and(|due| due < as_of.as_str())
            })
            .cloned()
            .collect();
        let mut by_vendor: BTreeMap<String, f64> = BTreeMap::new();
        for bill in &bills {
            let name = bill["VendorRef"]["name"].as_str().unwrap_or("?").to_owned();
            *by_vendor.entry(name).or_default() += bill["Balance"].as_f64().unwrap_or(0.0);
        }
        let views: Vec<Value> = bills
            .iter()
            .map(|b| json!({"id": b["Id"], "vendor": b["VendorRef"]["name"], "total": b["TotalAmt"], "balance": b["Balance"],
                            "due": b["DueDate"], "overdue": b["DueDate"].as_str().is_some_and(|due| due < as_of.as_str())}))
            .collect();
        Ok(
            json!({"count": bills.len(), "truncated": truncated, "as_of": as_of, "outstanding": sum(&bills, "Balance"),
                  "overdue_count": overdue.len(), "overdue_amount": sum(&overdue, "Balance"),
                  "by_vendor": by_vendor, "bills": views}),
        )
    })
}

fn approve_purchase(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let name = text(&subject, "vendor");
        let amount = subject["amount"].as_f64().unwrap_or(0.0);
        let company = quickbooks::company(&context)?;
        let (found, _) = company
            .select("Vendor", Some(&format!("DisplayName = {}", literal(name))))
            .await
            .map_err(|e| e.to_string())?;
        let vendor = found.first();
        let active = vendor.is_some_and(|v| v["Active"] == true);
        let owed = vendor.and_then(|v| v["Balance"].as_f64()).unwrap_or(0.0);
        let (limit, exposure) = (
            number(settings, "auto_approve_max_amount"),
            number(settings, "max_vendor_exposure"),
        );
        let blocked = listed(settings.get("blocked_vendors"), name);
        let checks = vec![
            Check::new("known_vendor", vendor.is_some(), format!(
                "{name:?} is {}a vendor in QuickBooks", if vendor.is_some() { "" } else { "not " })),
            Check::new("active_vendor", active, format!("{name:?} is {}", if active { "active" } else { "inactive" })),
            Check::new("blocked_vendor", !blocked, format!("{name:?} is {}on the blocked list", if blocked { "" } else { "not " })),
            Check::new("amount_limit", amount <= limit, format!(
                "{amount} {} the {limit} this agent approves alone", if amount <= limit { "is within" } else { "exceeds" })),
            Check::new("vendor_exposure", owed + amount <= exposure, format!(
                "{owed} already owed plus {amount} makes {}; at most {exposure} owed to one vendor", owed + amount)),
        ];
        let why = format!("{amount} from {name} is within every purchasing rule");
        let mut result = decide(checks, "within_purchasing_policy", why, subject);
        result["vendor"] = vendor.map_or(Value::Null, vendor_view);
        Ok(result)
    })
}

pub fn spec() -> KindSpec {
    let mut purchase_result = decision_result();
    purchase_result["properties"]["vendor"] = json!({"type": ["object", "null"]});
    KindSpec {
        kind: "procurement-agent",
        aliases: vec!["procurement"],
        category: AgentCategory::Corporate,
        description: "Vendors and purchasing from QuickBooks Online: vendors and open bills (every page; what is \
                      overdue), and purchases approved or refused by explainable rules against the vendor's record \
                      (known, active, not blocked, an amount approved alone, what the company would owe it)",
        task_types: vec![
            task(
                "list_vendors",
                "Every vendor (or only active ones) with what the company owes each",
                payload(json!({"active_only": {"type": "boolean", "default": false}}), &[]),
                json!({"type": "object", "required": ["count", "truncated", "active", "total_balance", "vendors"],
                       "properties": {"count": {"type": "integer"}, "truncated": {"type": "boolean"}, "active": {"type": "integer"},
                                      "total_balance": {"type": "number"}, "vendors": {"type": "array", "items": {"type": "object"}}}}),
                list_vendors,
            ),
            task(
                "open_bills",
                "Every bill with a balance (optionally one vendor's), what is outstanding and what is overdue as of a date",
                payload(json!({"vendor_id": {"type": "string", "minLength": 1, "maxLength": 20},
                               "as_of": {"type": "string", "minLength": 10, "maxLength": 10, "description": "YYYY-MM-DD; default today"}}), &[]),
                json!({"type": "object", "required": ["count", "outstanding", "overdue_count", "overdue_amount", "by_vendor", "bills"],
                       "properties": {"count": {"type": "integer"}, "truncated": {"type": "boolean"}, "as_of": {"type": "string"},
                                      "outstanding": {"type": "number"}, "overdue_count": {"type": "integer"},
                                      "overdue_amount": {"type": "number"}, "by_vendor": {"type": "object"},
                                      "bills": {"type": "array", "items": {"type": "object"}}}}),
                open_bills,
            ),
            task(
                "approve_purchase",
                "Approve or refuse buying an amount from a vendor by the purchasing rules and its QuickBooks record",
                payload(json!({"vendor": {"type": "string", "minLength": 1, "maxLength": 100}, "amount": {"type": "number", "minimum": 0.01},
                               "description": {"type": "string", "maxLength": 2000}}), &["vendor", "amount"]),
                purchase_result,
                approve_purchase,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: TOKEN,
            description: "A QuickBooks Online OAuth 2.0 access token with the com.intuit.quickbooks.accounting scope",
            check: Some("list_vendors"),
        }],
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "realm_id": {"type": "string", "maxLength": 32, "description": "The QuickBooks company id (realmId)"},
                "auto_approve_max_amount": {"type": "number", "minimum": 0, "default": 2500, "description": "The largest purchase approved alone"},
                "max_vendor_exposure": {"type": "number", "minimum": 0, "default": 10000,
                                        "description": "The most the company may owe one vendor once the purchase is made"},
                "blocked_vendors": {"type": "array", "items": {"type": "string"}, "default": [], "description": "Vendors never bought from"},
                "quickbooks_base_url": {"type": "string", "default": "https://quickbooks.api.intuit.com",
                                        "description": "QuickBooks' API address (sandbox: https://sandbox-quickbooks.api.intuit.com)"}
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
