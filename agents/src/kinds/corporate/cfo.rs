//! `cfo-agent`: spending approved or refused against the budgets in the
//! agent's settings (what each category may spend in a period, what it had
//! spent, the largest amount approved alone) less what the agent approved
//! in the period, budgets checked, and a financial report read from Stripe
//! (balance, balance transactions, invoices).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::ledger::{Ledger, PERIODS};
use super::rules::{
    counted, decide, decision_result, number, payload, rounded, with_assessor, Check,
};
use super::stripe;
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// One budget line: what the category may spend, has spent (before this
/// agent, and approved by it this period) and has left.
fn line(settings: &Map<String, Value>, ledger: &Ledger, category: &str) -> Option<Value> {
    let budget = settings["budgets"][category].as_f64()?;
    let spent = settings["spent"][category].as_f64().unwrap_or(0.0) + ledger.approved(category);
    let utilisation = if budget > 0.0 { spent / budget } else { 1.0 };
    Some(
        json!({"category": category, "budget": budget, "spent": spent, "remaining": budget - spent,
                "utilisation": rounded(utilisation)}),
    )
}

fn budget_names(settings: &Map<String, Value>) -> Vec<String> {
    settings["budgets"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| name.clone())
        .collect()
}

/// The budget rules an amount for `category` is checked against.
fn budget_checks(
    settings: &Map<String, Value>,
    ledger: &Ledger,
    category: &str,
    amount: f64,
) -> Vec<Check> {
    let Some(line) = line(settings, ledger, category) else {
        return vec![Check::new(
            "known_budget",
            false,
            format!(
                "there is no budget for {category:?} (budgets: {})",
                budget_names(settings).join(", ")
            ),
        )];
    };
    let remaining = line["remaining"].as_f64().unwrap_or(0.0);
    vec![
        Check::new(
            "known_budget",
            true,
            format!("{category:?} has a budget of {}", line["budget"]),
        ),
        Check::new(
            "within_budget",
            amount <= remaining,
            format!(
                "{amount} {} the {remaining} left of the {category} budget",
                if amount <= remaining {
                    "fits in"
                } else {
                    "exceeds"
                }
            ),
        ),
    ]
}

fn approve_spending(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let subject = context.task.payload.clone();
        let category = text(&subject, "category").to_owned();
        let amount = subject["amount"].as_f64().unwrap_or(0.0);
        let (mut ledger, _deciding) = Ledger::for_decision(&context).await?;
        let mut checks = budget_checks(&context.settings, &ledger, &category, amount);
        let limit = number(&context.settings, "auto_approve_max_amount");
        checks.push(Check::new(
            "approval_limit",
            amount <= limit,
            format!(
                "{amount} {} the {limit} this agent approves alone",
                if amount <= limit {
                    "is within"
                } else {
                    "exceeds"
                }
            ),
        ));
        let why = format!("{amount} for {category} fits its budget and the approval limit");
        let mut decision = decide(checks, "within_budget_and_limit", why, subject);
        if decision["approved"] == true {
            ledger.record(&context, &category, amount).await?;
        }
        decision["budget"] = line(&context.settings, &ledger, &category).unwrap_or(Value::Null);
        decision["period"] = json!(ledger.period);
        Ok(decision)
    })
}

/// Every budget (or one), its totals, and — given an amount — whether it fits.
fn budget_check(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let payload = &context.task.payload;
        let category = optional_text(payload, "category");
        let ledger = Ledger::open(&context).await?;
        let names = match category {
            Some(one) if line(settings, &ledger, one).is_none() => {
                return Err(format!(
                    "no budget named {one:?}: the budgets are {}",
                    budget_names(settings).join(", ")
                ))
            }
            Some(one) => vec![one.to_owned()],
            None => budget_names(settings),
        };
        let lines: Vec<Value> = names
            .iter()
            .filter_map(|name| line(settings, &ledger, name))
            .collect();
        let total = |field: &str| lines.iter().filter_map(|l| l[field].as_f64()).sum::<f64>();
        let mut result = json!({"currency": settings["currency"], "period": ledger.period, "budgets": lines, "total_budget": total("budget"),
                                "total_spent": total("spent"), "total_remaining": total("remaining")});
        if let (Some(category), Some(amount)) = (category, payload["amount"].as_f64()) {
            let why = format!("{amount} fits in the {category} budget");
            result["check"] = decide(
                budget_checks(settings, &ledger, category, amount),
                "within_budget",
                why,
                payload.clone(),
            );
        }
        Ok(result)
    })
}

/// Sums of `fields` of `items` per currency.
fn per_currency(items: &[Value], fields: &[&str]) -> Value {
    let mut sums: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for item in items {
        let currency = item["currency"].as_str().unwrap_or("?").to_owned();
        let sum = sums.entry(currency).or_default();
        for field in fields {
            let before = sum.get(*field).and_then(Value::as_i64).unwrap_or(0);
            sum.insert(
                (*field).to_owned(),
                json!(before + item[*field].as_i64().unwrap_or(0)),
            );
        }
    }
    json!(sums)
}

/// A balance's funds (`available` or `pending`) per currency.
fn funds(balance: &Value, which: &str) -> Value {
    let list: Vec<Value> = balance[which].as_array().cloned().unwrap_or_default();
    let sums = per_currency(&list, &["amount"]);
    let flat: Map<String, Value> = sums
        .as_object()
        .into_iter()
        .flatten()
        .map(|(currency, sum)| (currency.clone(), sum["amount"].clone()))
        .collect();
    json!(flat)
}

fn financial_report(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let api = stripe::api(&context)?;
        let balance = api.get("/balance", &[]).await.map_err(|e| e.to_string())?;
        let mut since = Vec::new();
        if let Some(from) = payload["since"].as_i64() {
            since.push(("created[gte]", from.to_string()));
        }
        let (moves, moves_cut) = stripe::all(&api, "/balance_transactions", &since)
            .await
            .map_err(|e| e.to_string())?;
        let mut invoice_query = since.clone();
        if let Some(status) = optional_text(payload, "invoice_status") {
            invoice_query.push(("status", status.to_owned()));
        }
        let (invoices, invoices_cut) = stripe::all(&api, "/invoices", &invoice_query)
            .await
            .map_err(|e| e.to_string())?;
        let open: Vec<Value> = invoices
            .iter()
            .filter(|i| i["status"] == "open")
            .cloned()
            .collect();
        let outstanding = per_currency(&open, &["amount_remaining"]);
        Ok(json!({
            "balance": {"available": funds(&balance, "available"), "pending": funds(&balance, "pending"), "livemode": balance["livemode"]},
            "transactions": {"count": moves.len(), "truncated": moves_cut, "by_type": counted(&moves, "/type"),
                             "totals": per_currency(&moves, &["amount", "fee", "net"])},
            "invoices": {"count": invoices.len(), "truncated": invoices_cut, "by_status": counted(&invoices, "/status"),
                         "outstanding": outstanding},
        }))
    })
}

pub fn spec() -> KindSpec {
    let category = json!({"type": "string", "minLength": 1, "maxLength": 64});
    KindSpec {
        kind: "cfo-agent",
        aliases: vec!["cfo"],
        category: AgentCategory::Corporate,
        description: "Financial oversight: spending approved or refused against the budgets and the approval limit \
                      in its settings (the rule that decided is named), each approval reducing what is left of its \
                      budget for the period (kept across restarts and snapshots), budgets checked, and a report of the \
                      Stripe balance, balance transactions and invoices",
        task_types: vec![
            task(
                "approve_spending",
                "Approve or refuse spending an amount from a category's budget; the result names the rule that decided",
                payload(
                    json!({"amount": {"type": "number", "minimum": 0.01}, "category": category,
                           "vendor": {"type": "string", "maxLength": 128}, "description": {"type": "string", "maxLength": 2000}}),
                    &["amount", "category"],
                ),
                decision_result(),
                approve_spending,
            ),
            task(
                "budget_check",
                "Every budget (or one category's) with what is spent and left; given a category and an amount, whether it fits",
                payload(json!({"category": category, "amount": {"type": "number", "minimum": 0.01}}), &[]),
                json!({"type": "object", "required": ["currency", "budgets", "total_budget", "total_spent", "total_remaining"],
                       "properties": {"currency": {"type": "string"}, "period": {"type": "string"}, "budgets": {"type": "array", "items": {"type": "object"}},
                                      "total_budget": {"type": "number"}, "total_spent": {"type": "number"},
                                      "total_remaining": {"type": "number"}, "check": decision_result()}}),
                budget_check,
            ),
            task(
                "financial_report",
                "Stripe's balance, its balance transactions (every page, since a time) by type and currency, and its invoices by status with what open ones still owe",
                payload(
                    json!({"since": {"type": "integer", "minimum": 0, "description": "Unix time: only what was created since"},
                           "invoice_status": {"enum": ["draft", "open", "paid", "uncollectible", "void"]}}),
                    &[],
                ),
                json!({"type": "object", "required": ["balance", "transactions", "invoices"],
                       "properties": {"balance": {"type": "object"}, "transactions": {"type": "object"}, "invoices": {"type": "object"}}}),
                financial_report,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: stripe::API_KEY,
            description: "A Stripe secret (or restricted read-only) key",
            check: Some("financial_report"),
        }],
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "budgets": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0},
                            "default": {"operations": 50000, "engineering": 100000, "marketing": 20000},
                            "description": "What each category may spend"},
                "spent": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}, "default": {},
                          "description": "What each category had spent this period before this agent (its own approvals are added)"},
                "period": {"enum": PERIODS, "default": "month",
                           "description": "What the budgets are for: approvals count against the current month, quarter or year"},
                "auto_approve_max_amount": {"type": "number", "minimum": 0, "default": 5000,
                                            "description": "The largest spending this agent approves alone"},
                "currency": {"type": "string", "default": "usd"},
                "stripe_base_url": {"type": "string", "default": "https://api.stripe.com", "description": "Stripe's API address"}
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
