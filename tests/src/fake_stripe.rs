//! Stripe's API on loopback, answering as its reference documents it:
//! `Authorization: Bearer <secret key>` (401 `invalid_request_error`
//! without one or with a wrong one, the key masked in the message), lists
//! as `{"object": "list", "data", "has_more", "url"}`, newest first, paged
//! by `limit` (1–100, default 10) and `starting_after` (an id of the list;
//! an unknown one is a 400 `resource_missing`), `created[gte]` filters,
//! invoices filtered by `status`, errors as `{"error": {"type", "code",
//! "message"}}` (429 `rate_limit`, 5xx `api_error`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_api::{bearer, error, Served};

/// When the newest transaction happened (Unix time).
pub const NEWEST: i64 = 1_764_000_000;
/// Each transaction is this much older than the one after it.
pub const SPACING: i64 = 3600;

struct Fake {
    key: String,
    transactions: Vec<Value>,
    invoices: Vec<Value>,
}

pub struct FakeStripe {
    served: Served,
}

fn shape(status: StatusCode, message: &str) -> Value {
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            json!({"error": {"type": "invalid_request_error", "code": "rate_limit",
            "message": format!("{message}: too many requests hit the API too quickly")}})
        }
        _ => json!({"error": {"type": "api_error", "message": message}}),
    }
}

fn invalid(status: StatusCode, code: Option<&str>, param: Option<&str>, message: &str) -> Response {
    let mut body = json!({"error": {"type": "invalid_request_error", "message": message}});
    if let Some(code) = code {
        body["error"]["code"] = json!(code);
    }
    if let Some(param) = param {
        body["error"]["param"] = json!(param);
    }
    error(status, body)
}

/// A balance transaction: every tenth a refund, the others card charges.
fn transaction(index: i64) -> Value {
    let (kind, amount, fee) = if index % 10 == 9 {
        ("refund", -1000, 0)
    } else {
        ("charge", 2000, 88)
    };
    json!({"id": format!("txn_{index:024}"), "object": "balance_transaction", "amount": amount, "fee": fee,
           "net": amount - fee, "currency": "usd", "type": kind, "status": "available",
           "created": NEWEST - index * SPACING, "description": null})
}

fn invoice(id: &str, status: &str, due: i64, remaining: i64) -> Value {
    json!({"id": id, "object": "invoice", "status": status, "currency": "usd", "amount_due": due,
           "amount_paid": due - remaining, "amount_remaining": remaining, "created": NEWEST,
           "customer": "cus_Mycosoft01"})
}

impl Fake {
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        match bearer(headers) {
            None => Some(invalid(StatusCode::UNAUTHORIZED, None, None,
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")),
            Some(key) if key != self.key => {
                let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                Some(invalid(StatusCode::UNAUTHORIZED, None, None,
                    &format!("Invalid API Key provided: sk_test_****{tail}")))
            }
            Some(_) => None,
        }
    }
}

/// One page of `items` as Stripe lists them.
fn list(items: &[Value], url: &str, query: &BTreeMap<String, String>) -> Response {
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(limit)) if (1..=100).contains(&limit) => limit,
        Some(_) => {
            return invalid(
                StatusCode::BAD_REQUEST,
                Some("parameter_invalid_integer"),
                Some("limit"),
                "Invalid integer: limit must be between 1 and 100",
            )
        }
    };
    let since = query
        .get("created[gte]")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(i64::MIN);
    let status = query.get("status");
    let shown: Vec<&Value> = items
        .iter()
        .filter(|item| item["created"].as_i64().unwrap_or(0) >= since)
        .filter(|item| status.is_none_or(|s| item["status"] == json!(s)))
        .collect();
    let start = match query.get("starting_after") {
        None => 0,
        Some(after) => match shown.iter().position(|item| item["id"] == json!(after)) {
            Some(at) => at + 1,
            None => {
                return invalid(
                    StatusCode::BAD_REQUEST,
                    Some("resource_missing"),
                    Some("starting_after"),
                    &format!("No such object: '{after}'"),
                )
            }
        },
    };
    let page: Vec<Value> = shown
        .iter()
        .skip(start)
        .take(limit)
        .map(|item| (*item).clone())
        .collect();
    let has_more = start + page.len() < shown.len();
    Json(json!({"object": "list", "data": page, "has_more": has_more, "url": url})).into_response()
}

async fn balance(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    Json(json!({"object": "balance", "livemode": false,
                "available": [{"amount": 372_784, "currency": "usd", "source_types": {"card": 372_784}}],
                "pending": [{"amount": 5000, "currency": "usd", "source_types": {"card": 5000}}]}))
    .into_response()
}

async fn balance_transactions(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    match fake.refusal(&headers) {
        Some(refused) => refused,
        None => list(&fake.transactions, "/v1/balance_transactions", &query),
    }
}

async fn invoices(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let known = ["draft", "open", "paid", "uncollectible", "void"];
    if let Some(status) = query.get("status").filter(|s| !known.contains(&s.as_str())) {
        return invalid(
            StatusCode::BAD_REQUEST,
            Some("parameter_invalid_string"),
            Some("status"),
            &format!(
                "Invalid status: must be one of {}; got {status}",
                known.join(", ")
            ),
        );
    }
    list(&fake.invoices, "/v1/invoices", &query)
}

impl FakeStripe {
    /// `key` is the one valid secret key; `transactions` balance transactions exist.
    pub async fn start(key: &str, transactions: i64) -> Self {
        let fake = Arc::new(Fake {
            key: key.to_owned(),
            transactions: (0..transactions).map(transaction).collect(),
            invoices: vec![
                invoice("in_1Paid", "paid", 5000, 0),
                invoice("in_2Open", "open", 12_000, 12_000),
                invoice("in_3Open", "open", 4000, 3000),
                invoice("in_4Void", "void", 800, 0),
            ],
        });
        let router = Router::new()
            .route("/v1/balance", get(balance))
            .route("/v1/balance_transactions", get(balance_transactions))
            .route("/v1/invoices", get(invoices))
            .fallback(|| async {
                invalid(
                    StatusCode::NOT_FOUND,
                    None,
                    None,
                    "Unrecognized request URL. Please see https://stripe.com/docs",
                )
            })
            .with_state(fake);
        Self {
            served: Served::start(router, shape).await,
        }
    }
}

impl std::ops::Deref for FakeStripe {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
