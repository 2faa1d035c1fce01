//! QuickBooks Online's Accounting API on loopback, answering as Intuit
//! documents it: an OAuth 2.0 token as `Authorization: Bearer` (401 with
//! the lower-case `fault.error[]` body otherwise), one company
//! (`/v3/company/{realmId}`; another realm is a 403), `GET …/query?query=`
//! with the query language (`select * from Vendor|Bill [where F op 'v'
//! [AND …]] [STARTPOSITION n] [MAXRESULTS m]`, quotes escaped with `\`),
//! JSON only when `Accept: application/json` asks for it (XML otherwise),
//! pages of at most 1000, answers as `{"QueryResponse": {"Vendor": [...],
//! "startPosition", "maxResults"}, "time"}` (`{}` when nothing matches),
//! errors as `{"Fault": {"Error": [{"Message", "Detail", "code"}], "type"}}`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_api::{bearer, error, header, Served};

pub const REALM: &str = "9130357766900123";
/// Vendors beside the three named ones: two pages of 1000.
pub const BULK_VENDORS: usize = 1203;
const TIME: &str = "2026-12-01T09:00:00.000-08:00";

struct Fake {
    token: String,
    vendors: Vec<Value>,
    bills: Vec<Value>,
}

pub struct FakeQuickbooks {
    served: Served,
}

fn fault(kind: &str, message: &str, detail: &str, code: &str) -> Value {
    json!({"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": kind}, "time": TIME})
}

fn shape(status: StatusCode, _: &str) -> Value {
    match status {
        StatusCode::TOO_MANY_REQUESTS => fault("SERVICE", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "The request limit was reached.", "3001"),
        _ => fault("SystemFault", "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving your data.", "10000"),
    }
}

fn vendor(id: u64, name: &str, active: bool, balance: f64) -> Value {
    json!({"Id": id.to_string(), "SyncToken": "0", "DisplayName": name, "Active": active, "Balance": balance,
           "Vendor1099": false, "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
           "PrimaryEmailAddr": {"Address": format!("billing{id}@example.com")},
           "MetaData": {"CreateTime": "2026-01-05T10:00:00-08:00", "LastUpdatedTime": "2026-11-20T10:00:00-08:00"}})
}

fn bill(id: u64, vendor: (&str, &str), total: f64, balance: f64, due: &str) -> Value {
    json!({"Id": id.to_string(), "SyncToken": "0", "VendorRef": {"value": vendor.0, "name": vendor.1},
           "TxnDate": "2026-10-01", "DueDate": due, "TotalAmt": total, "Balance": balance,
           "CurrencyRef": {"value": "USD", "name": "United States Dollar"}})
}

/// One parsed query.
struct Select {
    entity: String,
    conditions: Vec<(String, String, String)>,
    start: usize,
    max: usize,
}

/// The query's words, a quoted literal as one (its `\` escapes undone).
fn tokens(query: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '\'' => {
                let mut literal = String::from("'");
                loop {
                    match chars.next() {
                        Some('\\') => literal.push(chars.next().ok_or("a dangling escape")?),
                        Some('\'') => break,
                        Some(c) => literal.push(c),
                        None => return Err("an unterminated string".to_owned()),
                    }
                }
                out.push(literal);
            }
            c => {
                let mut word = String::from(c);
                while let Some(next) = chars.peek().filter(|n| !n.is_whitespace()) {
                    word.push(*next);
                    chars.next();
                }
                out.push(word);
            }
        }
    }
    Ok(out)
}

fn parse(query: &str) -> Result<Select, String> {
    let words = tokens(query)?;
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    if lower.len() < 4 || lower[0] != "select" || lower[1] != "*" || lower[2] != "from" {
        return Err(format!(
            "Encountered \"{}\" at line 1, column 1.",
            words.first().map_or("", String::as_str)
        ));
    }
    let mut select = Select {
        entity: words[3].clone(),
        conditions: Vec::new(),
        start: 1,
        max: 100,
    };
    let mut at = 4;
    if lower.get(at).map(String::as_str) == Some("where") {
        at += 1;
        loop {
            let [field, op, value] =
                [at, at + 1, at + 2].map(|i| words.get(i).cloned().unwrap_or_default());
            if !["=", ">", "<"].contains(&op.as_str()) || value.is_empty() {
                return Err(format!("Encountered \"{op}\" after \"{field}\"."));
            }
            select
                .conditions
                .push((field, op, value.trim_start_matches('\'').to_owned()));
            at += 3;
            if lower.get(at).map(String::as_str) != Some("and") {
                break;
            }
            at += 1;
        }
    }
    while at < words.len() {
        let number = words.get(at + 1).and_then(|n| n.parse::<usize>().ok());
        match (lower[at].as_str(), number) {
            ("startposition", Some(n)) => select.start = n.max(1),
            ("maxresults", Some(n)) => select.max = n.min(1000),
            _ => return Err(format!("Encountered \"{}\" at position {at}.", words[at])),
        }
        at += 2;
    }
    Ok(select)
}

/// Whether `item` meets one condition (a reference compares by its value).
fn meets(item: &Value, (field, op, value): &(String, String, String)) -> bool {
    let found = match &item[field.as_str()] {
        Value::Object(reference) => reference.get("value").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let as_text = found.as_str().map_or(found.to_string(), str::to_owned);
    match op.as_str() {
        "=" => as_text == *value,
        _ => {
            let (Some(left), Ok(right)) = (found.as_f64(), value.parse::<f64>()) else {
                return false;
            };
            if op == ">" {
                left > right
            } else {
                left < right
            }
        }
    }
}

async fn query(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(realm): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Response {
    if bearer(&headers) != Some(fake.token.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            json!({"warnings": null, "intuitObject": null,
            "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                  "detail": null, "code": "3200", "element": null}], "type": "AUTHENTICATION"},
            "report": null, "queryResponse": null, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": null, "requestId": null, "time": 1_764_608_400_000_u64, "status": null, "cdcresponse": []}),
        );
    }
    if realm != REALM {
        return error(
            StatusCode::FORBIDDEN,
            fault(
                "SECURITY",
                "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                "",
                "003100",
            ),
        );
    }
    if !header(&headers, "accept").is_some_and(|a| a.contains("application/json")) {
        return (
            StatusCode::OK,
            [("content-type", "application/xml")],
            format!("<IntuitResponse time=\"{TIME}\"><QueryResponse/></IntuitResponse>"),
        )
            .into_response();
    }
    let statement = params.get("query").map_or("", String::as_str);
    let select = match parse(statement) {
        Ok(select) => select,
        Err(detail) => {
            return error(
                StatusCode::BAD_REQUEST,
                fault(
                    "ValidationFault",
                    "Error parsing query",
                    &format!("QueryParserError: {detail}"),
                    "4000",
                ),
            )
        }
    };
    let all = match select.entity.as_str() {
        "Vendor" => &fake.vendors,
        "Bill" => &fake.bills,
        other => {
            return error(
                StatusCode::BAD_REQUEST,
                fault(
                    "ValidationFault",
                    "Invalid query",
                    &format!("QueryValidationError: Entity {other} is not supported"),
                    "4001",
                ),
            )
        }
    };
    let found: Vec<&Value> = all
        .iter()
        .filter(|item| select.conditions.iter().all(|c| meets(item, c)))
        .collect();
    let page: Vec<Value> = found
        .iter()
        .skip(select.start - 1)
        .take(select.max)
        .map(|i| (*i).clone())
        .collect();
    let response = if page.is_empty() {
        json!({})
    } else {
        json!({select.entity.clone(): page, "startPosition": select.start, "maxResults": page.len()})
    };
    Json(json!({"QueryResponse": response, "time": TIME})).into_response()
}

impl FakeQuickbooks {
    /// `token` is the one valid access token. The company has
    /// [`BULK_VENDORS`] suppliers and three named vendors, and four bills.
    pub async fn start(token: &str) -> Self {
        let mut vendors: Vec<Value> = (0..BULK_VENDORS)
            .map(|i| {
                vendor(
                    100 + i as u64,
                    &format!("Supplier {i:04}"),
                    i % 10 != 0,
                    (i % 4) as f64 * 250.0,
                )
            })
            .collect();
        vendors.push(vendor(56, "Bob's Burger Joint", true, 9000.0));
        vendors.push(vendor(57, "Spore Supply Co", true, 1200.0));
        vendors.push(vendor(58, "Closed Mill", false, 0.0));
        let bills = vec![
            bill(201, ("57", "Spore Supply Co"), 1200.0, 1200.0, "2026-11-15"),
            bill(
                202,
                ("56", "Bob's Burger Joint"),
                9000.0,
                9000.0,
                "2026-12-20",
            ),
            bill(203, ("57", "Spore Supply Co"), 500.0, 0.0, "2026-10-01"),
            bill(204, ("58", "Closed Mill"), 300.0, 300.0, "2026-10-30"),
        ];
        let fake = Arc::new(Fake {
            token: token.to_owned(),
            vendors,
            bills,
        });
        let router = Router::new()
            .route("/v3/company/{realm}/query", get(query))
            .fallback(|| async {
                error(
                    StatusCode::NOT_FOUND,
                    fault("ValidationFault", "Resource not found", "", "610"),
                )
            })
            .with_state(fake);
        Self {
            served: Served::start(router, shape).await,
        }
    }
}

impl std::ops::Deref for FakeQuickbooks {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
